// Every runnable file in example/ (the READMEs and docs/ show them byte for byte), run end to end against the
// DingTalk emulator over real HTTP on 127.0.0.1, in this process and as `node example/<file>.js`. The NestJS
// examples are tested in test/frameworks/, example/in-client.js by example/in-client.test.js.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import express from 'express';
import session from 'express-session';
import passport, { Passport } from 'passport';
import { DingTalkAPIError, type Strategy } from 'passport-dingtalk-oauth2';
import { createDingTalkEmulator, type DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import request from 'supertest';
import {
  baseURL,
  type EmulatedApp,
  goThroughDingTalk,
  loadExample,
  type RunnableExample,
  realDingTalkEnv,
  returnFromDingTalk,
  routes,
  startWithEmulator,
} from './frameworks/login-steps';

const root = join(__dirname, '..');
const { startDemo } = require('../example/server.js') as { startDemo: RunnableExample['start'] };

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

for (const [framework, file] of [
  ['Express', 'express.js'],
  ['Koa', 'koa.js'],
  ['Fastify', 'fastify.js'],
] as const) {
  describe(`${framework} (example/${file}): a complete app`, () => {
    const example = loadExample(file);
    let app: EmulatedApp;
    before(async () => {
      app = await startWithEmulator(example);
    });
    after(() => app?.close());
    afterEach(() => app.emulator.resetCounters());

    it('shows a "Log in" link on / and the "Login with DingTalk" link on /login', async () => {
      const home = await request(app.url).get('/');
      assert.equal(home.status, 200);
      assert.match(home.headers['content-type'] as string, /^text\/html/);
      assert.match(home.text, /<a href="\/login">/);
      const login = await request(app.url).get('/login');
      assert.equal(login.status, 200);
      assert.match(login.text, /<a href="\/auth\/dingtalk">Login with DingTalk/);
      assert.doesNotMatch(login.text, /role="alert"/);
    });

    it('logs 李四 in through the consent page, shows them on /, and logs them out', async () => {
      const browser = request.agent(app.url);
      const callback = await goThroughDingTalk(browser, app, { unionId: 'union-lisi' });
      assert.equal(callback.status, 302, callback.text);
      assert.equal(callback.headers.location, '/');
      const { consent, token, profile } = app.emulator.counters.requests;
      assert.deepEqual([consent, token, profile], [1, 1, 1]);
      const home = await browser.get('/');
      assert.match(home.text, /Hello, 李四 \(union-lisi\)/);
      assert.match(home.text, /<form method="post" action="\/logout">/);
      assert.doesNotMatch((await request(app.url).get('/')).text, /李四/, 'another browser is not logged in');
      // The logout button posts an empty form, as a browser does.
      const logout = await browser.post('/logout').type('form').send('').redirects(0);
      assert.equal(logout.status, 302, logout.text);
      assert.equal(logout.headers.location, '/');
      assert.match((await browser.get('/')).text, /^(?![\s\S]*李四)[\s\S]*<a href="\/login">/);
    });

    if (framework === 'Express') {
      it('stores no session for a logout by someone not logged in', async () => {
        // passport's logout saves a fresh session: anonymous posts would pile them up in the store.
        const logout = await request(app.url).post('/logout').redirects(0);
        assert.equal(logout.headers.location, '/');
        assert.equal(logout.headers['set-cookie'], undefined);
      });
    }

    it('sends the user to /login with the reason, once, when they press Cancel on DingTalk', async () => {
      const browser = request.agent(app.url);
      const callback = await goThroughDingTalk(browser, app, 'cancel');
      assert.equal(callback.status, 302);
      assert.equal(callback.headers.location, '/login');
      assert.equal(app.emulator.counters.requests.token, 0);
      const login = await browser.get('/login');
      assert.match(login.text, /<p role="alert">DingTalk login was not authorized: access_denied<\/p>/);
      assert.doesNotMatch((await browser.get('/login')).text, /role="alert"/, 'the message is shown once');
      assert.match((await browser.get('/')).text, /<a href="\/login">/);
    });

    it('logs in after a cancel, and when a login was started twice, in the same browser', async () => {
      const browser = request.agent(app.url);
      assert.equal((await goThroughDingTalk(browser, app, 'cancel')).headers.location, '/login');
      const afterCancel = await goThroughDingTalk(browser, app, { unionId: 'union-lisi' });
      assert.equal(afterCancel.headers.location, '/', (await browser.get('/login')).text);
      await browser.post('/logout').type('form').send('').redirects(0);
      // The first tab's login is abandoned; the second one must work.
      await browser.get(routes.login).redirects(0);
      const second = await goThroughDingTalk(browser, app, { unionId: 'union-lisi' });
      assert.equal(second.headers.location, '/', (await browser.get('/login')).text);
      assert.match((await browser.get('/')).text, /李四/);
    });

    it('refuses a callback whose state is not the one kept in the session', async () => {
      const browser = request.agent(app.url);
      await browser.get(routes.login).redirects(0);
      const authCode = app.emulator.issueAuthCode({ unionId: 'union-lisi' });
      const callback = await returnFromDingTalk(browser, { authCode, state: 'forged-state' });
      assert.equal(callback.headers.location, '/login');
      assert.match((await browser.get('/login')).text, /Invalid authorization request state\./);
      assert.equal(app.emulator.counters.requests.token, 0);
      assert.doesNotMatch((await browser.get('/')).text, /李四/);
    });

    it(`answers a DingTalk outage with ${framework}'s error handler: 502, a short page, the error logged`, async (t) => {
      const logged = t.mock.method(console, 'error', () => {});
      app.emulator.inject('token', {
        status: 503,
        body: { code: 'ServiceUnavailable', message: '服务不可用' },
        times: 1,
      });
      const browser = request.agent(app.url);
      const callback = await goThroughDingTalk(browser, app, { unionId: 'union-zhangsan' });
      assert.equal(callback.status, 502, callback.text);
      assert.match(callback.text, /DingTalk login is unavailable/);
      assert.equal(logged.mock.callCount(), 1);
      const message = String(logged.mock.calls[0]?.arguments[0]);
      assert.match(message, /^GET \/auth\/dingtalk\/callback.*: DingTalk .*HTTP 503 ServiceUnavailable/);
      assert.doesNotMatch(message, /authCode=|[?&]code=/, 'the log line must not carry the auth code');
      assert.doesNotMatch((await browser.get('/')).text, /张三/);
    });

    it('escapes what DingTalk says about the user on the page', async () => {
      const nick = '<img src=x onerror="alert(1)">&\'';
      app.emulator.inject('profile', { status: 200, body: { unionId: 'union-<b>', nick }, times: 1 });
      const browser = request.agent(app.url);
      assert.equal((await goThroughDingTalk(browser, app, { unionId: 'union-zhangsan' })).status, 302);
      const home = await browser.get('/');
      assert.match(
        home.text,
        /Hello, &#60;img src=x onerror=&#34;alert\(1\)&#34;&#62;&#38;&#39; \(union-&#60;b&#62;\)/,
      );
      assert.doesNotMatch(home.text, /<img|<b>/);
    });

    it('for the real DingTalk, names a missing variable, and with all set sends the browser there', async () => {
      for (const missing of ['DINGTALK_CLIENT_SECRET', 'DINGTALK_CALLBACK_URL', 'SESSION_SECRET'] as const) {
        await assert.rejects(example.start({ port: 0, env: { ...realDingTalkEnv, [missing]: '' } }), {
          message: `${missing} must be set when DINGTALK_CLIENT_ID is set`,
        });
      }
      const real = await example.start({ port: 0, env: realDingTalkEnv });
      try {
        assert.equal(real.emulator, undefined);
        const location = new URL((await request(real.url).get(routes.login).redirects(0)).headers.location as string);
        assert.equal(`${location.origin}${location.pathname}`, 'https://login.dingtalk.com/oauth2/auth');
        assert.equal(location.searchParams.get('client_id'), 'dingrealclientid');
        assert.equal(location.searchParams.get('redirect_uri'), realDingTalkEnv.DINGTALK_CALLBACK_URL);
      } finally {
        await real.close();
      }
    });
  });
}

describe('node example/<file>.js, as a user runs it', { concurrency: true }, () => {
  const server = createServer();
  const children: ChildProcess[] = [];
  let port = 0;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    for (const child of children) child.kill();
  });

  /** Runs `args` (a file in example/) with `env`, none of this process's DingTalk variables, and PORT=0. */
  function run(args: string[], env: Record<string, string> = {}) {
    const childEnv: Record<string, string | undefined> = { ...process.env, PORT: '0', ...env };
    for (const name of Object.keys(childEnv)) {
      if (/^(DINGTALK_|SESSION_SECRET$|STATE_SECRET$|TOKEN_SECRET$)/.test(name) && !(name in env))
        delete childEnv[name];
    }
    const child = spawn(process.execPath, args, { cwd: join(root, 'example'), env: childEnv });
    children.push(child);
    const output = { stdout: '', stderr: '' };
    for (const name of ['stdout', 'stderr'] as const) {
      child[name].on('data', (chunk) => {
        output[name] += String(chunk);
      });
    }
    /** Waits for `pattern` on stdout: what the process prints once it listens. */
    const printed = async (pattern: RegExp) => {
      while (!pattern.test(output.stdout)) await once(child.stdout, 'data');
      return output.stdout;
    };
    return { output, printed, exited: once(child, 'exit') as Promise<[number | null, string | null]> };
  }

  const three = ['express.js', 'koa.js', 'fastify.js'];
  const five = [...three, 'signed-cookie-state.js', 'in-client.js'];
  const taken = { PORT: 'the taken port' };
  const refusals: Array<[string[], string, Record<string, string>, (file: string, port: number) => string]> = [
    [
      three,
      'only DINGTALK_CLIENT_ID is set',
      { DINGTALK_CLIENT_ID: 'dingrealclientid' },
      () => 'DINGTALK_CLIENT_SECRET must be set when DINGTALK_CLIENT_ID is set\n',
    ],
    [
      five,
      'NODE_ENV=production and DINGTALK_CLIENT_ID is unset (no emulator)',
      { NODE_ENV: 'production' },
      () => 'DINGTALK_CLIENT_ID must be set when NODE_ENV=production\n',
    ],
    [
      five,
      'its port is taken (it names PORT= to pick another)',
      taken,
      (file, port) => `Port ${port} is in use: try another, such as PORT=${port + 1} node ${file}\n`,
    ],
    [
      ['server.js'],
      'its port is taken (in both languages, with PORT= to pick another)',
      taken,
      (_file, port) =>
        `Could not start the demo: port ${port} is already in use. Stop what uses it, or pick another port: PORT=${port + 1} npm run demo\n` +
        `无法启动演示：端口 ${port} 已被占用。请停止占用它的程序，或换一个端口：PORT=${port + 1} npm run demo\n`,
    ],
  ];
  for (const [files, when, env, message] of refusals) {
    for (const file of files) {
      it(`${file} exits with status 1 and says why when ${when}`, async () => {
        const child = run([file], env === taken ? { PORT: String(port) } : env);
        const [code] = await child.exited;
        assert.equal(child.output.stderr, message(file, port));
        assert.equal(code, 1);
      });
    }
  }

  it("start() on a port that cannot be rejects and closes the example's emulator, so the process ends", async () => {
    const script = `(async () => { for (const file of ${JSON.stringify(five)}) {
        const start = require('./' + file).start({ port: -1, env: {} });
        console.log(file, await start.then(() => 'started', (err) => err.code));
      } })();`;
    const child = run(['-e', script]);
    // An emulator left running keeps the process alive: then the timer ends the wait instead.
    const [code, signal] = await Promise.race([
      child.exited,
      new Promise<[null, string]>((resolve) => setTimeout(() => resolve([null, 'still running']), 30_000).unref()),
    ]);
    assert.deepEqual([code, signal], [0, null], 'the process did not end by itself: an emulator is still listening');
    assert.equal(child.output.stdout, five.map((file) => `${file} ERR_SOCKET_BAD_PORT\n`).join(''));
  });

  for (const file of three) {
    it(`${file} prints its URL, where / answers, with the emulator when DINGTALK_CLIENT_ID is unset`, async () => {
      const line = (await run([file]).printed(/\n/)).trim();
      assert.match(line, /^Open http:\/\/127\.0\.0\.1:\d+ \(DingTalk emulator: no DINGTALK_CLIENT_ID\)$/);
      const url = /http:\/\/\S+/.exec(line)?.[0] ?? '';
      assert.match((await request(url).get('/')).text, /<a href="\/login">/);
      const login = await request(url).get(routes.login).redirects(0);
      assert.match(login.headers.location as string, /^http:\/\/127\.0\.0\.1:\d+\/oauth2\/auth\?/);
    });
  }

  it('signed-cookie-state.js prints the URL that starts a login', async () => {
    const line = (await run(['signed-cookie-state.js']).printed(/\n/)).trim();
    const url = /^Open (http:\/\/127\.0\.0\.1:\d+\/auth\/dingtalk)$/.exec(line)?.[1];
    assert.ok(url, line);
    assert.equal((await request(url).get('').redirects(0)).status, 302);
  });

  it('server.js (npm run demo) prints the demo, the emulated client page and the User-Agent to play it with', async () => {
    const output = await run(['server.js']).printed(/client page: http:\/\/\S+\n/);
    const demoURL = /^Demo running: open (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
    const clientPage = /client page: (http:\/\/127\.0\.0\.1:\d+\/emulator\/client)$/m.exec(output)?.[1];
    assert.ok(demoURL && clientPage, output);
    assert.match(output, /User-Agent containing "DingTalk"/);
    assert.match(output, /Chrome DevTools → Network conditions → User agent/);
    assert.match(output, /包含 "DingTalk" 的 User-Agent/);
    assert.equal((await request(clientPage).get('')).status, 200);
    assert.match((await request(demoURL).get('/').set('user-agent', dingTalkUserAgent)).text, /id="in-app-config"/);
  });
});

