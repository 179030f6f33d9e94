// "Login with DingTalk" for Fastify, with @fastify/passport and @fastify/secure-session.
import { Authenticator } from '@fastify/passport';
import secureSession from '@fastify/secure-session';
import Fastify, { type FastifyInstance } from 'fastify';
import { Strategy, type StrategyOptions } from 'passport-dingtalk-oauth2';

export interface FastifyAppSettings {
  /** clientID, clientSecret and callbackURL, as registered in the DingTalk developer console. */
  dingtalk: StrategyOptions;
  /** The 32-byte key that encrypts the session cookie (`npx @fastify/secure-session > secret-key`). */
  sessionKey: Buffer;
}

/** What the app keeps of a DingTalk user; a real app would load or create its own user here. */
interface DingTalkUser {
  unionId: string;
  nick: string;
}

export async function createFastifyApp({ dingtalk, sessionKey }: FastifyAppSettings): Promise<FastifyInstance> {
  const passport = new Authenticator();
  passport.use(
    'dingtalk',
    // state: true keeps a random state in the session and checks it on the callback (CSRF).
    new Strategy({ ...dingtalk, state: true }, (_accessToken, _refreshToken, profile, done) => {
      const user: DingTalkUser = { unionId: profile.id, nick: profile.displayName };
      done(null, user);
    }),
  );
  passport.registerUserSerializer(async (user: DingTalkUser) => user);
  passport.registerUserDeserializer(async (user: DingTalkUser) => user);

  const app = Fastify();
  // Lax lets the cookie ride along on DingTalk's redirect back, which the state check needs.
  await app.register(secureSession, { key: sessionKey, cookie: { path: '/', httpOnly: true, sameSite: 'lax' } });
  await app.register(passport.initialize());
  await app.register(passport.secureSession());

  app.get('/auth/dingtalk', passport.authenticate('dingtalk'));
  app.get(
    '/auth/dingtalk/callback',
    { preValidation: passport.authenticate('dingtalk', { failureRedirect: '/login-failed', failureMessage: true }) },
    (_request, reply) => reply.redirect('/profile'),
  );
  app.get('/profile', (request, reply) => {
    if (!request.isAuthenticated()) return reply.code(401).send({ message: 'Log in with DingTalk first' });
    return request.user;
  });
  app.get('/login-failed', (request, reply) => {
    // failureMessage: true leaves the strategy's reason (such as the user pressing Cancel) here.
    const messages: unknown = request.session.get('messages');
    return reply.code(401).send({ messages: Array.isArray(messages) ? messages : [] });
  });
  return app;
}
