// "Login with DingTalk" (钉钉登录) for Express: a complete app in one file.
// npm install passport-dingtalk-oauth2 passport express express-session
//
// node express.js: without DINGTALK_CLIENT_ID it logs in through a local DingTalk emulator (no account
// needed). For the real DingTalk set DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET, DINGTALK_CALLBACK_URL
// (registered in the developer console, ending in /auth/dingtalk/callback) and SESSION_SECRET.
const { randomBytes } = require('node:crypto');
const express = require('express');
const session = require('express-session');
const { Passport } = require('passport');
const { Strategy: DingTalkStrategy } = require('passport-dingtalk-oauth2');
const { createDingTalkEmulator } = require('passport-dingtalk-oauth2/testing');

const escapeHTML = (text) => String(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
const page = (body) => `<!doctype html><meta charset="utf-8"><title>DingTalk login</title>${body}`;

/** The DingTalk settings: from the environment, or the emulator's when DINGTALK_CLIENT_ID is unset. */
async function settings(env) {
  if (!env.DINGTALK_CLIENT_ID) {
    // A missing variable must not turn a production app into one that logs anybody in.
    if (env.NODE_ENV === 'production') throw new Error('DINGTALK_CLIENT_ID must be set when NODE_ENV=production');
    const emulator = await createDingTalkEmulator();
    const dingtalk = { ...emulator.strategyOptions(), callbackURL: '/auth/dingtalk/callback' };
    return { emulator, dingtalk, sessionSecret: randomBytes(32).toString('hex') };
  }
  for (const name of ['DINGTALK_CLIENT_SECRET', 'DINGTALK_CALLBACK_URL', 'SESSION_SECRET']) {
    if (!env[name]) throw new Error(`${name} must be set when DINGTALK_CLIENT_ID is set`);
  }
  const dingtalk = {
    clientID: env.DINGTALK_CLIENT_ID,
    clientSecret: env.DINGTALK_CLIENT_SECRET,
    callbackURL: env.DINGTALK_CALLBACK_URL,
  };
  return { dingtalk, sessionSecret: env.SESSION_SECRET };
}

async function start({ port = 3000, host = '127.0.0.1', env = process.env } = {}) {
  const { emulator, dingtalk, sessionSecret } = await settings(env);
  const passport = new Passport();
  passport.use(
    // state: true keeps a random state in the session and checks it on the callback (CSRF).
    new DingTalkStrategy({ ...dingtalk, state: true }, (_accessToken, _refreshToken, profile, done) => {
      // A real app finds or creates its user here, by profile.id (the unionId).
      done(null, { id: profile.id, name: profile.displayName });
    }),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user, done) => done(null, user));

  const app = express();
  // sameSite 'lax' lets the cookie ride along on DingTalk's redirect back, which the state check needs;
  // secure 'auto' marks it Secure over https (behind a TLS proxy, add app.set('trust proxy', 1)).
  // The default MemoryStore suits one process in development: give production a real store.
  const cookie = { sameSite: 'lax', secure: 'auto' };
  app.use(session({ secret: sessionSecret, resave: false, saveUninitialized: false, cookie }));
  app.use(passport.session());

  app.get('/', (req, res) => {
    if (!req.user) return res.send(page('<p><a href="/login">Log in</a></p>'));
    res.send(
      page(`<p>Hello, ${escapeHTML(req.user.name)} (${escapeHTML(req.user.id)})</p>
<form method="post" action="/logout"><button>Log out</button></form>`),
    );
  });
  app.get('/login', (req, res) => {
    // failureMessage: true leaves the reason (such as the user pressing Cancel) in req.session.messages.
    const message = req.session.messages?.at(-1);
    req.session.messages = [];
    res.send(
      page(`${message ? `<p role="alert">${escapeHTML(message)}</p>` : ''}
<p><a href="/auth/dingtalk">Login with DingTalk / 钉钉登录</a></p>`),
    );
  });
  app.get('/auth/dingtalk', passport.authenticate('dingtalk'));
  app.get(
    '/auth/dingtalk/callback',
    passport.authenticate('dingtalk', { failureRedirect: '/login', failureMessage: true }),
    (_req, res) => res.redirect('/'),
  );
  app.post('/logout', (req, res, next) => {
    // Only a session with a user: logout saves a fresh session, which anonymous posts would pile up.
    if (!req.user) return res.redirect('/');
    req.logout((err) => (err ? next(err) : res.redirect('/')));
  });
  // DingTalk's errors carry the status to answer: 502, 503 (throttled) or 504 (timeout).
  app.use((err, req, res, _next) => {
    console.error(`${req.method} ${req.path}: ${err.message}`);
    res.status(err.status ?? 500).send(page('<p>DingTalk login is unavailable: please try again later.</p>'));
  });

  // No listen callback: Express 5 would call it with the error (such as EADDRINUSE) too.
  const server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, host).once('listening', () => resolve(listening));
    listening.once('error', reject);
  }).catch(async (err) => {
    await emulator?.close(); // a bad port throws at once, a taken one fails later: either way
    throw err;
  });
  return {
    url: `http://${host}:${server.address().port}`,
    emulator,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await emulator?.close();
    },
  };
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 3000);
  start({ port }).then(
    ({ url, emulator }) => console.log(`Open ${url}${emulator ? ' (DingTalk emulator: no DINGTALK_CLIENT_ID)' : ''}`),
    (err) => {
      console.error(
        err.code === 'EADDRINUSE'
          ? `Port ${port} is in use: try another, such as PORT=${port + 1} node express.js`
          : err.message,
      );
      process.exit(1);
    },
  );
}

module.exports = { start };