/** An Express app with a session on 127.0.0.1, port 0: the login route, and a callback answering JSON. */
async function jsonLoginApp(
  authenticator: Pick<typeof passport, 'authenticate'>,
  emulator: DingTalkEmulator,
): Promise<EmulatedApp> {
  const app = express();
  app.use(session({ secret: 'examples test', resave: false, saveUninitialized: false }));
  app.get(routes.login, authenticator.authenticate('dingtalk', { session: false }));
  app.get(routes.callback, (req, res, next) => {
    const done = (err: unknown, user: unknown, info: unknown, status?: number) =>
      err ? next(err) : res.status(user ? 200 : (status ?? 401)).json({ user, info });
    authenticator.authenticate('dingtalk', { session: false }, done)(req, res, next);
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await emulator.close();
  };
  return { url: baseURL(server), emulator, close };
}

describe('example/refresh.js: a new access token with passport-oauth2-refresh', () => {
  type TokenUser = { id: string; accessToken: string; refreshToken: string; expiresAt: number };
  const example = require('../example/refresh.js') as {
    useDingTalk(options: object): Strategy;
    freshAccessToken(user: TokenUser): Promise<string>;
  };
  let app: EmulatedApp;
  let strategy: Strategy;
  let user: TokenUser;

  before(async () => {
    const emulator = await createDingTalkEmulator();
    strategy = example.useDingTalk({ ...emulator.strategyOptions(), callbackURL: routes.callback });
    // A login as the app would make it (passport is the one refresh.js registered the strategy with).
    app = await jsonLoginApp(passport, emulator);
    const callback = await goThroughDingTalk(request.agent(app.url), app, { unionId: 'union-zhangsan' });
    assert.equal(callback.status, 200, callback.text);
    user = callback.body.user as TokenUser;
  });
  after(() => app?.close());

  it('keeps the tokens and their expiry with the user at login, and returns the token while it has a minute to live', async () => {
    assert.equal(user.id, 'union-zhangsan');
    assert.ok(user.accessToken && user.refreshToken);
    assert.ok(Math.abs(user.expiresAt - (Date.now() + 7_200_000)) < 60_000);
    app.emulator.resetCounters();
    assert.equal(await example.freshAccessToken(user), user.accessToken);
    assert.equal(app.emulator.counters.requests.token, 0);
  });

  it('refreshes an expiring token, keeps the rotated refresh token, and DingTalk accepts the new token', async () => {
    app.emulator.resetCounters();
    const before = { ...user };
    user.expiresAt = Date.now() + 30_000;
    const accessToken = await example.freshAccessToken(user);
    assert.equal(app.emulator.counters.requests.token, 1);
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
  const example = require('../example/allowed-corp-ids.js') as {
    allowedCorpIds: string[];
    createDingTalkStrategy(options: object): Strategy;
  };
  const [ours = '', subsidiary = ''] = example.allowedCorpIds;
  const elsewhere = 'dingsomeothercompany1';
  let app: EmulatedApp;

  before(async () => {
    const member = (nick: string, name: string, organizations: Array<{ corpId: string; name: string }>) => ({
      unionId: `union-${name}`,
      openId: `open-${name}`,
      nick,
      organizations,
    });
    const emulator = await createDingTalkEmulator({
      users: [
        member('张三', 'zhangsan', [
          { corpId: ours, name: '本公司' },
          { corpId: elsewhere, name: '别的公司' },
        ]),
        member('李四', 'lisi', [{ corpId: subsidiary, name: '子公司' }]),
      ],
    });
    const authenticator = new Passport();
    authenticator.use(example.createDingTalkStrategy({ ...emulator.strategyOptions(), callbackURL: routes.callback }));
    app = await jsonLoginApp(authenticator, emulator);
  });
  after(() => app?.close());

  it('asks DingTalk for the organization (scope openid corpid), and lets 张三 and 李四 in with their corpId', async () => {
    const start = await request.agent(app.url).get(routes.login).redirects(0);
    assert.equal(new URL(start.headers.location as string).searchParams.get('scope'), 'openid corpid');
    for (const [name, unionId, corpId] of [
      ['张三', 'union-zhangsan', ours],
      ['李四', 'union-lisi', subsidiary],
    ] as const) {
      const callback = await goThroughDingTalk(request.agent(app.url), app, { unionId, corpId });
      assert.equal(callback.status, 200, callback.text);
      assert.deepEqual(callback.body.user, { id: unionId, name, corpId });
    }
  });

  it('refuses another organization with 403 and its reason, before asking for the profile', async () => {
    app.emulator.resetCounters();
    const decision = { unionId: 'union-zhangsan', corpId: elsewhere };
    const callback = await goThroughDingTalk(request.agent(app.url), app, decision);
    assert.equal(callback.status, 403, callback.text);
    assert.equal(callback.body.user, false);
    assert.equal(callback.body.info.reason, 'organization_not_allowed');
    assert.equal(callback.body.info.message, `The organization ${elsewhere} may not log in to this app.`);
    const { token, profile } = app.emulator.counters.requests;
    assert.deepEqual([token, profile], [1, 0]);
  });
});

describe('example/signed-cookie-state.js: no session, the state in a signed cookie, then a token', () => {
  const example = loadExample('signed-cookie-state.js');
  let app: EmulatedApp;
  before(async () => {
    app = await startWithEmulator(example);
  });
  after(() => app?.close());

  it('keeps the state in an HttpOnly, SameSite=Lax cookie for the callback path only, and no session', async () => {
    const start = await request(app.url).get(routes.login).redirects(0);
    assert.equal(start.status, 302);
    const [state = '', list, ...others] = start.headers['set-cookie'] as unknown as string[];
    assert.deepEqual(others, []);
    assert.match(
      state,
      /^dingtalk_state_[\w-]{16}=[^;]*(?=.*; Path=\/auth\/dingtalk\/callback)(?=.*; HttpOnly)(?=.*; SameSite=Lax)/,
    );
    // The newest logins' ids, on Path=/ where the login route sees them.
    assert.match(
      list ?? '',
      /^dingtalk_state_list_[\w-]{16}=[\w-]{16}\.[\w-]{43}; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax$/,
    );
  });

  it('logs 王五 in through the consent page and answers a token that /me accepts, and no other', async () => {
    const callback = await goThroughDingTalk(request.agent(app.url), app, { unionId: 'union-wangwu' });
    assert.equal(callback.status, 200, callback.text);
    const { token } = callback.body as { token: string };
    assert.match(token, /^[\w-]+\.[\w-]+$/);
    const me = (authorization?: string) => {
      const get = request(app.url).get('/me');
      return authorization ? get.set('authorization', `Bearer ${authorization}`) : get;
    };
    const answer = await me(token);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { id: 'union-wangwu', name: '王五' });
    // Another user's id in the payload, with the old signature: refused.
    const [payload = '', signature = ''] = token.split('.');
    const changed = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), id: 'union-zhangsan' };
    const forged = `${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`;
    for (const refused of [undefined, forged, 'not.a-token']) assert.equal((await me(refused)).status, 401, refused);
  });

  it('refuses a callback that arrives without the login cookie (another browser: CSRF)', async () => {
    const start = await request(app.url).get(routes.login).redirects(0);
    const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
    const authCode = app.emulator.issueAuthCode({ unionId: 'union-lisi' });
    const callback = await returnFromDingTalk(request.agent(app.url), { authCode, state });
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
    const env = { ...dingtalk, STATE_SECRET: 'a'.repeat(32), TOKEN_SECRET: 'b'.repeat(32) };
    for (const missing of ['STATE_SECRET', 'TOKEN_SECRET'] as const) {
      await assert.rejects(example.start({ port: 0, env: { ...env, [missing]: undefined } }), {
        message: `${missing} must be set when DINGTALK_CLIENT_ID is set`,
      });
    }
    await assert.rejects(example.start({ port: 0, env: { ...env, STATE_SECRET: 'short' } }), /at least 32 bytes/);
  });
});

