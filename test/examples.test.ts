// Every runnable file in example/ (the READMEs and docs/ show them byte for byte), run end to end against the
// DingTalk emulator over real HTTP on 127.0.0.1. Koa and Fastify have the same checks as Express, in
// test/frameworks/; the NestJS example is tested there too.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, afterEach, before, describe, it } from 'node:test';
import express from 'express';
import session from 'express-session';
import passport, { Passport } from 'passport';
import { DingTalkAPIError, type Strategy } from 'passport-dingtalk-oauth2';
import { createDingTalkEmulator, type DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import request from 'supertest';
import {
  baseURL,
  describeCompleteApp,
  goThroughDingTalk,
  loadExample,
  realDingTalkEnv,
  returnFromDingTalk,
  routes,
  type StartedApp,
  startWithEmulator,
} from './frameworks/login-steps';

const root = join(__dirname, '..');

/** The user example/refresh.js keeps: the tokens and when the access token expires. */
interface TokenUser {
  id: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

/** What example/refresh.js exports. */
interface RefreshExample {
  useDingTalk(options: object): Strategy;
  freshAccessToken(user: TokenUser): Promise<string>;
}

/** What example/allowed-corp-ids.js exports. */
interface AllowedCorpIdsExample {
  allowedCorpIds: string[];
  createDingTalkStrategy(options: object): Strategy;
}

/** What example/server.js exports: the demo that `npm run demo` runs. */
interface DemoServer {
  startDemo(options: { port?: number; host?: string; env?: Record<string, string | undefined> }): Promise<StartedApp>;
}

/** The DingTalk client's webview on an iPhone: what the demo's home page tells apart from a browser. */
const dingTalkUserAgent =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.6.0) com.laiwang.DingTalk/33112345 Channel/201200 language/zh-Hans-CN UT4Aplus/0.0.6 WK';
const chromeUserAgent =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** The JSON the demo's in-client page hands its script. */
function inClientConfig(html: string): unknown {
  const json = /<script type="application\/json" id="in-app-config">([^<]*)<\/script>/.exec(html)?.[1];
  assert.ok(json, 'the page carries its settings as JSON');
  return JSON.parse(json);
}

/** Listens on 127.0.0.1, port 0, and pairs the server with the emulator the test started. */
async function listen(
  app: express.Express,
  emulator: DingTalkEmulator,
): Promise<StartedApp & { emulator: DingTalkEmulator }> {
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: baseURL(server),
    emulator,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('Express (example/express.js): passport and express-session', () => {
  describeCompleteApp('Express', loadExample('express.js'));

  it('stores no session for a logout by someone not logged in', async () => {
    const app = await loadExample('express.js').start({ port: 0, host: '127.0.0.1', env: {} });
    try {
      // passport's logout saves a fresh session: anonymous posts would pile them up in the store.
      const logout = await request(app.url).post('/logout').redirects(0);
      assert.equal(logout.status, 302);
      assert.equal(logout.headers.location, '/');
      assert.equal(logout.headers['set-cookie'], undefined);
    } finally {
      await app.close();
    }
  });
});

describe('node example/<file>.js, as a user runs it', () => {
  const children = new Set<ChildProcess>();
  after(() => {
    for (const child of children) child.kill();
  });

  /** Runs the file with `env` (and none of the DingTalk variables of this process) and PORT=0. */
  function run(file: string, env: Record<string, string> = {}): ChildProcess {
    const childEnv: Record<string, string | undefined> = { ...process.env, PORT: '0', ...env };
    for (const name of Object.keys(childEnv)) {
      if (/^(DINGTALK_|SESSION_SECRET$|STATE_SECRET$|TOKEN_SECRET$)/.test(name) && !(name in env))
        delete childEnv[name];
    }
    const child = spawn(process.execPath, [join(root, 'example', file)], { cwd: root, env: childEnv });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  }

  async function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
    const lines = createInterface({ input: stream });
    const [line] = (await once(lines, 'line')) as [string];
    lines.close();
    return line;
  }

  for (const file of ['express.js', 'koa.js', 'fastify.js']) {
    it(`${file} prints its URL, where / answers, with the emulator when DINGTALK_CLIENT_ID is unset`, async () => {
      const child = run(file);
      const line = await firstLine(child.stdout as NodeJS.ReadableStream);
      assert.match(line, /^Open http:\/\/127\.0\.0\.1:\d+ \(DingTalk emulator: no DINGTALK_CLIENT_ID\)$/);
      const url = /http:\/\/\S+/.exec(line)?.[0] ?? '';
      const home = await request(url).get('/');
      assert.equal(home.status, 200);
      assert.match(home.text, /<a href="\/login">/);
      const login = await request(url).get(routes.login).redirects(0);
      assert.equal(login.status, 302);
      assert.match(login.headers.location as string, /^http:\/\/127\.0\.0\.1:\d+\/oauth2\/auth\?/);
      child.kill();
      await once(child, 'exit');
    });

    it(`${file} exits with status 1, naming the missing variable, when only DINGTALK_CLIENT_ID is set`, async () => {
      const child = run(file, { DINGTALK_CLIENT_ID: 'dingrealclientid' });
      const [line, [code]] = await Promise.all([firstLine(child.stderr as NodeJS.ReadableStream), once(child, 'exit')]);
      assert.equal(line, 'DINGTALK_CLIENT_SECRET must be set when DINGTALK_CLIENT_ID is set');
      assert.equal(code, 1);
    });
  }

  for (const file of ['express.js', 'koa.js', 'fastify.js', 'signed-cookie-state.js', 'in-client.js']) {
    it(`${file} refuses to start with the emulator when NODE_ENV=production and DINGTALK_CLIENT_ID is unset`, async () => {
      const child = run(file, { NODE_ENV: 'production' });
      const [line, [code]] = await Promise.all([firstLine(child.stderr as NodeJS.ReadableStream), once(child, 'exit')]);
      assert.equal(line, 'DINGTALK_CLIENT_ID must be set when NODE_ENV=production');
      assert.equal(code, 1);
    });

    it(`${file}'s start() on a port that cannot be, rejects and closes its emulator, so the process ends`, async () => {
      const script = `require(${JSON.stringify(join(root, 'example', file))}).start({ port: -1, env: {} })
        .then(() => console.log('started'), (err) => console.log(err.code));`;
      const child = spawn(process.execPath, ['-e', script], { cwd: root });
      children.add(child);
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk);
      });
      // An emulator left running keeps the process alive: then the timer ends the wait instead.
      const timer = setTimeout(() => child.kill(), 10_000);
      const [code, signal] = await once(child, 'exit');
      clearTimeout(timer);
      assert.equal(signal, null, 'the process did not end by itself: the emulator is still listening');
      assert.equal(code, 0);
      assert.equal(stdout.trim(), 'ERR_SOCKET_BAD_PORT');
    });

    it(`${file} with its port taken names the port and PORT= to pick another, and exits with 1`, async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      after(() => taken.close());
      const { port } = taken.address() as AddressInfo;
      const child = run(file, { PORT: String(port) });
      let stderr = '';
      child.stderr?.on('data', (chunk) => {
        stderr += String(chunk);
      });
      const [code] = await once(child, 'exit');
      assert.equal(code, 1);
      assert.equal(stderr, `Port ${port} is in use: try another, such as PORT=${port + 1} node ${file}\n`);
    });
  }

  it('server.js (npm run demo) prints the demo, the emulated client page and the User-Agent to play it with', async () => {
    const child = run('server.js');
    let output = '';
    // The last line names the client page; the process keeps running, so read up to it only.
    for await (const chunk of child.stdout as NodeJS.ReadableStream) {
      output += String(chunk);
      if (/client page: http:\/\/\S+\n/.test(output)) break;
    }
    const demoURL = /^Demo running: open (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
    const clientPage = /client page: (http:\/\/127\.0\.0\.1:\d+\/emulator\/client)$/m.exec(output)?.[1];
    assert.ok(demoURL && clientPage, output);
    assert.match(output, /User-Agent containing "DingTalk"/);
    assert.match(output, /Chrome DevTools → Network conditions → User agent/);
    assert.match(output, /包含 "DingTalk" 的 User-Agent/);
    assert.equal((await request(clientPage).get('')).status, 200);
    assert.match((await request(demoURL).get('/').set('user-agent', dingTalkUserAgent)).text, /id="in-app-config"/);
    child.kill();
    await once(child, 'exit');
  });

  it('server.js (npm run demo) with its port taken says so in both languages, with PORT= to pick another, and exits with 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    after(() => taken.close());
    const { port } = taken.address() as AddressInfo;
    const child = run('server.js', { PORT: String(port) });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.equal(
      stderr,
      `Could not start the demo: port ${port} is already in use. Stop what uses it, or pick another port: PORT=${port + 1} npm run demo\n` +
        `无法启动演示：端口 ${port} 已被占用。请停止占用它的程序，或换一个端口：PORT=${port + 1} npm run demo\n`,
    );
    assert.doesNotMatch(stderr, /Cannot read properties/);
  });

  it('startDemo() on a taken port rejects with EADDRINUSE', async () => {
    const { startDemo } = require('../example/server.js') as DemoServer;
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      await assert.rejects(startDemo({ port, host: '127.0.0.1', env: {} }), { code: 'EADDRINUSE' });
    } finally {
      taken.close();
    }
  });

  it('signed-cookie-state.js prints the URL that starts a login', async () => {
    const child = run('signed-cookie-state.js');
    const line = await firstLine(child.stdout as NodeJS.ReadableStream);
    const url = /^Open (http:\/\/127\.0\.0\.1:\d+\/auth\/dingtalk)$/.exec(line)?.[1];
    assert.ok(url, line);
    const login = await request(url).get('').redirects(0);
    assert.equal(login.status, 302);
    child.kill();
    await once(child, 'exit');
  });
});

