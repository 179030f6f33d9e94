// The demo app: the smallest complete "Login with DingTalk" for Express, meant to be read.
const express = require('express');
const session = require('express-session');
const { Passport } = require('passport');
const { Strategy: DingTalkStrategy } = require('passport-dingtalk-oauth2');
const views = require('./views');

/** The callback route. With the real DingTalk, register a URL ending in this path. */
const callbackPath = '/auth/dingtalk/callback';

/**
 * Builds the Express app. `strategyOptions` are the DingTalk strategy's options (the real
 * DingTalk's, or the emulator's); `usingEmulator` only changes what the pages say.
 */
function createApp({ strategyOptions, sessionSecret, usingEmulator }) {
  const passport = new Passport();

  passport.use(
    new DingTalkStrategy(
      // A relative callbackURL is resolved against the host the browser used.
      { callbackURL: callbackPath, ...strategyOptions, state: true },
      (_accessToken, _refreshToken, params, profile, done) => {
        // A real app finds or creates its user here, keyed by profile.id (the unionId).
        done(null, {
          unionId: profile.id,
          nick: profile.displayName,
          avatarUrl: profile.photos?.[0]?.value,
          email: profile.emails?.[0]?.value,
          corpId: profile.corpId,
          accessTokenExpiresAt: Date.now() + (params.expireIn ?? 7200) * 1000,
        });
      },
    ),
  );
  // The demo keeps the whole user in the session; a real app would store only its id.
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user, done) => done(null, user));

  const app = express();
  app.use(
    session({
      secret: sessionSecret,
      resave: false,
      saveUninitialized: false,
      // Lax lets the cookie ride along on DingTalk's redirect back, which the state check needs.
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.use(passport.session());
  const pageOptions = { usingEmulator };

  app.get('/', (req, res) => res.send(views.homePage(req.user, pageOptions)));

  app.get('/auth/dingtalk', passport.authenticate('dingtalk'));
  // `openid corpid` makes DingTalk ask which organization to log in with, and return its corpId.
  app.get('/auth/dingtalk/organization', passport.authenticate('dingtalk', { scope: 'openid corpid' }));
  app.get(
    callbackPath,
    passport.authenticate('dingtalk', { failureRedirect: '/login-failed', failureMessage: true }),
    (_req, res) => res.redirect('/profile'),
  );

  app.get('/profile', (req, res) => {
    if (!req.user) return res.redirect('/');
    res.send(views.profilePage(req.user, pageOptions));
  });

  app.get('/login-failed', (req, res) => {
    const messages = req.session.messages ?? [];
    req.session.messages = [];
    res.status(401).send(views.failurePage(messages.at(-1), pageOptions));
  });

  app.post('/logout', (req, res, next) => {
    req.logout((err) => (err ? next(err) : res.redirect('/')));
  });

  // DingTalk errors (a missing permission, a timeout...) land here with a message that says what to do.
  app.use((err, req, res, _next) => {
    console.error(`[demo] ${req.method} ${req.path}: ${err.message}`);
    res.status(500).send(views.errorPage(err, pageOptions));
  });

  return app;
}

module.exports = { createApp, callbackPath };
