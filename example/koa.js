// "Login with DingTalk" (钉钉登录) for Koa, with koa-passport and koa-session: a complete app in one file.
// npm install passport-dingtalk-oauth2 koa koa-passport koa-session @koa/router
//
// node koa.js: without DINGTALK_CLIENT_ID it logs in through a local DingTalk emulator (no account
// needed). For the real DingTalk set DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET, DINGTALK_CALLBACK_URL
// (registered in the developer console, ending in /auth/dingtalk/callback) and SESSION_SECRET.
const { randomBytes } = require('node:crypto');
const { Router } = require('@koa/router');
const Koa = require('koa');
const { KoaPassport } = require('koa-passport');
const { createSession } = require('koa-session');
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
  const passport = new KoaPassport();
  passport.use(
    // state: true keeps a random state in the session and checks it on the callback (CSRF).
    new DingTalkStrategy({ ...dingtalk, state: true }, (_accessToken, _refreshToken, profile, done) => {
      // A real app finds or creates its user here, by profile.id (the unionId).
      done(null, { id: profile.id, name: profile.displayName });
    }),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user, done) => done(null, user));

  const app = new Koa();
  app.keys = [sessionSecret];
  // DingTalk's errors carry the status to answer: 502, 503 (throttled) or 504 (timeout).
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      console.error(`${ctx.method} ${ctx.path}: ${err.message}`);
      ctx.status = err.status ?? 500;
      ctx.body = page('<p>DingTalk login is unavailable: please try again later.</p>');
    }
  });
  // sameSite 'lax' lets the cookie ride along on DingTalk's redirect back, which the state check needs.
  // Over https set secure: true too (behind a TLS proxy, with app.proxy = true). The session lives in a
  // signed cookie here: give production a store if it must be revocable.
  app.use(createSession({ sameSite: 'lax' }, app));
  app.use(passport.initialize());
  app.use(passport.session());

  const router = new Router();
  router.get('/', (ctx) => {
    const user = ctx.state.user;
    ctx.body = user
      ? page(`<p>Hello, ${escapeHTML(user.name)} (${escapeHTML(user.id)})</p>
<form method="post" action="/logout"><button>Log out</button></form>`)
      : page('<p><a href="/login">Log in</a></p>');
  });
  router.get('/login', (ctx) => {
    // failureMessage: true leaves the reason (such as the user pressing Cancel) in ctx.session.messages.
    const message = ctx.session.messages?.at(-1);
    ctx.session.messages = [];
    ctx.body = page(`${message ? `<p role="alert">${escapeHTML(message)}</p>` : ''}
<p><a href="/auth/dingtalk">Login with DingTalk / 钉钉登录</a></p>`);
  });
  router.get('/auth/dingtalk', passport.authenticate('dingtalk'));
  router.get(
    '/auth/dingtalk/callback',
    passport.authenticate('dingtalk', { successRedirect: '/', failureRedirect: '/login', failureMessage: true }),
  );
  router.post('/logout', async (ctx) => {
    await ctx.logout();
    ctx.redirect('/');
  });
  app.use(router.routes());

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
          ? `Port ${port} is in use: try another, such as PORT=${port + 1} node koa.js`
          : err.message,
      );
      process.exit(1);
    },
  );
}

module.exports = { start };
