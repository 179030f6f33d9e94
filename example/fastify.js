// "Login with DingTalk" (钉钉登录) for Fastify, with @fastify/passport and @fastify/secure-session: one file.
// npm install passport-dingtalk-oauth2 fastify @fastify/passport @fastify/secure-session
//
// node fastify.js: without DINGTALK_CLIENT_ID it logs in through a local DingTalk emulator (no account
// needed). For the real DingTalk set DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET, DINGTALK_CALLBACK_URL
// (registered in the developer console, ending in /auth/dingtalk/callback) and SESSION_SECRET (≥ 32 bytes).
const { randomBytes } = require('node:crypto');
const { Authenticator } = require('@fastify/passport');
const secureSession = require('@fastify/secure-session');
const Fastify = require('fastify');
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
  const passport = new Authenticator();
  passport.use(
    'dingtalk',
    // state: true keeps a random state in the session (under sessionKey) and checks it on the
    // callback (CSRF).
    new DingTalkStrategy(
      { ...dingtalk, state: true, sessionKey: 'dingtalk' },
      (_accessToken, _refreshToken, profile, done) => {
        // A real app finds or creates its user here, by profile.id (the unionId).
        done(null, { id: profile.id, name: profile.displayName });
      },
    ),
  );
  passport.registerUserSerializer(async (user) => user);
  passport.registerUserDeserializer(async (user) => user);

  const app = Fastify();
  // The session lives in an encrypted cookie. sameSite 'lax' lets it ride along on DingTalk's redirect
  // back, which the state check needs.
  await app.register(secureSession, {
    secret: sessionSecret,
    salt: 'dingtalk-session', // 16 bytes
    // secure 'auto': Secure over https (behind a TLS proxy, give Fastify trustProxy: true).
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto' },
  });
  await app.register(passport.initialize());
  await app.register(passport.secureSession());
  // The logout button posts an empty form: accept it without a form parser.
  app.addContentTypeParser('application/x-www-form-urlencoded', (_request, _body, done) => done(null, {}));
  // DingTalk's errors carry the status to answer: 502, 503 (throttled) or 504 (timeout).
  app.setErrorHandler((err, request, reply) => {
    // The path without the query: the callback's query holds the auth code.
    console.error(`${request.method} ${request.url.split('?')[0]}: ${err.message}`);
    reply.code(err.statusCode ?? 500).type('text/html');
    return page('<p>DingTalk login is unavailable: please try again later.</p>');
  });

  app.get('/', (request, reply) => {
    const user = request.user;
    reply.type('text/html');
    return user
      ? page(`<p>Hello, ${escapeHTML(user.name)} (${escapeHTML(user.id)})</p>
<form method="post" action="/logout"><button>Log out</button></form>`)
      : page('<p><a href="/login">Log in</a></p>');
  });
  app.get('/login', (request, reply) => {
    // failureMessage: true leaves the reason (such as the user pressing Cancel) in the session's messages.
    const messages = request.session.get('messages') ?? [];
    request.session.set('messages', []);
    const message = messages.at(-1);
    reply.type('text/html');
    return page(`${message ? `<p role="alert">${escapeHTML(message)}</p>` : ''}
<p><a href="/auth/dingtalk">Login with DingTalk / 钉钉登录</a></p>`);
  });
  app.get(
    '/auth/dingtalk',
    {
      // @fastify/secure-session saves what is set at the top level only: drop an abandoned
      // login's state, so that passport-oauth2 stores the new one as a new entry.
      preValidation: (request, _reply, done) => {
        request.session.set('dingtalk', undefined);
        done();
      },
    },
    passport.authenticate('dingtalk'),
  );
  app.get(
    '/auth/dingtalk/callback',
    { preValidation: passport.authenticate('dingtalk', { failureRedirect: '/login', failureMessage: true }) },
    (_request, reply) => reply.redirect('/'),
  );
  app.post('/logout', async (request, reply) => {
    await request.logOut();
    return reply.redirect('/');
  });

  const url = await app.listen({ port, host }).catch(async (err) => {
    await emulator?.close();
    throw err;
  });
  return {
    url,
    emulator,
    async close() {
      await app.close();
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
          ? `Port ${port} is in use: try another, such as PORT=${port + 1} node fastify.js`
          : err.message,
      );
      process.exit(1);
    },
  );
}

module.exports = { start };
