import assert from 'node:assert/strict';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Authenticator } from '@fastify/passport';
import secureSession from '@fastify/secure-session';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import { Passport } from 'passport';
import { SignedCookieStateStore, Strategy } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { type Answer, getWithCookies } from './helpers/cookie-client';

const secret = 'state-secret-0123456789-abcdefghijklmnop';
const oldSecret = 'old-state-secret-0123456789-abcdefghijklm';
/** The names of the store's login cookies (not the list of the newest). */
const loginCookieName = /^(?:__Host-)?dingtalk_state_[\w-]{16}$/;

interface Instance {
  url: string;
  close(): Promise<void>;
  /** The login values a browser carries for this app, in its own cookies or its session cookie. */
  values(jar: PathJar): string[];
}

const passportRoutes = { session: false, state: { returnTo: '/reports' } } as object;

/**
 * An app instance with no session middleware at all, as a JWT API would be: the login state lives
 * only in the signed cookie, and the callback answers with the user and info as JSON. On Fastify,
 * @fastify/passport needs a session: the stateless @fastify/secure-session, whose encrypted cookie
 * carries the store's value; instances share its secret, and no server-side store.
 */
async function startInstance(
  framework: string,
  emulator: DingTalkEmulator,
  store: object,
  callbackURL = '/auth/callback',
): Promise<Instance> {
  const instance: Instance = {
    url: '',
    close: async () => {},
    values: (jar) => [...jar.cookies.values()].filter(({ name }) => loginCookieName.test(name)).map((c) => c.value),
  };
  const strategy = new Strategy(
    { ...emulator.strategyOptions(), callbackURL, store: store as SignedCookieStateStore },
    (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id }),
  );
  const answer = (user: unknown, info: unknown) =>
    [user ? 200 : 401, { user: user || null, info: info ?? null }] as const;
  let handler: Parameters<typeof createServer>[1];
  if (framework === 'Express') {
    const passport = new Passport().use(strategy);
    const app = express().use(passport.initialize());
    app.get('/login', passport.authenticate('dingtalk', passportRoutes));
    app.get('/auth/callback', (req, res, next) =>
      passport.authenticate('dingtalk', { session: false }, (err: unknown, user: unknown, info: unknown) => {
        if (err) return next(err);
        const [status, body] = answer(user, info);
        res.status(status).json(body);
      })(req, res, next),
    );
    handler = app;
  } else if (framework === 'Koa') {
    const passport = new KoaPassport();
    passport.use(strategy);
    const router = new Router();
    router.get('/login', passport.authenticate('dingtalk', passportRoutes));
    router.get('/auth/callback', (ctx, next) =>
      passport.authenticate('dingtalk', { session: false }, (err: unknown, user: unknown, info: unknown) => {
        if (err) throw err;
        [ctx.status, ctx.body] = answer(user, info);
      })(ctx, next),
    );
    handler = new Koa().use(passport.initialize()).use(router.routes()).callback();
  } else {
    const passport = new Authenticator();
    passport.use('dingtalk', strategy);
    const app = Fastify({ forceCloseConnections: true });
    await app.register(secureSession, {
      key: Buffer.alloc(32, 'session key'), // not a secret to derive a key from: that takes seconds
      cookie: { path: '/', httpOnly: true, sameSite: 'lax' },
    });
    await app.register(passport.initialize());
    const login = passport.authenticate('dingtalk', passportRoutes);
    app.get('/login', { preValidation: login }, async () => 'unreachable');
    app.get('/auth/callback', (request, reply) =>
      passport
        .authenticate('dingtalk', { session: false }, async (_request, _reply, err, user, info) => {
          if (err) throw err;
          const [status, body] = answer(user, info);
          reply.code(status).send(body);
        })
        .call(app, request, reply),
    );
    instance.url = await app.listen({ port: 0, host: '127.0.0.1' });
    instance.close = () => app.close();
    instance.values = (jar) => {
      const cookie = [...jar.cookies.values()].find(({ name }) => name === 'session')?.value;
      const data = (cookie && app.decodeSecureSession(decodeURIComponent(cookie))?.data()) || {};
      return Object.entries(data).flatMap(([key, value]) => (loginCookieName.test(key) ? [String(value)] : []));
    };
    return instance;
  }
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  instance.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  instance.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return instance;
}

/**
 * A browser's jar as far as Path goes (RFC 6265, 5.1.4 and 5.3): a cookie is sent only on its path
 * and below, and a cookie replaces the one of the same name and path. Secure is not played: the
 * https callbacks stand for an app behind a TLS proxy.
 */
