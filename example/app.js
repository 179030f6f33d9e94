// The demo app: the smallest complete "Login with DingTalk" for Express, meant to be read. In a browser
// it logs in through DingTalk's login page; inside the DingTalk client it logs in silently (免登).
const { join } = require('node:path');
const express = require('express');
const session = require('express-session');
const { Passport } = require('passport');
const { Strategy: DingTalkStrategy, InAppStrategy } = require('passport-dingtalk-oauth2');
const views = require('./views');

/** The callback route. With the real DingTalk, register a URL ending in this path. */
const callbackPath = '/auth/dingtalk/callback';

/** Where the in-client login page posts its code. */
const inAppPath = '/auth/dingtalk/in-app';

/** DingTalk's JSAPI (dingtalk.open.js), which defines `window.dd` inside the DingTalk client. */
const dingtalkJSAPIURL = 'https://g.alicdn.com/dingding/dingtalk-jsapi/3.1.0/dingtalk.open.js';

// What dingtalk-jsapi itself tests to tell the DingTalk client from any other browser.
const dingTalkUserAgent = /DingTalk/i;

/**
 * The demo's user, the same shape whichever way the person logged in. A real app finds or creates
 * its user here, keyed by profile.id: the unionId in both strategies' profiles, so one person is one
 * user inside DingTalk and in a browser. The member's fields (userId, role, departments) come from
 * the in-client login and from the browser login's memberLookup alike.
 */
function demoUser(profile, via) {
  return {
    unionId: profile.id,
    nick: profile.displayName,
    avatarUrl: profile.photos?.[0]?.value,
    email: profile.emails?.[0]?.value,
    corpId: profile.corpId,
    userId: profile.userId,
    isAdmin: profile.isAdmin,
    title: profile.title,
    departmentIds: profile.departmentIds,
    via,
  };
}

/**
 * Builds the Express app. `strategyOptions` are the DingTalk strategy's options (the real DingTalk's,
 * or the emulator's); `usingEmulator` only changes what the pages say. `inClient`, when set, turns on
 * the login inside the DingTalk client: `strategyOptions` for InAppStrategy, `ddScriptURL` the JSAPI
 * to load (DingTalk's, unless the emulator's stand-in), and with the emulator, `clientPageURL`, where
 * a tester picks who is signed in to the client.
 */
