// "Login with DingTalk" without server sessions (a JWT-style API): the login's state travels in a signed
// cookie (SignedCookieStateStore), and after login the app hands out its own signed token.
// npm install passport-dingtalk-oauth2 passport express
//
// node signed-cookie-state.js: without DINGTALK_CLIENT_ID it logs in through a local DingTalk emulator.
// For the real DingTalk set DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET, DINGTALK_CALLBACK_URL,
// STATE_SECRET and TOKEN_SECRET (each secret ≥ 32 bytes, the same on every instance).
const { createHmac, randomBytes, timingSafeEqual } = require('node:crypto');
const express = require('express');
const { Passport } = require('passport');
const { Strategy: DingTalkStrategy, SignedCookieStateStore } = require('passport-dingtalk-oauth2');
const { createDingTalkEmulator } = require('passport-dingtalk-oauth2/testing');

/** A small signed token, `payload.signature`, valid one hour; a real app may use a JWT library instead. */
function issueToken(user, secret) {
  const payload = Buffer.from(JSON.stringify({ ...user, exp: Date.now() + 3_600_000 })).toString('base64url');
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

/** The token's user, or undefined when the token is missing, forged or expired. */
function readToken(token, secret) {
  const [payload = '', signature = ''] = (token ?? '').split('.');
  const expected = createHmac('sha256', secret).update(payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const user = JSON.parse(Buffer.from(payload, 'base64url').toString());
  return user.exp > Date.now() ? user : undefined;
}

/** The DingTalk settings: from the environment, or the emulator's when DINGTALK_CLIENT_ID is unset. */
async function settings(env) {
  if (!env.DINGTALK_CLIENT_ID) {
    // A missing variable must not turn a production app into one that logs anybody in.
    if (env.NODE_ENV === 'production') throw new Error('DINGTALK_CLIENT_ID must be set when NODE_ENV=production');
    const emulator = await createDingTalkEmulator();
    const dingtalk = { ...emulator.strategyOptions(), callbackURL: '/auth/dingtalk/callback' };
    return { emulator, dingtalk, stateSecret: randomBytes(32).toString('hex'), tokenSecret: randomBytes(32) };
  }
  for (const name of ['DINGTALK_CLIENT_SECRET', 'DINGTALK_CALLBACK_URL', 'STATE_SECRET', 'TOKEN_SECRET']) {
    if (!env[name]) throw new Error(`${name} must be set when DINGTALK_CLIENT_ID is set`);
  }
  // (SignedCookieStateStore checks STATE_SECRET itself.)
  if (Buffer.byteLength(env.TOKEN_SECRET) < 32 || env.TOKEN_SECRET === env.STATE_SECRET) {
    throw new Error('TOKEN_SECRET must be at least 32 bytes, and not the same as STATE_SECRET');
  }
  const dingtalk = {
    clientID: env.DINGTALK_CLIENT_ID,
    clientSecret: env.DINGTALK_CLIENT_SECRET,
    callbackURL: env.DINGTALK_CALLBACK_URL,
  };
  return { dingtalk, stateSecret: env.STATE_SECRET, tokenSecret: env.TOKEN_SECRET };
}

async function start({ port = 3000, host = '127.0.0.1', env = process.env } = {}) {
  const { emulator, dingtalk, stateSecret, tokenSecret } = await settings(env);
  const passport = new Passport();
  passport.use(
    new DingTalkStrategy(
      // The state (CSRF protection) lives in an HMAC-signed cookie: no session needed.
      { ...dingtalk, store: new SignedCookieStateStore({ secret: stateSecret }) },
      (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id, name: profile.displayName }),
    ),
  );

  const app = express();
  app.get('/auth/dingtalk', passport.authenticate('dingtalk', { session: false }));
  app.get('/auth/dingtalk/callback', (req, res, next) => {
    passport.authenticate('dingtalk', { session: false }, (err, user, info, status) => {
      if (err) return next(err); // a DingTalkError, whose status is 502, 503 or 504
      if (!user) return res.status(status ?? 401).json({ message: info?.message ?? 'DingTalk login failed' });
      res.json({ token: issueToken(user, tokenSecret) });
    })(req, res, next);
  });
  // Later requests send the token: `Authorization: Bearer <token>`.
  app.get('/me', (req, res) => {
    const user = readToken(req.get('authorization')?.replace(/^Bearer /, ''), tokenSecret);
    if (!user) return res.status(401).json({ message: 'Log in with DingTalk first: /auth/dingtalk' });
    res.json({ id: user.id, name: user.name });
  });
  app.use((err, req, res, _next) => {
    console.error(`${req.method} ${req.path}: ${err.message}`);
    res.status(err.status ?? 500).json({ message: 'DingTalk login is unavailable: please try again later.' });
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
    ({ url }) => console.log(`Open ${url}/auth/dingtalk`),
    (err) => {
      console.error(
        err.code === 'EADDRINUSE'
          ? `Port ${port} is in use: try another, such as PORT=${port + 1} node signed-cookie-state.js`
          : err.message,
      );
      process.exit(1);
    },
  );
}

module.exports = { start };
