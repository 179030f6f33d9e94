// Every runnable file in example/ (the README shows them byte for byte), run end to end against the
// DingTalk emulator over real HTTP on 127.0.0.1. Koa and Fastify have the same checks as Express, in
// test/frameworks/; the NestJS example is tested there too.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
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
    assert.equal(cookies.length, 1);
    assert.match(cookies[0] ?? '', /^dingtalk_state[\w-]*=/);
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
