// "Login with DingTalk" for Koa, with koa-passport and koa-session.
import Router from '@koa/router';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import session from 'koa-session';
import { Strategy, type StrategyOptions } from 'passport-dingtalk-oauth2';

export interface KoaAppSettings {
  /** clientID, clientSecret and callbackURL, as registered in the DingTalk developer console. */
  dingtalk: StrategyOptions;
  /** Keys that sign the session cookie. */
  sessionKeys: string[];
}

/** What the app keeps of a DingTalk user; a real app would load or create its own user here. */
interface DingTalkUser {
  unionId: string;
  nick: string;
}

export function createKoaApp({ dingtalk, sessionKeys }: KoaAppSettings): Koa {
  const passport = new KoaPassport();
  passport.use(
    // state: true keeps a random state in the session and checks it on the callback (CSRF).
    new Strategy({ ...dingtalk, state: true }, (_accessToken, _refreshToken, profile, done) => {
      const user: DingTalkUser = { unionId: profile.id, nick: profile.displayName };
      done(null, user);
    }),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: DingTalkUser, done) => done(null, user));

  const app = new Koa();
  app.keys = sessionKeys;
  // Lax lets the cookie ride along on DingTalk's redirect back, which the state check needs.
  app.use(session({ sameSite: 'lax' }, app));
  app.use(passport.initialize());
  app.use(passport.session());

  const router = new Router();
  router.get('/auth/dingtalk', passport.authenticate('dingtalk'));
  router.get(
    '/auth/dingtalk/callback',
    passport.authenticate('dingtalk', {
      successRedirect: '/profile',
      failureRedirect: '/login-failed',
      failureMessage: true,
    }),
  );
  router.get('/profile', (ctx) => {
    if (!ctx.isAuthenticated()) ctx.throw(401, 'Log in with DingTalk first');
    ctx.body = ctx.state.user;
  });
  router.get('/login-failed', (ctx) => {
    // failureMessage: true leaves the strategy's reason (such as the user pressing Cancel) here.
    const messages: unknown = ctx.session?.messages;
    ctx.status = 401;
    ctx.body = { messages: Array.isArray(messages) ? messages : [] };
  });
  app.use(router.routes());
  return app;
}