class PathJar {
  readonly cookies = new Map<string, { name: string; value: string; path: string }>();
  /** The names of the cookies the last request sent. */
  sent: string[] = [];
  constructor(readonly agent: Agent) {}

  async get(url: string): Promise<Answer> {
    const { pathname } = new URL(url);
    const onPath = ({ path }: { path: string }) =>
      pathname === path || (pathname.startsWith(path) && (path.endsWith('/') || pathname[path.length] === '/'));
    const matching = [...this.cookies.values()].filter(onPath);
    this.sent = matching.map(({ name }) => name);
    const answer = await getWithCookies(url, this.agent, matching.map((c) => `${c.name}=${c.value}`).join('; '));
    for (const header of answer.setCookies) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
      const [name = '', value = ''] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) || '/';
      if (attributes.some((a) => /^max-age=0$/i.test(a))) this.cookies.delete(`${path} ${name}`);
      else this.cookies.set(`${path} ${name}`, { name, value, path });
    }
    return answer;
  }

  /** Starts a login on the instance at `url`: its state, and the Set-Cookie headers. */
  async login(url: string): Promise<{ state: string; setCookie: string }> {
    const start = await this.get(`${url}/login`);
    assert.equal(start.status, 302);
    return {
      state: new URL(start.location ?? '').searchParams.get('state') ?? '',
      setCookie: start.setCookies.join('\n'),
    };
  }

  callback(url: string, state: string, code: string): Promise<Answer> {
    return this.get(`${url}/auth/callback?authCode=${code}&state=${encodeURIComponent(state)}`);
  }
}

const messageOf = (answer: Answer) => (JSON.parse(answer.body).info as { message?: string } | null)?.message;

for (const framework of ['Express', 'Koa', 'Fastify'])
  describe(`SignedCookieStateStore: logins without any session, on ${framework}`, () => {
    let emulator: DingTalkEmulator;
    let a: Instance;
    let b: Instance;
    const agent = new Agent({ keepAlive: true });

    before(async () => {
      emulator = await createDingTalkEmulator();
      a = await startInstance(framework, emulator, new SignedCookieStateStore({ secret }));
      b = await startInstance(framework, emulator, new SignedCookieStateStore({ secret: [secret, oldSecret] }));
    });
    after(async () => {
      agent.destroy();
      await Promise.all([a.close(), b.close()]);
      await emulator.close();
    });

    const begin = (browser: PathJar) => browser.login(a.url);
    const finish = (browser: PathJar, on: Instance, state: string, code = emulator.issueAuthCode()) =>
      browser.callback(on.url, state, code);

    it('starts two logins (tabs) on one instance and finishes both on another that shares the secret, clearing what it set', async () => {
      const browser = new PathJar(agent);
      const first = await begin(browser);
      const second = await begin(browser);
      assert.equal(a.values(browser).length, 2, 'both signed values are in the browser');
      if (framework === 'Fastify') assert.match(first.setCookie, /^session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
      else
        assert.match(
          first.setCookie,
          /^dingtalk_state_[\w-]{16}=[\w-]+\.[\w-]+; Max-Age=600; Path=\/auth\/callback; HttpOnly; SameSite=Lax\ndingtalk_state_list_[\w-]{16}=[\w-]{16}\.[\w-]{43}; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax$/,
        );
      for (const { state } of [second, first]) {
        const answer = await finish(browser, b, state);
        assert.equal(answer.status, 200, answer.body);
        assert.deepEqual(JSON.parse(answer.body), {
          user: { id: emulator.users[0]?.unionId },
          info: { state: { returnTo: '/reports' } },
        });
      }
      assert.deepEqual(a.values(browser), [], 'and gone after the callbacks');
    });

    it('refuses a replay before DingTalk is asked: on the same instance the store, elsewhere DingTalk; of two at once one goes on', async () => {
      const browser = new PathJar(agent);
      const { state } = await begin(browser);
      const saved = new Map(browser.cookies);
      const restore = () => {
        for (const [key, cookie] of saved) browser.cookies.set(key, cookie);
      };
      const code = emulator.issueAuthCode();
      assert.equal((await finish(browser, b, state, code)).status, 200);
      restore();
      emulator.resetCounters();
      const sameInstance = await finish(browser, b, state);
      assert.equal(sameInstance.status, 401);
      assert.equal(messageOf(sameInstance), 'This login state has already been used.');
      assert.equal(emulator.counters.requests.token, 0, 'DingTalk was not asked');
      restore();
      assert.notEqual((await finish(browser, a, state, code)).status, 200);
      const again = await begin(browser);
      const answers = await Promise.all([finish(browser, b, again.state), finish(browser, b, again.state)]);
      assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 401]);
    });
  });