function createApp({ strategyOptions, inClient, sessionSecret, usingEmulator }) {
  const passport = new Passport();

  passport.use(
    new DingTalkStrategy(
      // A relative callbackURL is resolved against the host the browser used.
      { callbackURL: callbackPath, ...strategyOptions, state: true },
      (_accessToken, _refreshToken, params, profile, done) => {
        done(null, {
          ...demoUser(profile, 'browser'),
          accessTokenExpiresAt: Date.now() + (params.expireIn ?? 7200) * 1000,
        });
      },
    ),
  );
  if (inClient) {
    passport.use(
      new InAppStrategy(inClient.strategyOptions, (profile, done) => {
        done(null, demoUser(profile, 'in-app'));
      }),
    );
  }
  // The demo keeps the whole user in the session; a real app would store only its id.
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user, done) => done(null, user));

  const app = express();
  // The in-client login's script; before the session, which a static file does not need.
  app.use(express.static(join(__dirname, 'public'), { index: false }));
  app.use(
    session({
      secret: sessionSecret,
      resave: false,
      saveUninitialized: false,
      // Lax, not None: the cookie rides along on DingTalk's redirect back (a top-level GET), which the
      // state check needs, but not on another site's fetch, and the browser ignores one set in the
      // answer to it. With the strategy's own refusal of cross-site posts (Sec-Fetch-Site, Origin),
      // another site cannot log the user in as someone else by posting its own code (login CSRF).
      // secure: 'auto' marks the cookie Secure whenever the request came over https (behind a TLS
      // proxy, with app.set('trust proxy', 1)).
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto' },
    }),
  );
  app.use(passport.session());
  // Without memberLookup the default scope is `openid`: a second button asks for the organization.
  const pickOrganization = !strategyOptions.memberLookup;
  const pageOptions = { usingEmulator, pickOrganization };

  app.get('/', (req, res) => {
    // The same URL answers two pages, so a cache must keep one per User-Agent.
    res.vary('User-Agent');
    if (inClient && !req.user && dingTalkUserAgent.test(req.get('user-agent') ?? '')) {
      const { clientID, corpId } = inClient.strategyOptions;
      const login = {
        corpId,
        clientId: clientID,
        inAppPath,
        ddScriptURL: inClient.ddScriptURL ?? dingtalkJSAPIURL,
        clientPageURL: inClient.clientPageURL,
      };
      return res.send(views.inClientLoginPage(login, pageOptions));
    }
    res.send(views.homePage(req.user, pageOptions));
  });

  app.get('/auth/dingtalk', passport.authenticate('dingtalk'));
  if (pickOrganization) {
    // `openid corpid` makes DingTalk ask which organization to log in with, and return its corpId.
    app.get('/auth/dingtalk/organization', passport.authenticate('dingtalk', { scope: 'openid corpid' }));
  }
  app.get(
    callbackPath,
    passport.authenticate('dingtalk', { failureRedirect: '/login-failed', failureMessage: true }),
    (_req, res) => res.redirect('/profile'),
  );

  if (inClient) {
    // JSON only: an HTML form on another site cannot send it, and another site's fetch of it needs
    // a CORS preflight, which this app does not answer.
    app.post(inAppPath, express.json({ limit: '1kb' }), logInInsideDingTalk(passport), answerInAppError);
  }

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
    // Only a session with a user: logout saves a fresh session, which anonymous posts would pile up.
    if (!req.user) return res.redirect('/');
    req.logout((err) => (err ? next(err) : res.redirect('/')));
  });

  // DingTalk errors (a missing permission, a timeout...) land here with a message that says what to do.
  app.use((err, req, res, _next) => {
    logError(req, err);
    res.status(500).send(views.errorPage(err, pageOptions));
  });

  return app;
}

/**
 * The route the in-client page posts `{ code }` to. The page reads the answer, so every outcome is
 * JSON: 200 once logged in; a refusal (a used code, a malformed request) with its status, reason and
 * message; a DingTalk failure with the error's own 5xx status.
 */
function logInInsideDingTalk(passport) {
  return (req, res, next) => {
    passport.authenticate('dingtalk-inapp', (err, user, info, status) => {
      if (err) return next(err);
      if (!user) return res.status(status ?? 401).json({ reason: info?.reason, message: info?.message });
      req.logIn(user, (loginError) => {
        if (loginError) return next(loginError);
        res.json({ user: { unionId: user.unionId, nick: user.nick, via: user.via } });
      });
    })(req, res, next);
  };
}

/** The in-client route's errors, answered as JSON for its page rather than as the HTML error page. */
function answerInAppError(err, req, res, _next) {
  // express.json()'s own refusals (not JSON, over 1 kB) are the client's mistake, not the server's.
  if (err.expose && err.status >= 400 && err.status < 500) {
    return res.status(err.status).json({
      reason: 'malformed_request',
      message: 'Post the in-client code as JSON {"code": "..."} of at most 1 kB.',
    });
  }
  logError(req, err);
  // The package's errors carry the status to answer: 502, 503 when DingTalk throttles, 504 on a timeout.
  const status = err.status >= 500 && err.status < 600 ? err.status : 500;
  // The details stay in the log: the page gets a fixed text, whatever DingTalk or a store said.
  const message =
    status === 503
      ? '钉钉繁忙，请稍后再试。/ DingTalk is busy: please try again later.'
      : '暂时无法通过钉钉登录，请稍后再试。/ Login through DingTalk is unavailable: please try again later.';
  res.status(status).json({ reason: 'server_error', message });
}

/** The message only: it says what went wrong, and the package keeps secrets and codes out of it. */
function logError(req, err) {
  console.error(`[demo] ${req.method} ${req.path}: ${err.message}`);
}

module.exports = { createApp, callbackPath, inAppPath, dingtalkJSAPIURL };