describe('example/refresh.js: a new access token with passport-oauth2-refresh', () => {
  const example = require('../example/refresh.js') as RefreshExample;
  let emulator: DingTalkEmulator;
  let app: StartedApp & { emulator: DingTalkEmulator };
  let strategy: Strategy;
  let user: TokenUser;

  before(async () => {
    emulator = await createDingTalkEmulator();
    strategy = example.useDingTalk({ ...emulator.strategyOptions(), callbackURL: routes.callback });
    // A login as the app would make it (passport is the one refresh.js registered the strategy with).
    const server = express();
    server.get(routes.login, passport.authenticate('dingtalk', { session: false }));
    server.get(routes.callback, passport.authenticate('dingtalk', { session: false }), (req, res) => {
      res.json(req.user);
    });
    app = await listen(server, emulator);
    const callback = await goThroughDingTalk(request.agent(app.url), app, { unionId: 'union-zhangsan' });
    assert.equal(callback.status, 200, callback.text);
    user = callback.body as TokenUser;
  });
  after(async () => {
    await app?.close();
    await emulator?.close();
  });

  it('keeps the tokens and their expiry with the user at login', () => {
    assert.equal(user.id, 'union-zhangsan');
    assert.ok(user.accessToken && user.refreshToken);
    assert.ok(Math.abs(user.expiresAt - (Date.now() + 7_200_000)) < 60_000);
  });

  it('returns the access token as it is while it has more than a minute to live', async () => {
    emulator.resetCounters();
    assert.equal(await example.freshAccessToken(user), user.accessToken);
    assert.equal(emulator.counters.requests.token, 0);
  });

  it('refreshes an expiring token, keeps the rotated refresh token, and DingTalk accepts the new token', async () => {
    emulator.resetCounters();
    const before = { ...user };
    user.expiresAt = Date.now() + 30_000;
    const accessToken = await example.freshAccessToken(user);
    assert.equal(emulator.counters.requests.token, 1);
    assert.notEqual(accessToken, before.accessToken);
    assert.equal(user.accessToken, accessToken);
    assert.notEqual(user.refreshToken, before.refreshToken);
    assert.ok(user.expiresAt > Date.now() + 7_000_000);

    const profile = await new Promise<{ id: string }>((resolve, reject) =>
      strategy.userProfile(accessToken, (err, p) => (err ? reject(err) : resolve(p as { id: string }))),
    );
    assert.equal(profile.id, 'union-zhangsan');

    // The old refresh token is spent: a user saved without the rotated one would have to log in again.
    await assert.rejects(
      example.freshAccessToken({ ...before, expiresAt: 0 }),
      (err) => err instanceof DingTalkAPIError && err.endpoint === 'token',
    );
    // The kept one still works.
    user.expiresAt = 0;
    assert.notEqual(await example.freshAccessToken(user), accessToken);
  });
});