describe('the demo (example/server.js): the browser login, and the login inside the DingTalk client', () => {
  const inAppPath = '/auth/dingtalk/in-app';
  let demo: EmulatedApp;
  before(async () => {
    demo = await startWithEmulator({ start: startDemo });
  });
  after(() => demo?.close());
  afterEach(() => {
    demo.emulator.clearFaults();
    demo.emulator.resetCounters();
  });

  /** The in-client page's POST, as its script sends it. */
  const postCode = (browser: request.Agent, code: string) => browser.post(inAppPath).send({ code });
  const field = (html: string, id: string) => new RegExp(`<dd id="${id}"[^>]*>([^<]*)</dd>`).exec(html)?.[1];

  it('answers a DingTalk User-Agent with the in-client page, any other with the button page', async () => {
    const inside = await request(demo.url).get('/').set('user-agent', dingTalkUserAgent);
    assert.equal(inside.status, 200);
    assert.match(inside.text, /正在通过钉钉登录… \/ Signing in through DingTalk…/);
    const { clientID, ddScriptURL, clientPageURL, clientSecret } = demo.emulator;
    assert.deepEqual(inClientConfig(inside.text), { corpId: 'dingemulatorcorp0001', clientId: clientID, inAppPath });
    assert.ok(inside.text.includes(`<script src="${ddScriptURL}"></script>`));
    assert.ok(inside.text.includes(`<a href="${clientPageURL}">`));
    assert.match(inside.text, /<div id="in-app-fallback" hidden>[\s\S]*id="login"/, 'the button waits, hidden');
    assert.ok(!inside.text.includes(clientSecret));
    const script = await request(demo.url).get('/in-client-login.js');
    assert.equal(script.status, 200);
    assert.match(script.headers['content-type'] as string, /^text\/javascript/);
    for (const userAgent of [chromeUserAgent, '']) {
      const outside = await request(demo.url).get('/').set('user-agent', userAgent);
      assert.match(outside.text, /<a class="button" id="login" href="\/auth\/dingtalk">/);
      // memberLookup: the one button already asks for the organization.
      assert.doesNotMatch(outside.text, /id="login-corp"|in-app|dd\.js/);
    }
    // One URL, two pages: a shared cache must keep them apart.
    assert.match(inside.headers.vary as string, /User-Agent/i);
    assert.equal(demo.emulator.counters.requests.client, 0, 'the server itself never asks the client for a code');
  });

  it('logs 张三 in with an in-client code and no consent page, then through the browser (memberLookup) as the same member', async () => {
    const inApp = request.agent(demo.url);
    const login = await postCode(inApp, demo.emulator.issueInAppCode());
    assert.equal(login.status, 200, login.text);
    assert.deepEqual(login.body, { user: { unionId: 'union-zhangsan', nick: '张三', via: 'in-app' } });
    const { authorize, consent, token, profile, userInfo, userDetails } = demo.emulator.counters.requests;
    assert.deepEqual([authorize, consent, token, profile, userInfo, userDetails], [0, 0, 0, 0, 1, 1]);
    const inAppProfile = (await inApp.get('/profile').set('user-agent', dingTalkUserAgent)).text;
    assert.match(inAppProfile, /<strong id="nick">张三<\/strong>/);
    assert.match(inAppProfile, /<dd id="login-via" data-via="in-app">[^<]*in-app[^<]*<\/dd>/);
    assert.match(inAppProfile, /id="is-admin"/, "张三 is the organization's primary administrator");
    assert.doesNotMatch(inAppProfile, /token-expiry/, 'the in-client login has no user access token');
    // Logged in, the home page welcomes him inside DingTalk too, instead of logging in again.
    const home = await inApp.get('/').set('user-agent', dingTalkUserAgent);
    assert.match(home.text, /欢迎回来，张三/);
    assert.doesNotMatch(home.text, /in-app-config/);

    const browser = request.agent(demo.url);
    const decision = { unionId: 'union-zhangsan', corpId: 'dingemulatorcorp0001' };
    const callback = await goThroughDingTalk(browser, demo, decision, '/auth/dingtalk');
    assert.equal(callback.headers.location, '/profile', callback.text);
    const browserProfile = (await browser.get('/profile')).text;
    assert.match(browserProfile, /<dd id="login-via" data-via="browser">/);
    assert.match(browserProfile, /id="token-expiry"/);
    const { getByUnionId, userDetails: details } = demo.emulator.counters.requests;
    assert.deepEqual([getByUnionId, details], [1, 2], 'the lookup, and both logins’ details');
    const expected = { 'union-id': 'union-zhangsan', 'user-id': 'zhangsan', 'corp-id': 'dingemulatorcorp0001' };
    for (const [id, value] of Object.entries(expected)) assert.equal(field(inAppProfile, id), value, id);
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
    assert.equal((await other.get('/profile').redirects(0)).headers.location, '/');
  });

  it('refuses a body that is not one code in JSON, and a cross-site post, without asking DingTalk', async (t) => {
    const logged = t.mock.method(console, 'error', () => {});
    const browser = request.agent(demo.url);
    const refusals: Array<[request.Test, number, string]> = [
      [browser.post(inAppPath).set('content-type', 'application/json').send('{"code":'), 400, 'malformed_request'],
      [postCode(browser, 'x'.repeat(2000)), 413, 'malformed_request'],
      // A form is what another site's HTML could post: the route reads JSON only, even from its own pages.
      [
        browser.post(inAppPath).set('sec-fetch-site', 'same-origin').type('form').send({ code: 'abc' }),
        400,
        'malformed_request',
      ],
      [
        postCode(browser, demo.emulator.issueInAppCode()).set('sec-fetch-site', 'cross-site'),
        403,
        'cross_site_request',
      ],
    ];
    for (const [answer, status, reason] of refusals) {
      const { status: got, body } = await answer;
      assert.deepEqual([got, body.reason], [status, reason]);
    }
    assert.equal(demo.emulator.counters.requests.userInfo, 0);
    assert.equal(logged.mock.callCount(), 0, 'a client mistake is not a server error');
  });

  for (const [what, fault, status, message] of [
    ['a gateway error page', { kind: 'html' }, 502, /Login through DingTalk is unavailable/],
    ['throttling', { kind: 'throttle' }, 503, /DingTalk is busy/],
  ] as const) {
    it(`answers ${what} from DingTalk with ${status} JSON and logs the message only`, async (t) => {
      const logged = t.mock.method(console, 'error', () => {});
      demo.emulator.inject('userinfo', { ...fault, times: 1 });
      const code = demo.emulator.issueInAppCode();
      const answer = await postCode(request.agent(demo.url), code);
      assert.equal(answer.status, status, answer.text);
      assert.equal(answer.body.reason, 'server_error');
      assert.match(answer.body.message, message);
      assert.ok(!answer.body.message.includes('HTTP'), 'what DingTalk said stays in the log');
      assert.equal(logged.mock.callCount(), 1);
      const line = String(logged.mock.calls[0]?.arguments[0]);
      assert.match(line, /^\[demo\] POST \/auth\/dingtalk\/in-app: DingTalk in-client code exchange/);
      assert.ok(!line.includes(code) && !line.includes(demo.emulator.clientSecret), line);
    });
  }
});