describe('SignedCookieStateStore and the strategy', () => {
  let emulator: DingTalkEmulator;
  const agent = new Agent({ keepAlive: true });
  before(async () => {
    emulator = await createDingTalkEmulator();
  });
  after(async () => {
    agent.destroy();
    await emulator.close();
  });

  const modes = [
    ['plain http', {}, '/auth/callback'],
    ['secure: false', { secure: false }, 'https://app.example/auth/callback'],
    ['hostOnly: false', { hostOnly: false }, 'https://app.example/auth/callback'],
    ['https (__Host- cookies on Path=/)', {}, 'https://app.example/auth/callback'],
  ] as const;
  for (const [label, options, callbackURL] of modes)
    it(`${label}: after 30 logins never finished, three tabs all finish with at most 3 state cookies on a callback, and two started at once both finish`, async () => {
      const instance = await startInstance(
        'Express',
        emulator,
        new SignedCookieStateStore({ secret, ...options }),
        callbackURL,
      );
      try {
        const browser = new PathJar(agent);
        const login = async () => (await browser.login(instance.url)).state;
        const finish = async (state: string) => {
          const answer = await browser.callback(instance.url, state, emulator.issueAuthCode());
          assert.equal(answer.status, 200, `${answer.status} ${answer.body}`);
          return browser.sent.filter((name) => loginCookieName.test(name));
        };
        for (let i = 0; i < 30; i++) await login();
        const tabs = [await login(), await login(), await login()];
        for (const state of [tabs[2], tabs[0], tabs[1]] as string[]) {
          const stateCookies = await finish(state);
          assert.ok(stateCookies.length >= 1 && stateCookies.length <= 3, stateCookies.join(', '));
        }
        // Two tabs restored at once, or a double click: both leave before either answer is kept.
        for (const state of await Promise.all([login(), login()])) await finish(state);
      } finally {
        await instance.close();
      }
    });

  const guards = [
    [
      'forgets states whose code DingTalk refused, so that they cannot push a used one out',
      20,
      () => new SignedCookieStateStore({ secret, maxRememberedStates: 5 }),
    ],
    [
      'still refuses a replay behind a store wrapper that does not pass codeRefused on',
      3,
      () => {
        const inner = new SignedCookieStateStore({ secret });
        // Bound functions keep their number of parameters, by which passport-oauth2 picks the call form.
        return { store: inner.store.bind(inner), verify: inner.verify.bind(inner) };
      },
    ],
  ] as const;
  for (const [label, madeUpCodes, makeStore] of guards)
    it(label, async () => {
      const instance = await startInstance('Express', emulator, makeStore());
      try {
        const browser = new PathJar(agent);
        const start = async () => (await browser.login(instance.url)).state;
        const finish = (state: string, code: string) => browser.callback(instance.url, state, code);
        const state = await start();
        const saved = new Map(browser.cookies);
        assert.equal((await finish(state, emulator.issueAuthCode())).status, 200);
        // States spent with codes DingTalk refuses (made up): the strategy tells the store.
        for (let i = 0; i < madeUpCodes; i++) assert.equal((await finish(await start(), `made-up-${i}`)).status, 401);
        for (const [key, cookie] of saved) browser.cookies.set(key, cookie);
        const replay = await finish(state, emulator.issueAuthCode());
        assert.deepEqual([replay.status, messageOf(replay)], [401, 'This login state has already been used.']);
      } finally {
        await instance.close();
      }
    });
});