describe('example/allowed-corp-ids.js: only two organizations may log in', () => {
  const example = require('../example/allowed-corp-ids.js') as AllowedCorpIdsExample;
  const [ours, subsidiary] = example.allowedCorpIds;
  const elsewhere = 'dingsomeothercompany1';
  let emulator: DingTalkEmulator;
  let app: StartedApp & { emulator: DingTalkEmulator };

  before(async () => {
    assert.ok(ours && subsidiary);
    emulator = await createDingTalkEmulator({
      users: [
        {
          unionId: 'union-zhangsan',
          openId: 'open-zhangsan',
          nick: '张三',
          organizations: [
            { corpId: ours, name: '本公司' },
            { corpId: elsewhere, name: '别的公司' },
          ],
        },
        {
          unionId: 'union-lisi',
          openId: 'open-lisi',
          nick: '李四',
          organizations: [{ corpId: subsidiary, name: '子公司' }],
        },
      ],
    });
    const authenticator = new Passport();
    authenticator.use(example.createDingTalkStrategy({ ...emulator.strategyOptions(), callbackURL: routes.callback }));
    const server = express();
    server.use(session({ secret: 'allowed-corp-ids test', resave: false, saveUninitialized: false }));
    server.get(routes.login, authenticator.authenticate('dingtalk'));
    server.get(routes.callback, (req, res, next) => {
      authenticator.authenticate('dingtalk', (err: unknown, user: unknown, info: unknown, status?: number) => {
        if (err) return next(err);
        res.status(user ? 200 : (status ?? 401)).json({ user, info });
      })(req, res, next);
    });
    app = await listen(server, emulator);
  });
  after(async () => {
    await app?.close();
    await emulator?.close();
  });

  it('asks DingTalk for the organization (scope openid corpid)', async () => {
    const start = await request.agent(app.url).get(routes.login).redirects(0);
    assert.equal(new URL(start.headers.location as string).searchParams.get('scope'), 'openid corpid');
  });

  for (const [nick, unionId, corpId] of [
    ['张三', 'union-zhangsan', () => ours],
    ['李四', 'union-lisi', () => subsidiary],
  ] as const) {
    it(`lets ${nick} in with an allowed organization, whose corpId reaches the user`, async () => {
      const callback = await goThroughDingTalk(request.agent(app.url), app, { unionId, corpId: corpId() });
      assert.equal(callback.status, 200, callback.text);
      assert.deepEqual(callback.body.user, { id: unionId, name: nick, corpId: corpId() });
    });
  }

  it('refuses another organization with 403 and its reason, before asking for the profile', async () => {
    emulator.resetCounters();
    const callback = await goThroughDingTalk(request.agent(app.url), app, {
      unionId: 'union-zhangsan',
      corpId: elsewhere,
    });
    assert.equal(callback.status, 403, callback.text);
    assert.equal(callback.body.user, false);
    assert.equal(callback.body.info.reason, 'organization_not_allowed');
    assert.equal(callback.body.info.message, `The organization ${elsewhere} may not log in to this app.`);
    assert.equal(emulator.counters.requests.token, 1);
    assert.equal(emulator.counters.requests.profile, 0);
  });
});