describe('the demo against the real DingTalk (never contacted): the in-client login needs DINGTALK_CORP_ID', () => {
  /** The demo's home page as the DingTalk client sees it, with `env`; `more` looks further while it runs. */
  async function homeInDingTalk(env: Record<string, string>, more?: (url: string) => Promise<void>) {
    const demo = await startDemo({ port: 0, host: '127.0.0.1', env });
    try {
      assert.equal(demo.emulator, undefined);
      await more?.(demo.url);
      return (await request(demo.url).get('/').set('user-agent', dingTalkUserAgent)).text;
    } finally {
      await demo.close();
    }
  }

  it("without DINGTALK_CORP_ID, shows DingTalk's User-Agent the button page, and has no in-client route", async () => {
    const home = await homeInDingTalk(realDingTalkEnv, async (url) => {
      // No memberLookup without DINGTALK_CORP_ID: the scope is openid, and a second button adds corpid.
      const pick = await request(url).get('/auth/dingtalk/organization').redirects(0);
      assert.equal(new URL(pick.headers.location as string).searchParams.get('scope'), 'openid corpid');
      const inApp = await request(url)
        .post('/auth/dingtalk/in-app')
        .send({ code: 'a'.repeat(32) });
      assert.equal(inApp.status, 404);
    });
    assert.match(home, /id="login"/);
    assert.match(home, /<a class="button secondary" id="login-corp" href="\/auth\/dingtalk\/organization">/);
    assert.doesNotMatch(home, /in-app-config|正在通过钉钉登录/);
  });

  it("with DINGTALK_CORP_ID, loads DingTalk's own JSAPI and hands the page the corpId and clientId", async () => {
    const env = { ...realDingTalkEnv, DINGTALK_CORP_ID: 'ding0123456789abcdef' };
    const home = await homeInDingTalk(env, async (url) => {
      assert.match((await request(url).get('/').set('user-agent', chromeUserAgent)).text, /id="login"/);
    });
    const jsapi = '<script src="https://g.alicdn.com/dingding/dingtalk-jsapi/3.1.0/dingtalk.open.js"></script>';
    assert.ok(home.includes(jsapi));
    assert.deepEqual(inClientConfig(home), {
      corpId: 'ding0123456789abcdef',
      clientId: realDingTalkEnv.DINGTALK_CLIENT_ID,
      inAppPath: '/auth/dingtalk/in-app',
    });
    assert.doesNotMatch(home, /emulator/);
    assert.ok(!home.includes(realDingTalkEnv.DINGTALK_CLIENT_SECRET));
  });

  it('passes a clientId that could end the script element as inert JSON', async () => {
    const clientId = 'ding</script><script>alert(1)</script><!--&\u2028';
    const home = await homeInDingTalk({
      ...realDingTalkEnv,
      DINGTALK_CLIENT_ID: clientId,
      DINGTALK_CORP_ID: 'dingcorp1',
    });
    assert.ok(!home.includes('<script>alert(1)') && !home.includes('<!--'));
    assert.deepEqual(inClientConfig(home), { corpId: 'dingcorp1', clientId, inAppPath: '/auth/dingtalk/in-app' });
  });
});