describe('SignedCookieStateStore, the store alone', () => {
  const url = 'https://app.example/auth/callback';
  /** One leg of a login run on the store alone, with a response that collects Set-Cookie headers. */
  function onStore(
    store: SignedCookieStateStore,
    callbackURL = url,
    cookie?: string,
    clientID = 'app',
    session?: object,
  ) {
    const headers: string[] = [];
    const res = { appendHeader: (_: string, value: string) => headers.push(value) };
    const req = (session ? { session } : { res, headers: cookie ? { cookie } : {} }) as never;
    const meta = { callbackURL, authorizationURL: '', tokenURL: '', clientID };
    return {
      headers,
      /** The `name=value` of the first Set-Cookie header. */
      cookie: () => (headers[0] ?? '').slice(0, (headers[0] ?? '').indexOf(';')),
      start: (appState?: object) =>
        new Promise<{ err: unknown; state: string }>((resolve) =>
          store.store(req, appState, meta, (err, state) => resolve({ err, state: state as string })),
        ),
      finish: (state: string) =>
        new Promise<{ ok: boolean; info: unknown }>((resolve) =>
          store.verify(req, state, meta, (_err, ok, info) => resolve({ ok, info })),
        ),
    };
  }
  /** A login started on `store`: its state and its cookie, `name=value`. */
  async function started(store: SignedCookieStateStore) {
    const leg = onStore(store);
    const { state } = await leg.start({ returnTo: '/reports' });
    return { state, cookie: leg.cookie() };
  }

  it('refuses bad options, and a request it cannot set a cookie on', async () => {
    const refused = [
      [{ secret: 'short' }, /each secret must be a string of at least 32 bytes/],
      [{ secret: [secret, 'short'] }, /at least 32 bytes/],
      [{ secret: [] }, /the "secret" option is required/],
      [undefined, /the "secret" option is required/],
      [{ secret, cookieName: 'a;b' }, /"cookieName" may contain only letters, digits, _ and -/],
      [{ secret, maxAgeSeconds: 0 }, /"maxAgeSeconds" must be a positive whole number/],
      [{ secret, maxRememberedStates: 1.5 }, /"maxRememberedStates" must be a positive whole number/],
    ] as const;
    for (const [options, message] of refused)
      assert.throws(() => new SignedCookieStateStore(options as never), { name: 'TypeError', message });
    const store = new SignedCookieStateStore({ secret });
    const err = await new Promise((resolve) =>
      store.store({} as never, undefined, { callbackURL: url } as never, resolve),
    );
    assert.match(String(err), /cannot set its cookie on this request: it writes through req\.res/);
  });

  it('finishes a login signed with a secret rotated out but still listed, and refuses every other callback', async (t) => {
    const store = new SignedCookieStateStore({ secret: [secret, oldSecret] });
    const missing =
      'Unable to verify authorization request state: the login cookie is missing (expired, blocked, or another browser).';
    const invalid = 'Invalid authorization request state.';
    const used = 'This login state has already been used.';
    const finish = (login: { state: string; cookie: string }) => onStore(store, url, login.cookie).finish(login.state);
    type Login = { state: string; cookie: string; callbackURL?: string; clientID?: string; laterMs?: number };
    const cases: [string, (login: Login) => Login | Promise<Login>, string | undefined][] = [
      ['rotated secret', () => started(new SignedCookieStateStore({ secret: oldSecret })), undefined],
      [
        'tampered',
        ({ state, cookie }) => {
          const [name, payload, signature] = cookie.split(/[=.]/);
          const changed = {
            ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
            d: { returnTo: '/evil' },
          };
          return {
            state,
            cookie: `${name}=${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`,
          };
        },
        invalid,
      ],
      [
        'another login’s value under its name',
        async ({ state, cookie }) => {
          const other = await started(store);
          return { state, cookie: `${cookie.split('=')[0]}=${other.cookie.split('=')[1]}` };
        },
        invalid,
      ],
      ['unknown secret', () => started(new SignedCookieStateStore({ secret: `x${secret}` })), invalid],
      ['no cookie', ({ state }) => ({ state, cookie: '' }), missing],
      ['another state', ({ state, cookie }) => ({ state: `${state}x`, cookie }), missing],
      ['empty state', ({ cookie }) => ({ state: '', cookie }), missing],
      [
        'after maxAgeSeconds',
        (login) => ({ ...login, laterMs: 600_000 }),
        'The login took too long: its state has expired. Please log in again.',
      ],
      ['another callback of the app', (login) => ({ ...login, callbackURL: `${url}s` }), invalid],
      ['another app on the host', (login) => ({ ...login, clientID: 'another-app' }), invalid],
      // Remembered as long as the cookie lives.
      ['used already', async (login) => ({ ...login, laterMs: (await finish(login)).ok ? 590_000 : 0 }), used],
    ];
    for (const [label, change, message] of cases) {
      const { state, cookie, callbackURL, clientID, laterMs } = await change(await started(store));
      const at = Date.now() + (laterMs ?? 0);
      t.mock.method(Date, 'now', () => at);
      const answer = await onStore(store, callbackURL, cookie, clientID).finish(state);
      t.mock.restoreAll();
      const expected = message ? { ok: false, info: { message } } : { ok: true, info: { returnTo: '/reports' } };
      assert.deepEqual(answer, expected, label);
    }
  });

  it('sets __Host- cookies on https (Path=/, Secure), callback-path ones with hostOnly: false, and clears them alike', async () => {
    const cases = [
      [{}, '__Host-dingtalk_state', '/'],
      [{ hostOnly: false }, 'dingtalk_state', '/auth/callback'],
    ] as const;
    for (const [options, prefix, path] of cases) {
      const store = new SignedCookieStateStore({ secret, ...options });
      const leg = onStore(store);
      const { state } = await leg.start();
      const attributes = `Path=${path}; HttpOnly; SameSite=Lax; Secure`;
      const [name, value] = leg.cookie().split('=');
      assert.match(name ?? '', new RegExp(`^${prefix}_[\\w-]{16}$`));
      assert.match(value ?? '', /^[\w-]+\.[\w-]+$/);
      assert.equal(leg.headers[0], `${name}=${value}; Max-Age=600; ${attributes}`);
      // The list of the newest logins, signed, on Path=/ where the login route sees it.
      const list = new RegExp(
        `^${prefix}_list_[\\w-]{16}=${name?.slice(-16)}\\.[\\w-]{43}; Max-Age=600; Path=/; HttpOnly; SameSite=Lax; Secure$`,
      );
      assert.match(leg.headers[1] ?? '', list);
      assert.equal(leg.headers.length, 2);
      const callback = onStore(store, url, leg.cookie());
      assert.equal((await callback.finish(state)).ok, true);
      assert.deepEqual(callback.headers, [`${name}=; Max-Age=0; ${attributes}`]);
    }
  });

  it('clears older logins by its own signed list: one planted under its name (sent first) is passed over', async () => {
    const store = new SignedCookieStateStore({ secret, hostOnly: false });
    const logins: string[] = [];
    let cookie: string | undefined;
    for (let i = 0; i < 4; i++) {
      const leg = onStore(store, url, cookie);
      await leg.start();
      const cleared = leg.headers
        .filter((header) => header.includes('Max-Age=0;'))
        .map((header) => header.split('=')[0]);
      assert.deepEqual(cleared, i === 3 ? [logins[0]] : [], `login ${i}`);
      logins.push(leg.cookie().split('=')[0] ?? '');
      const list = (leg.headers.at(-1) ?? '').split(';')[0] ?? '';
      // A sibling subdomain's cookie on the parent domain, Path=/, comes first in the header.
      cookie = `${list.split('=')[0]}=AAAAAAAAAAAAAAAA.forged; ${list}`;
    }
  });

  it('refuses a state object its cookie (or the encrypted session) could not hold; in a session keeps the newest three logins', async () => {
    const store = new SignedCookieStateStore({ secret });
    const data = new Map<string, unknown>([['cart', 'kept']]);
    const session = { get: (key: string) => data.get(key), data: () => Object.fromEntries(data) };
    const set = (key: string, value: unknown) => (value === undefined ? data.delete(key) : data.set(key, value));
    const carriers = [
      ['own cookie', onStore(store), 4000, 2000, () => 0],
      ['session', onStore(store, url, undefined, 'app', { ...session, set }), 2500, 100, () => data.size - 1],
    ] as const;
    for (const [label, leg, tooLarge, fits, count] of carriers) {
      const { err } = await leg.start({ returnTo: `/${'x'.repeat(tooLarge)}` });
      assert.match(String(err), /makes its cookie \d+ bytes, over the 4096 bytes browsers keep/, label);
      assert.equal(leg.headers.length + count(), 0, `${label}: nothing was set`);
      assert.equal((await leg.start({ returnTo: `/${'x'.repeat(fits)}` })).err, null, label);
    }
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      await carriers[1][1].start();
      const list = [...data.keys()].find((key) => key.startsWith('__Host-dingtalk_state_list_')) ?? '';
      ids.push(String(data.get(list)).split('.').at(-2) ?? '');
    }
    const logins = [...data.keys()].filter((key) => loginCookieName.test(key));
    assert.deepEqual(
      logins,
      ids.slice(2).map((id) => `__Host-dingtalk_state_${id}`),
    );
    assert.equal(data.get('cart'), 'kept', 'the app’s own session data is left alone');
  });
});