describe('example/signed-cookie-state.js: no session, the state in a signed cookie, then a token', () => {
  const example = loadExample('signed-cookie-state.js');
  let app: StartedApp & { emulator: DingTalkEmulator };

  before(async () => {
    app = await startWithEmulator(example);
  });
  after(() => app?.close());

  it('keeps the state in an HttpOnly, SameSite=Lax cookie for the callback path only, and no session', async () => {
    const start = await request(app.url).get(routes.login).redirects(0);
    assert.equal(start.status, 302);
    const cookies = start.headers['set-cookie'] as unknown as string[];
    assert.equal(cookies.length, 2);
    assert.match(cookies[0] ?? '', /^dingtalk_state_[\w-]{16}=/);
    // The newest logins' ids, on Path=/ where the login route sees them.
    assert.match(cookies[1] ?? '', /^dingtalk_state=[\w-]{16}; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.match(cookies[0] ?? '', /; Path=\/auth\/dingtalk\/callback/);
    assert.match(cookies[0] ?? '', /; HttpOnly/);
    assert.match(cookies[0] ?? '', /; SameSite=Lax/);
  });

  it('logs 王五 in through the consent page and answers a token that /me accepts', async () => {
    const browser = request.agent(app.url);
    const callback = await goThroughDingTalk(browser, app, { unionId: 'union-wangwu' });
    assert.equal(callback.status, 200, callback.text);
    const { token } = callback.body as { token: string };
    assert.match(token, /^[\w-]+\.[\w-]+$/);

    const me = await request(app.url).get('/me').set('authorization', `Bearer ${token}`);
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { id: 'union-wangwu', name: '王五' });
    assert.equal((await request(app.url).get('/me')).status, 401);
    // Another user's id in the payload, with the old signature: refused.
    const [payload = '', signature = ''] = token.split('.');
    const changed = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...changed, id: 'union-zhangsan' })).toString('base64url')}.${signature}`;
    assert.equal((await request(app.url).get('/me').set('authorization', `Bearer ${forged}`)).status, 401);
    assert.equal((await request(app.url).get('/me').set('authorization', 'Bearer not.a-token')).status, 401);
  });

  it('refuses a callback that arrives without the login cookie (another browser: CSRF)', async () => {
    const start = await request(app.url).get(routes.login).redirects(0);
    const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
    const callback = await returnFromDingTalk(request.agent(app.url), {
      authCode: app.emulator.issueAuthCode({ unionId: 'union-lisi' }),
      state,
    });
    assert.equal(callback.status, 403, callback.text);
    assert.match(callback.body.message, /login cookie is missing/);
    assert.equal(callback.body.token, undefined);
  });

  it('answers 401 with the reason when the user presses Cancel', async () => {
    const callback = await goThroughDingTalk(request.agent(app.url), app, 'cancel');
    assert.equal(callback.status, 401);
    assert.deepEqual(callback.body, { message: 'DingTalk login was not authorized: access_denied' });
  });

  it('answers a DingTalk outage with 502 and logs it', async (t) => {
    const logged = t.mock.method(console, 'error', () => {});
    app.emulator.inject('profile', {
      status: 503,
      body: { code: 'ServiceUnavailable', message: '服务不可用' },
      times: 1,
    });
    const callback = await goThroughDingTalk(request.agent(app.url), app, { unionId: 'union-lisi' });
    assert.equal(callback.status, 502);
    assert.equal(callback.body.token, undefined);
    assert.match(String(logged.mock.calls[0]?.arguments[0]), /^GET \/auth\/dingtalk\/callback: DingTalk .*HTTP 503/);
  });

  it('refuses to start for the real DingTalk without STATE_SECRET or TOKEN_SECRET', async () => {
    const { SESSION_SECRET: _unused, ...dingtalk } = realDingTalkEnv;
    const env = {
      ...dingtalk,
      STATE_SECRET: 'a-state-secret-of-at-least-32-bytes!!',
      TOKEN_SECRET: 'a-token-secret-of-at-least-32-bytes!!',
    };
    for (const missing of ['STATE_SECRET', 'TOKEN_SECRET'] as const) {
      await assert.rejects(example.start({ port: 0, env: { ...env, [missing]: undefined } }), {
        message: `${missing} must be set when DINGTALK_CLIENT_ID is set`,
      });
    }
    await assert.rejects(example.start({ port: 0, env: { ...env, STATE_SECRET: 'short' } }), /at least 32 bytes/);
  });
});

describe('the demo (example/server.js): the browser login, and the login inside the DingTalk client', () => {
  const { startDemo } = require('../example/server.js') as DemoServer;
  const inAppPath = '/auth/dingtalk/in-app';
  let demo: StartedApp & { emulator: DingTalkEmulator };

  before(async () => {
    const started = await startDemo({ port: 0, host: '127.0.0.1', env: {} });
    assert.ok(started.emulator, 'without DINGTALK_CLIENT_ID the demo starts the emulator');
    demo = { ...started, emulator: started.emulator };
  });
  after(() => demo?.close());
  afterEach(() => {
    demo.emulator.clearFaults();
    demo.emulator.resetCounters();
  });

  /** The in-client page's POST, as its script sends it. */
  const postCode = (browser: request.Agent, code: string) => browser.post(inAppPath).send({ code });

  it('answers a DingTalk User-Agent with the in-client page, any other with the button page', async () => {
    const inside = await request(demo.url).get('/').set('user-agent', dingTalkUserAgent);
    assert.equal(inside.status, 200);
    assert.match(inside.text, /正在通过钉钉登录… \/ Signing in through DingTalk…/);
    assert.deepEqual(inClientConfig(inside.text), {
      corpId: 'dingemulatorcorp0001',
      clientId: demo.emulator.clientID,
      inAppPath,
    });
    assert.ok(inside.text.includes(`<script src="${demo.emulator.ddScriptURL}"></script>`));
    assert.ok(inside.text.includes(`<a href="${demo.emulator.clientPageURL}">`));
    assert.match(inside.text, /<div id="in-app-fallback" hidden>[\s\S]*id="login"/, 'the button waits, hidden');
    assert.ok(!inside.text.includes(demo.emulator.clientSecret));
    const script = await request(demo.url).get('/in-client-login.js');
    assert.equal(script.status, 200);
    assert.match(script.headers['content-type'] as string, /^text\/javascript/);

    for (const userAgent of [chromeUserAgent, '']) {
      const outside = await request(demo.url).get('/').set('user-agent', userAgent);
      assert.equal(outside.status, 200);
      assert.match(outside.text, /<a class="button" id="login" href="\/auth\/dingtalk">/);
      // memberLookup: the one button already asks for the organization.
      assert.doesNotMatch(outside.text, /id="login-corp"/);
      assert.doesNotMatch(outside.text, /in-app|dd\.js/);
    }
    // One URL, two pages: a shared cache must keep them apart.
    assert.match(inside.headers.vary as string, /User-Agent/i);
    assert.equal(demo.emulator.counters.requests.client, 0, 'the server itself never asks the client for a code');
  });

  it('logs 张三 in with an in-client code and no consent page: /profile says in-app, with his userId', async () => {
    const browser = request.agent(demo.url);
    const login = await postCode(browser, demo.emulator.issueInAppCode());
    assert.equal(login.status, 200, login.text);
    assert.deepEqual(login.body, { user: { unionId: 'union-zhangsan', nick: '张三', via: 'in-app' } });
    const { requests } = demo.emulator.counters;
    assert.deepEqual(
      [requests.authorize, requests.consent, requests.token, requests.profile],
      [0, 0, 0, 0],
      'no browser login',
    );
    assert.deepEqual([requests.userInfo, requests.userDetails], [1, 1]);

    const profile = await browser.get('/profile').set('user-agent', dingTalkUserAgent);
    assert.equal(profile.status, 200);
    assert.match(profile.text, /<strong id="nick">张三<\/strong>/);
    assert.match(profile.text, /<dd id="union-id">union-zhangsan<\/dd>/);
    assert.match(profile.text, /<dd id="login-via" data-via="in-app">[^<]*in-app[^<]*<\/dd>/);
    assert.match(profile.text, /<dd id="user-id">zhangsan<\/dd>/);
    assert.match(profile.text, /<dd id="corp-id">dingemulatorcorp0001<\/dd>/);
    assert.match(profile.text, /id="is-admin"/, "张三 is the organization's primary administrator");
    assert.doesNotMatch(profile.text, /token-expiry/, 'the in-client login has no user access token');
    // Logged in, the home page welcomes him inside DingTalk too, instead of logging in again.
    const home = await browser.get('/').set('user-agent', dingTalkUserAgent);
    assert.match(home.text, /欢迎回来，张三/);
    assert.doesNotMatch(home.text, /in-app-config/);
  });

  it('gives 张三 the same member through the browser login (memberLookup): unionId, userId, role, departments', async () => {
    const inApp = request.agent(demo.url);
    assert.equal((await postCode(inApp, demo.emulator.issueInAppCode())).status, 200);
    const inAppProfile = (await inApp.get('/profile')).text;

    const browser = request.agent(demo.url);
    const decision = { unionId: 'union-zhangsan', corpId: 'dingemulatorcorp0001' };
    const callback = await goThroughDingTalk(browser, demo, decision, '/auth/dingtalk');
    assert.equal(callback.status, 302, callback.text);
    assert.equal(callback.headers.location, '/profile');
    const browserProfile = (await browser.get('/profile')).text;
    assert.match(browserProfile, /<dd id="login-via" data-via="browser">/);
    assert.match(browserProfile, /<dd id="corp-id">dingemulatorcorp0001<\/dd>/);
    assert.match(browserProfile, /id="token-expiry"/);
    const { requests } = demo.emulator.counters;
    assert.deepEqual([requests.getByUnionId, requests.userDetails], [1, 2], 'the lookup, and both logins’ details');

    const field = (html: string, id: string) => new RegExp(`<dd id="${id}">([^<]*)</dd>`).exec(html)?.[1];
    assert.equal(field(browserProfile, 'union-id'), 'union-zhangsan');
    assert.equal(field(browserProfile, 'user-id'), 'zhangsan');
    for (const id of ['union-id', 'user-id', 'corp-id', 'is-admin', 'title', 'department-ids']) {
      assert.ok(field(browserProfile, id), id);
      assert.equal(field(browserProfile, id), field(inAppProfile, id), id);
    }
  });

  it('refuses a DingTalk account that is not a member of the organization with a failure page naming the one it picked', async () => {
    for (const decision of [
      { unionId: 'union-lisi', corpId: 'dingemulatorcorp0003' },
      { unionId: 'union-wangwu', corpId: 'dingemulatorcorp0002' },
    ]) {
      const browser = request.agent(demo.url);
      const callback = await goThroughDingTalk(browser, demo, decision, '/auth/dingtalk');
      assert.equal(callback.headers.location, '/login-failed', decision.unionId);
      const failed = await browser.get('/login-failed');
      assert.equal(failed.status, 401);
      // The login is pinned to the organization the app's token answers for.
      assert.match(failed.text, new RegExp(`The organization ${decision.corpId} may not log in`));
      assert.equal((await browser.get('/profile').redirects(0)).headers.location, '/', 'nobody logged in');
    }
  });

  it('refuses a used code with 401 JSON, reason code_rejected, and logs nobody in', async () => {
    const code = demo.emulator.issueInAppCode();
    assert.equal((await postCode(request.agent(demo.url), code)).status, 200);
    const other = request.agent(demo.url);
    const reused = await postCode(other, code);
    assert.equal(reused.status, 401);
    assert.match(reused.headers['content-type'] as string, /^application\/json/);
    assert.equal(reused.body.reason, 'code_rejected');
    assert.match(reused.body.message, /40078/);
    assert.ok(!reused.text.includes(code), 'the answer does not repeat the code');
    const profile = await other.get('/profile').redirects(0);
    assert.equal(profile.status, 302);
    assert.equal(profile.headers.location, '/');
  });

  it('refuses a body that is not one code in JSON, and a cross-site post, without asking DingTalk', async (t) => {
    const logged = t.mock.method(console, 'error', () => {});
    const browser = request.agent(demo.url);
    const notJSON = await browser.post(inAppPath).set('content-type', 'application/json').send('{"code":');
    assert.equal(notJSON.status, 400);
    assert.equal(notJSON.body.reason, 'malformed_request');
    const tooLarge = await postCode(browser, 'x'.repeat(2000));
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.reason, 'malformed_request');
    // A form is what another site's HTML could post: the route reads JSON only, even from its own pages.
    const form = await browser
      .post(inAppPath)
      .set('sec-fetch-site', 'same-origin')
      .type('form')
      .send({ code: demo.emulator.issueInAppCode() });
    assert.equal(form.status, 400);
    assert.equal(form.body.reason, 'malformed_request');
    const crossSite = await postCode(browser, demo.emulator.issueInAppCode()).set('sec-fetch-site', 'cross-site');
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.body.reason, 'cross_site_request');
    assert.equal(demo.emulator.counters.requests.userInfo, 0);
    assert.equal(logged.mock.callCount(), 0, 'a client mistake is not a server error');
  });

  for (const [what, fault, status] of [
    ['a gateway error page', { kind: 'html' }, 502],
    ['throttling', { kind: 'throttle' }, 503],
  ] as const) {
    it(`answers ${what} from DingTalk with ${status} JSON and logs the message only`, async (t) => {
      const logged = t.mock.method(console, 'error', () => {});
      demo.emulator.inject('userinfo', { ...fault, times: 1 });
      const code = demo.emulator.issueInAppCode();
      const answer = await postCode(request.agent(demo.url), code);
      assert.equal(answer.status, status, answer.text);
      assert.equal(answer.body.reason, 'server_error');
      assert.match(answer.body.message, status === 503 ? /DingTalk is busy/ : /Login through DingTalk is unavailable/);
      assert.ok(!answer.body.message.includes('HTTP'), 'what DingTalk said stays in the log');
      assert.equal(logged.mock.callCount(), 1);
      const line = String(logged.mock.calls[0]?.arguments[0]);
      assert.match(line, /^\[demo\] POST \/auth\/dingtalk\/in-app: DingTalk in-client code exchange/);
      assert.ok(!line.includes(code) && !line.includes(demo.emulator.clientSecret), line);
    });
  }
});

describe('the demo against the real DingTalk (never contacted): the in-client login needs DINGTALK_CORP_ID', () => {
  const { startDemo } = require('../example/server.js') as DemoServer;

  async function withDemo(env: Record<string, string>, test: (url: string) => Promise<void>): Promise<void> {
    const demo = await startDemo({ port: 0, host: '127.0.0.1', env });
    try {
      assert.equal(demo.emulator, undefined);
      await test(demo.url);
    } finally {
      await demo.close();
    }
  }

  it("without DINGTALK_CORP_ID, shows DingTalk's User-Agent the button page, and has no in-client route", () =>
    withDemo(realDingTalkEnv, async (url) => {
      const home = await request(url).get('/').set('user-agent', dingTalkUserAgent);
      assert.equal(home.status, 200);
      assert.match(home.text, /id="login"/);
      // No memberLookup without DINGTALK_CORP_ID: the scope is openid, and a second button adds corpid.
      assert.match(home.text, /<a class="button secondary" id="login-corp" href="\/auth\/dingtalk\/organization">/);
      const pick = await request(url).get('/auth/dingtalk/organization').redirects(0);
      assert.equal(new URL(pick.headers.location as string).searchParams.get('scope'), 'openid corpid');
      assert.doesNotMatch(home.text, /in-app-config|正在通过钉钉登录/);
      assert.equal(
        (
          await request(url)
            .post('/auth/dingtalk/in-app')
            .send({ code: 'a'.repeat(32) })
        ).status,
        404,
      );
    }));

  it("with DINGTALK_CORP_ID, loads DingTalk's own JSAPI and hands the page the corpId and clientId", () =>
    withDemo({ ...realDingTalkEnv, DINGTALK_CORP_ID: 'ding0123456789abcdef' }, async (url) => {
      const home = await request(url).get('/').set('user-agent', dingTalkUserAgent);
      assert.ok(
        home.text.includes(
          '<script src="https://g.alicdn.com/dingding/dingtalk-jsapi/3.1.0/dingtalk.open.js"></script>',
        ),
      );
      assert.deepEqual(inClientConfig(home.text), {
        corpId: 'ding0123456789abcdef',
        clientId: realDingTalkEnv.DINGTALK_CLIENT_ID,
        inAppPath: '/auth/dingtalk/in-app',
      });
      assert.doesNotMatch(home.text, /emulator/);
      assert.ok(!home.text.includes(realDingTalkEnv.DINGTALK_CLIENT_SECRET));
      assert.match((await request(url).get('/').set('user-agent', chromeUserAgent)).text, /id="login"/);
    }));

  it('passes a clientId that could end the script element as inert JSON', () => {
    const clientId = 'ding</script><script>alert(1)</script><!--&\u2028';
    return withDemo(
      { ...realDingTalkEnv, DINGTALK_CLIENT_ID: clientId, DINGTALK_CORP_ID: 'dingcorp1' },
      async (url) => {
        const home = await request(url).get('/').set('user-agent', dingTalkUserAgent);
        assert.ok(!home.text.includes('<script>alert(1)'));
        assert.ok(!home.text.includes('<!--'));
        assert.deepEqual(inClientConfig(home.text), {
          corpId: 'dingcorp1',
          clientId,
          inAppPath: '/auth/dingtalk/in-app',
        });
      },
    );
  });
});
