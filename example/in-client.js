// Login inside the DingTalk client (钉钉内免登) for Express: a complete app in one file.
// npm install passport-dingtalk-oauth2 passport express express-session
//
// node in-client.js: without DINGTALK_CLIENT_ID it runs against a local DingTalk emulator, which plays
// the DingTalk client too (it prints how to use it). For the real DingTalk set DINGTALK_CLIENT_ID,
// DINGTALK_CLIENT_SECRET, DINGTALK_CORP_ID (the organization the app is installed in) and SESSION_SECRET,
// then open the app from DingTalk's workbench: the page's domain must be the one registered for the app.
const { randomBytes } = require('node:crypto');
const express = require('express');
const session = require('express-session');
const { Passport } = require('passport');
const { InAppStrategy } = require('passport-dingtalk-oauth2');
const { createDingTalkEmulator } = require('passport-dingtalk-oauth2/testing');

/** DingTalk's JSAPI as a plain script, which defines window.dd: no bundler needed. */
const dingtalkJSAPI = 'https://g.alicdn.com/dingding/dingtalk-jsapi/3.1.0/dingtalk.open.js';
/** Where the page posts the in-client code (免登码). */
const inAppPath = '/auth/dingtalk/in-app';

const escapeHTML = (text) => String(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
const page = (body) =>
  `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>DingTalk login</title>${body}`;
// JSON inside <script>: with "<" escaped, no value can end the element (</script>) or open a comment.
const scriptJSON = (value) => JSON.stringify(value).replace(/</g, '\\u003c');

// The page's script, plain browser JavaScript: asks the client for a code and posts it. Outside
// DingTalk, or in a broken client, dd.requestAuthCode may never answer: hence the User-Agent test
// (dingtalk-jsapi's own) and the timeout.
const logInScript = `(async function () {
  var config = JSON.parse(document.getElementById('dingtalk-config').textContent);
  var status = document.getElementById('status');
  var timer;
  try {
    if (!window.dd || !/DingTalk/i.test(navigator.userAgent)) {
      throw new Error('this page is not open inside the DingTalk client. / 请在钉钉客户端内打开本页。');
    }
    var late = new Promise(function (_resolve, reject) {
      timer = setTimeout(function () { reject(new Error('DingTalk did not answer within 5 s.')); }, 5000);
    });
    // dd.requestAuthCode needs DingTalk 7.0.45 or later on phones, 7.0.50 on desktops; older clients
    // have only the previous API, which finds the app by the page's domain.
    var request = typeof window.dd.requestAuthCode === 'function'
      ? window.dd.requestAuthCode({ corpId: config.corpId, clientId: config.clientId })
      : window.dd.runtime.permission.requestAuthCode({ corpId: config.corpId });
    var code = (await Promise.race([request, late])).code;
    var response = await fetch(config.inAppPath, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: code }),
    });
    var answer = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error((answer.reason || 'HTTP ' + response.status) + ': ' + (answer.message || 'refused'));
    status.textContent = 'Logged in as ' + answer.user.name + '. / 已登录。';
    // ?logged-in: if the session cookie did not stick, the page says so rather than log in again and again.
    window.location.replace('/?logged-in');
  } catch (error) {
    // The JSAPI's own failures carry errorMessage (and errorCode).
    status.textContent = 'Could not sign in through DingTalk: ' + (error.errorMessage || error.message);
  } finally {
    clearTimeout(timer);
  }
})();`;

/** The DingTalk settings: from the environment, or the emulator's when DINGTALK_CLIENT_ID is unset. */
async function settings(env) {
  if (!env.DINGTALK_CLIENT_ID) {
    // A missing variable must not turn a production app into one that logs anybody in.
    if (env.NODE_ENV === 'production') throw new Error('DINGTALK_CLIENT_ID must be set when NODE_ENV=production');
    const emulator = await createDingTalkEmulator();
    // The emulator serves a stand-in for dingtalk.open.js, which asks it (the "client") for codes.
    const dingtalk = emulator.inAppStrategyOptions();
    return { emulator, dingtalk, ddScriptURL: emulator.ddScriptURL, sessionSecret: randomBytes(32).toString('hex') };
  }
  for (const name of ['DINGTALK_CLIENT_SECRET', 'DINGTALK_CORP_ID', 'SESSION_SECRET']) {
    if (!env[name]) throw new Error(`${name} must be set when DINGTALK_CLIENT_ID is set`);
  }
  const dingtalk = {
    clientID: env.DINGTALK_CLIENT_ID,
    clientSecret: env.DINGTALK_CLIENT_SECRET,
    corpId: env.DINGTALK_CORP_ID,
  };
  return { dingtalk, ddScriptURL: dingtalkJSAPI, sessionSecret: env.SESSION_SECRET };
}

async function start({ port = 3000, host = '127.0.0.1', env = process.env } = {}) {
  const { emulator, dingtalk, ddScriptURL, sessionSecret } = await settings(env);
  const passport = new Passport();
  passport.use(
    new InAppStrategy(dingtalk, (profile, done) => {
      // A real app finds or creates its user here, by profile.id (the unionId, the same in the
      // browser login); profile.userId is the member's id in the organization.
      done(null, { id: profile.id, name: profile.displayName, userId: profile.userId, corpId: profile.corpId });
    }),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user, done) => done(null, user));

  const app = express();
  // sameSite 'lax' keeps the cookie off other sites' posts, such as a forged logout (the strategy itself
  // refuses cross-site logins); secure 'auto' marks it Secure over https (behind a TLS proxy, add
  // app.set('trust proxy', 1)). The default MemoryStore suits one process in development: give
  // production a real store.
  const cookie = { sameSite: 'lax', secure: 'auto' };
  app.use(session({ secret: sessionSecret, resave: false, saveUninitialized: false, cookie }));
  app.use(passport.session());

  app.get('/', (req, res) => {
    if (req.user) {
      return res.send(
        page(`<p id="user">Hello, ${escapeHTML(req.user.name)} (${escapeHTML(req.user.id)})</p>
<form method="post" action="/logout"><button>Log out</button></form>`),
      );
    }
    // After a logout or a lost session cookie, signing in again silently would loop: offer a link.
    if ('logged-out' in req.query) return res.send(page('<p>Logged out. <a href="/">Sign in again</a></p>'));
    if ('logged-in' in req.query) {
      return res.send(
        page(
          '<p role="alert">Logged in, but the browser did not keep the session cookie. <a href="/">Try again</a></p>',
        ),
      );
    }
    // corpId and clientId are not secrets: the page hands them to dd.requestAuthCode.
    const config = { corpId: dingtalk.corpId, clientId: dingtalk.clientID, inAppPath };
    res.send(
      page(`<p id="status" role="status">Signing in through DingTalk… / 正在通过钉钉登录…</p>
<script type="application/json" id="dingtalk-config">${scriptJSON(config)}</script>
<script src="${escapeHTML(ddScriptURL)}"></script>
<script>${logInScript}</script>`),
    );
  });

  // Inside DingTalk: the page posts {"code": ...} as JSON (a form on another site cannot) and reads JSON.
  const inAppLogin = (req, res, next) => {
    passport.authenticate('dingtalk-inapp', (err, user, info, status) => {
      if (err) return next(err);
      // A used or expired code is 401 code_rejected; your verify's refusal has no status, hence 401.
      if (!user) return res.status(status ?? 401).json({ reason: info?.reason, message: info?.message });
      // req.logIn starts the session (with a new session id).
      req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.json({ user: { id: user.id, name: user.name } })));
    })(req, res, next);
  };
  // Each post costs a DingTalk request: in production, rate-limit this route (such as express-rate-limit).
  app.post(inAppPath, express.json({ limit: '1kb' }), inAppLogin);
  app.post('/logout', (req, res, next) => {
    // Only a session with a user: logout saves a fresh session, which anonymous posts would pile up.
    if (!req.user) return res.redirect('/?logged-out');
    req.logout((err) => (err ? next(err) : res.redirect('/?logged-out')));
  });
  app.use((err, req, res, _next) => {
    // express.json()'s refusals (broken JSON, over 1 kB) are exposed 4xx errors: the client's mistake.
    const refused = err.expose && err.status >= 400 && err.status < 500;
    // DingTalk's errors carry the status to answer: 502, 503 (throttled) or 504 (timeout).
    const status = refused ? err.status : err.status >= 500 && err.status < 600 ? err.status : 500;
    if (!refused) console.error(`${req.method} ${req.path}: ${err.message}`);
    // The details stay in the log: the page gets a fixed text.
    const message = refused
      ? 'Post the code as JSON {"code": "..."} of at most 1 kB.'
      : 'DingTalk login is unavailable: please try again later.';
    if (req.path !== inAppPath) return res.status(status).send(page(`<p>${escapeHTML(message)}</p>`));
    res.status(status).json({ reason: refused ? 'malformed_request' : 'server_error', message });
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
    ({ url, emulator }) => {
      console.log(`Open ${url}${emulator ? ' (DingTalk emulator: no DINGTALK_CLIENT_ID)' : ''}`);
      if (emulator) {
        console.log(`The emulator plays the DingTalk client: pick who is signed in to it at ${emulator.clientPageURL}
then open ${url} with a User-Agent containing "DingTalk" (Chrome DevTools → Network conditions → User agent).`);
      }
    },
    (err) => {
      console.error(
        err.code === 'EADDRINUSE'
          ? `Port ${port} is in use: try another, such as PORT=${port + 1} node in-client.js`
          : err.message,
      );
      process.exit(1);
    },
  );
}

module.exports = { start };
