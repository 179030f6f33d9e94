import assert from 'node:assert/strict';
import crypto, { createHash, createHmac } from 'node:crypto';
import { Agent, createServer, type Server } from 'node:http';
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
import { SignedCookieStateStore, Strategy, type VerifyFunction } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { type Answer, CookieClient, getWithCookies } from './helpers/cookie-client';

const secret = 'state-secret-0123456789-abcdefghijklmnop';
const oldSecret = 'old-state-secret-0123456789-abcdefghijklm';

interface Instance {
  url: string;
  verifyCalls: number;
  close(): Promise<void>;
  /** Reads and writes, in a browser's jar, the store's signed value, wherever the framework keeps it. */
  carrier: Carrier;
}

interface Carrier {
  /** Where the value travels: its own cookie, or inside an encrypted session cookie (Fastify). */
  kind: 'own cookie' | 'session cookie';
  read(jar: Map<string, string>): { name: string; value: string } | undefined;
  write(jar: Map<string, string>, name: string, value: string): void;
}

/** The store's own cookie, named `dingtalk_state_…`: Express and Koa. */
const ownCookie: Carrier = {
  kind: 'own cookie',
  read: (jar) => {
    const [name, value] = [...jar].find(([cookie]) => loginCookieName.test(cookie)) ?? [];
    return name && value ? { name, value } : undefined;
  },
  write: (jar, name, value) => jar.set(name, value),
};

/** The strategy every instance uses, counting the calls to verify on `instance`. */
function dingtalkStrategy(
  emulator: DingTalkEmulator,
  store: SignedCookieStateStore,
  instance: Instance,
  callbackURL = '/auth/callback',
): Strategy {
  const verify: VerifyFunction = (_accessToken, _refreshToken, profile, done) => {
    instance.verifyCalls++;
    done(null, { id: profile.id });
  };
  return new Strategy({ ...emulator.strategyOptions(), callbackURL, store }, verify);
}

/** Listens on 127.0.0.1 at a free port; `close` ends every connection too. */
async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, close };
}

/**
 * An app instance with no session middleware at all, as a JWT API would be: the login state
 * lives only in the signed cookie, and the callback answers with the user as JSON.
 */
async function startExpressInstance(
  emulator: DingTalkEmulator,
  store: SignedCookieStateStore,
  callbackURL?: string,
): Promise<Instance> {
  const passport = new Passport();
  const instance: Instance = { url: '', verifyCalls: 0, close: async () => {}, carrier: ownCookie };
  passport.use(dingtalkStrategy(emulator, store, instance, callbackURL));
  const app = express();
  app.use(passport.initialize());
  app.get('/login', passport.authenticate('dingtalk', { session: false, state: { returnTo: '/reports' } } as object));
  app.get('/auth/callback', (req, res, next) =>
    passport.authenticate('dingtalk', { session: false }, (err: unknown, user: unknown, info: unknown) => {
      if (err) return next(err);
      res.status(user ? 200 : 401).json({ user: user || null, info: info ?? null });
    })(req, res, next),
  );
  Object.assign(instance, await listen(createServer(app)));
  return instance;
}

/** The same app on Koa with koa-passport, and no session middleware either. */
async function startKoaInstance(emulator: DingTalkEmulator, store: SignedCookieStateStore): Promise<Instance> {
  const passport = new KoaPassport();
  const instance: Instance = { url: '', verifyCalls: 0, close: async () => {}, carrier: ownCookie };
  passport.use(dingtalkStrategy(emulator, store, instance));
  const app = new Koa();
  const router = new Router();
  app.use(passport.initialize());
  router.get(
    '/login',
    passport.authenticate('dingtalk', { session: false, state: { returnTo: '/reports' } } as object),
  );
  router.get('/auth/callback', (ctx, next) =>
    passport.authenticate('dingtalk', { session: false }, (err: unknown, user: unknown, info: unknown) => {
      if (err) throw err;
      ctx.status = user ? 200 : 401;
      ctx.body = { user: user || null, info: info ?? null };
    })(ctx, next),
  );
  app.use(router.routes());
  Object.assign(instance, await listen(createServer(app.callback())));
  return instance;
}

/**
 * The same app on Fastify with @fastify/passport, which needs a session plugin: the stateless
 * @fastify/secure-session, whose encrypted cookie carries the store's value (Fastify hands
 * passport no reply to set a cookie on). Instances share its secret, and no server-side store.
 */
async function startFastifyInstance(emulator: DingTalkEmulator, store: SignedCookieStateStore): Promise<Instance> {
  const passport = new Authenticator();
  const instance: Instance = { url: '', verifyCalls: 0, close: async () => {}, carrier: ownCookie };
  passport.use('dingtalk', dingtalkStrategy(emulator, store, instance));
  const app = Fastify();
  await app.register(secureSession, {
    secret: sessionSecret,
    salt: 'state-store-test',
    cookie: { path: '/', httpOnly: true, sameSite: 'lax' },
  });
  await app.register(passport.initialize());
  app.get(
    '/login',
    { preValidation: passport.authenticate('dingtalk', { session: false, state: { returnTo: '/reports' } } as object) },
    async () => 'unreachable',
  );
  app.get('/auth/callback', (request, reply) =>
    passport
      .authenticate('dingtalk', { session: false }, async (_request, _reply, err, user, info) => {
        if (err) throw err;
        reply.code(user ? 200 : 401).send({ user: user || null, info: info ?? null });
      })
      .call(app, request, reply),
  );
  instance.url = await app.listen({ port: 0, host: '127.0.0.1' });
  instance.close = () => app.close();
  // An attacker who knew the session secret could do this; the tests use it to play one.
  instance.carrier = {
    kind: 'session cookie',
    read: (jar) => {
      const cookie = jar.get('session');
      const session = cookie ? app.decodeSecureSession(decodeURIComponent(cookie)) : undefined;
      const data = (session?.data() ?? {}) as Record<string, unknown>;
      const name = Object.keys(data).find((key) => key.startsWith('dingtalk_state_'));
      return name && typeof data[name] === 'string' ? { name, value: data[name] } : undefined;
    },
    write: (jar, name, value) => {
      const cookie = jar.get('session');
      const session = (cookie && app.decodeSecureSession(decodeURIComponent(cookie))) || app.createSecureSession();
      session.set(name as never, value as never);
      jar.set('session', encodeURIComponent(app.encodeSecureSession(session)));
    },
  };
  return instance;
}

/** The names of the store's login cookies (not its slot counter). */
const loginCookieName = /^(?:__Host-)?dingtalk_state_(?!next$)[\w-]+$/;

const sessionSecret = 'session-secret-0123456789-abcdefghijklmnop';

const frameworks = [
  ['Express', startExpressInstance],
  ['Koa (koa-passport)', startKoaInstance],
  ['Fastify (@fastify/passport, @fastify/secure-session)', startFastifyInstance],
] as const;

/** A browser that can be pointed at any instance: same cookie jar, different origins on one host. */
class Browser {
  readonly #jar: CookieClient;
  constructor(agent: Agent) {
    this.#jar = new CookieClient('', agent);
  }
  get(instance: Instance, path: string): Promise<Answer> {
    return this.#jar.get(`${instance.url}${path}`);
  }
  cookies(): Map<string, string> {
    return this.#jar.cookies;
  }
}

/** How the cookie of a login started before the three slots was named: after a hash of its state. */
function stateHash(state: string): string {
  return createHash('sha256').update(state).digest('base64url').slice(0, 16);
}

function signed(payload: object, key = secret): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${createHmac('sha256', key).update(encoded).digest('base64url')}`;
}

for (const [framework, startInstance] of frameworks)
  describe(`SignedCookieStateStore: logins without any session, on ${framework}`, () => {
    let emulator: DingTalkEmulator;
    let a: Instance;
    let b: Instance;
    const agent = new Agent({ keepAlive: true });

    before(async () => {
      emulator = await createDingTalkEmulator();
      a = await startInstance(emulator, new SignedCookieStateStore({ secret }));
      b = await startInstance(emulator, new SignedCookieStateStore({ secret: [secret, oldSecret] }));
    });
    after(async () => {
      agent.destroy();
      await Promise.all([a.close(), b.close()]);
      await emulator.close();
    });

    async function begin(browser: Browser, on: Instance): Promise<{ state: string; setCookie: string }> {
      const start = await browser.get(on, '/login');
      assert.equal(start.status, 302);
      const state = new URL(start.location ?? '').searchParams.get('state') ?? '';
      return { state, setCookie: start.setCookies.join('\n') };
    }
    const finish = (browser: Browser, on: Instance, state: string, code = emulator.issueAuthCode()) =>
      browser.get(on, `/auth/callback?authCode=${code}&state=${encodeURIComponent(state)}`);
    const messageOf = (answer: Answer) => (JSON.parse(answer.body).info as { message?: string } | null)?.message;

    it('starts on one instance and finishes on another that shares the secret', async () => {
      const browser = new Browser(agent);
      const { state } = await begin(browser, a);
      const answer = await finish(browser, b, state);
      assert.equal(answer.status, 200, answer.body);
      assert.deepEqual(JSON.parse(answer.body), {
        user: { id: emulator.users[0]?.unionId },
        info: { state: { returnTo: '/reports' } },
      });
    });

    it('sets an HttpOnly, SameSite=Lax cookie (on the callback path over http), and clears the same cookie after', async () => {
      const browser = new Browser(agent);
      const { state, setCookie } = await begin(browser, a);
      assert.ok(a.carrier.read(browser.cookies()), 'the signed value is in the browser');
      if (a.carrier.kind === 'own cookie') {
        assert.match(
          setCookie,
          /^dingtalk_state_[0-2]=[\w-]+\.[\w-]+; Max-Age=600; Path=\/auth\/callback; HttpOnly; SameSite=Lax\ndingtalk_state_next=[0-2]; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax$/,
        );
        const name = setCookie.slice(0, setCookie.indexOf('='));
        const answer = await finish(browser, b, state);
        assert.equal(answer.setCookies.join('\n'), `${name}=; Max-Age=0; Path=/auth/callback; HttpOnly; SameSite=Lax`);
      } else {
        assert.match(setCookie, /^session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
        assert.equal((await finish(browser, b, state)).status, 200);
      }
      assert.equal(a.carrier.read(browser.cookies()), undefined, 'and gone after the callback');
    });

    it('keeps two logins in two tabs of one browser apart', async () => {
      const browser = new Browser(agent);
      const first = await begin(browser, a);
      const second = await begin(browser, a);
      assert.equal((await finish(browser, b, second.state)).status, 200);
      assert.equal((await finish(browser, b, first.state)).status, 200);
    });

    describe('ends in fail() before verify runs', () => {
      /** Runs a login whose callback is tampered with; a tamper that returns a string replaces the state. */
      async function failing(tamper: (browser: Browser, state: string) => unknown): Promise<string | undefined> {
        const browser = new Browser(agent);
        const { state } = await begin(browser, a);
        const replaced = tamper(browser, state);
        const usedState = typeof replaced === 'string' ? replaced : state;
        const before = b.verifyCalls;
        const answer = await finish(browser, b, usedState);
        assert.equal(answer.status, 401, answer.body);
        assert.equal(b.verifyCalls, before);
        return messageOf(answer);
      }
      const onlyCookie = (browser: Browser) => {
        const found = a.carrier.read(browser.cookies());
        assert.ok(found);
        return found;
      };
      const setCookie = (browser: Browser, name: string, value: string) =>
        a.carrier.write(browser.cookies(), name, value);

      it('with a tampered cookie', async () => {
        const message = await failing((browser) => {
          const { name, value } = onlyCookie(browser);
          const [payload, signature] = value.split('.');
          const changed = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
          changed.d = { returnTo: 'https://evil.example/' };
          setCookie(browser, name, `${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`);
        });
        assert.equal(message, 'Invalid authorization request state.');
      });

      it('with an expired cookie', async () => {
        const message = await failing((browser, state) => {
          const { name } = onlyCookie(browser);
          setCookie(browser, name, signed({ s: state, e: Date.now() - 1000 }));
        });
        assert.match(message ?? '', /expired/);
      });

      it('with the cookie of another login', async () => {
        const other = new Browser(agent);
        const otherLogin = await begin(other, a);
        const message = await failing((browser) => {
          const { name } = onlyCookie(browser);
          setCookie(browser, name, onlyCookie(other).value);
          return undefined;
        });
        assert.equal(message, 'Invalid authorization request state.');
        assert.ok(otherLogin.state);
      });

      it('with no cookie at all', async () => {
        const message = await failing((browser) => {
          browser.cookies().clear();
        });
        assert.match(message ?? '', /cookie is missing/);
      });

      it('with a state that does not match the cookie', async () => {
        const message = await failing((_browser, state) => `${state.slice(0, -1)}${state.endsWith('x') ? 'y' : 'x'}`);
        assert.match(message ?? '', /cookie is missing|Invalid/);
      });

      it('with a cookie signed by a secret the instance does not know', async () => {
        const message = await failing((browser, state) => {
          const { name } = onlyCookie(browser);
          setCookie(
            browser,
            name,
            signed({ s: state, e: Date.now() + 60_000 }, 'another-secret-0123456789-abcdefghijkl'),
          );
        });
        assert.equal(message, 'Invalid authorization request state.');
      });
    });

    it('refuses a cookie replayed after a successful login', async () => {
      const browser = new Browser(agent);
      const { state } = await begin(browser, a);
      const saved = new Map(browser.cookies());
      const code = emulator.issueAuthCode();
      assert.equal((await finish(browser, b, state, code)).status, 200);
      for (const [name, value] of saved) browser.cookies().set(name, value);
      // On the same instance the store itself remembers the state; elsewhere DingTalk refuses the used code.
      const sameInstance = await finish(browser, b, state);
      assert.equal(sameInstance.status, 401);
      assert.equal(messageOf(sameInstance), 'This login state has already been used.');
      for (const [name, value] of saved) browser.cookies().set(name, value);
      const otherInstance = await finish(browser, a, state, code);
      assert.notEqual(otherInstance.status, 200);
    });

    it('lets only one of two callbacks sent at once with the same state through', async () => {
      const browser = new Browser(agent);
      const { state } = await begin(browser, a);
      const answers = await Promise.all([finish(browser, b, state), finish(browser, b, state)]);
      assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 401]);
    });

    it('verifies cookies signed with a rotated-out secret still listed', async () => {
      const browser = new Browser(agent);
      const { state } = await begin(browser, a);
      const { name } = a.carrier.read(browser.cookies()) ?? { name: '' };
      assert.ok(name);
      a.carrier.write(browser.cookies(), name, signed({ s: state, e: Date.now() + 60_000 }, oldSecret));
      assert.equal((await finish(browser, b, state)).status, 200);
    });

    it('refuses a secret shorter than 32 bytes, or none', () => {
      assert.throws(() => new SignedCookieStateStore({ secret: 'short' }), /at least 32 bytes/);
      assert.throws(() => new SignedCookieStateStore({ secret: [] }), /"secret" option is required/);
      assert.throws(() => new SignedCookieStateStore({ secret: [secret, 'short'] }), /at least 32 bytes/);
      assert.throws(
        () => new SignedCookieStateStore(undefined as unknown as { secret: string }),
        /"secret" option is required/,
      );
    });
  });

describe('SignedCookieStateStore and the strategy: what the replay guard remembers', () => {
  let emulator: DingTalkEmulator;
  const agent = new Agent({ keepAlive: true });
  before(async () => {
    emulator = await createDingTalkEmulator();
  });
  after(async () => {
    agent.destroy();
    await emulator.close();
  });

  async function replayAfter(store: object, madeUpCodes: number): Promise<{ status: number; message?: string }> {
    const instance = await startExpressInstance(emulator, store as SignedCookieStateStore);
    try {
      const browser = new Browser(agent);
      const start = async () => {
        const answer = await browser.get(instance, '/login');
        return new URL(answer.location ?? '').searchParams.get('state') ?? '';
      };
      const finish = (state: string, code: string) =>
        browser.get(instance, `/auth/callback?authCode=${code}&state=${encodeURIComponent(state)}`);
      const state = await start();
      const saved = new Map(browser.cookies());
      assert.equal((await finish(state, emulator.issueAuthCode())).status, 200);
      // States spent with codes DingTalk refuses (made up): the strategy tells the store.
      for (let i = 0; i < madeUpCodes; i++) {
        const bogus = await start();
        assert.equal((await finish(bogus, `made-up-${i}`)).status, 401);
      }
      for (const [name, value] of saved) browser.cookies().set(name, value);
      const replay = await finish(state, emulator.issueAuthCode());
      return { status: replay.status, message: (JSON.parse(replay.body).info as { message?: string })?.message };
    } finally {
      await instance.close();
    }
  }

  it('forgets states whose code DingTalk refused, so that they cannot push a used one out', async () => {
    const replay = await replayAfter(new SignedCookieStateStore({ secret, maxRememberedStates: 5 }), 20);
    assert.deepEqual(replay, { status: 401, message: 'This login state has already been used.' });
  });

  it('still refuses a replay behind a store wrapper that does not pass codeRefused on', async () => {
    const inner = new SignedCookieStateStore({ secret });
    type Store = SignedCookieStateStore;
    // Written out: passport-oauth2 picks the call form by the number of parameters.
    const wrapper = {
      store: (req: never, state: unknown, meta: never, done: Parameters<Store['store']>[3]) =>
        inner.store(req, state, meta, done),
      verify: (req: never, state: string, meta: never, done: Parameters<Store['verify']>[3]) =>
        inner.verify(req, state, meta, done),
    };
    const replay = await replayAfter(wrapper, 3);
    assert.deepEqual(replay, { status: 401, message: 'This login state has already been used.' });
  });
});

/**
 * A browser's jar as far as Path goes (RFC 6265, 5.1.4 and 5.3): a cookie is sent only on its path
 * and below, and a cookie replaces the one of the same name and path. Secure is not played: the
 * https callbacks stand for an app behind a TLS proxy.
 */
class PathJar {
  readonly #cookies = new Map<string, { name: string; value: string; path: string }>();
  /** The names of the cookies the last request sent. */
  sent: string[] = [];
  constructor(readonly agent: Agent) {}

  async get(url: string): Promise<Answer> {
    const { pathname } = new URL(url);
    const matching = [...this.#cookies.values()].filter(({ path }) => onPath(pathname, path));
    this.sent = matching.map(({ name }) => name);
    const cookie = matching.map(({ name, value }) => `${name}=${value}`).join('; ');
    const answer = await getWithCookies(url, this.agent, cookie);
    for (const header of answer.setCookies) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
      const index = pair.indexOf('=');
      const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) || pathname.replace(/\/[^/]*$/, '') || '/';
      const key = `${path} ${pair.slice(0, index)}`;
      if (attributes.some((a) => /^max-age=0$/i.test(a))) this.#cookies.delete(key);
      else this.#cookies.set(key, { name: pair.slice(0, index), value: pair.slice(index + 1), path });
    }
    return answer;
  }
}

function onPath(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  return requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/');
}

describe('SignedCookieStateStore: logins abandoned in a browser that honours Path', () => {
  let emulator: DingTalkEmulator;
  const agent = new Agent({ keepAlive: true });
  before(async () => {
    emulator = await createDingTalkEmulator();
  });
  after(async () => {
    agent.destroy();
    await emulator.close();
  });

  const cases = [
    ['plain http', {}, '/auth/callback'],
    ['secure: false', { secure: false }, 'https://app.example/auth/callback'],
    ['hostOnly: false', { hostOnly: false }, 'https://app.example/auth/callback'],
    ['https (__Host- cookies on Path=/)', {}, 'https://app.example/auth/callback'],
  ] as const;
  for (const [label, options, callbackURL] of cases)
    it(`${label}: after 100 logins started and never finished, three tabs then all finish, with at most 3 state cookies on a callback`, async () => {
      const instance = await startExpressInstance(
        emulator,
        new SignedCookieStateStore({ secret, ...options }),
        callbackURL,
      );
      try {
        const browser = new PathJar(agent);
        for (let i = 0; i < 100; i++) assert.equal((await browser.get(`${instance.url}/login`)).status, 302);
        // Then three tabs log in at once, and come back in another order.
        const states: string[] = [];
        for (let tab = 0; tab < 3; tab++) {
          const start = await browser.get(`${instance.url}/login`);
          states.push(new URL(start.location ?? '').searchParams.get('state') ?? '');
        }
        for (const state of [states[2], states[0], states[1]] as string[]) {
          const code = emulator.issueAuthCode();
          const callback = `${instance.url}/auth/callback?authCode=${code}&state=${encodeURIComponent(state)}`;
          const answer = await browser.get(callback);
          assert.equal(answer.status, 200, `${answer.status} ${answer.body}`);
          const stateCookies = browser.sent.filter((name) => loginCookieName.test(name));
          assert.ok(stateCookies.length >= 1 && stateCookies.length <= 3, stateCookies.join(', '));
        }
      } finally {
        await instance.close();
      }
    });
});

describe('SignedCookieStateStore, the store alone', () => {
  /** One leg of a login run on the store alone, with a response that collects Set-Cookie headers. */
  function onStore(store: SignedCookieStateStore, callbackURL: string, cookie?: string, clientID = 'app') {
    const headers: string[] = [];
    const res = {
      getHeader: () => headers,
      setHeader: (_: string, value: string[]) => headers.splice(0, headers.length, ...value),
    };
    const req = { res, headers: cookie ? { cookie } : {} } as never;
    const meta = { callbackURL, authorizationURL: '', tokenURL: '', clientID };
    return {
      headers,
      start: (appState?: object) =>
        new Promise<{ err: unknown; state?: string }>((resolve) =>
          store.store(req, appState, meta, (err, state) => resolve({ err, state })),
        ),
      finish: (state: string) =>
        new Promise<{ ok: boolean; info: unknown }>((resolve) =>
          store.verify(req, state, meta, (_err, ok, info) => resolve({ ok, info })),
        ),
      /** What the strategy does when DingTalk refuses the code that came with this state. */
      codeRefused: (state: string) => store.codeRefused(req, state),
    };
  }

  it('names the cookie __Host- on https, Secure, and clears that same cookie on the callback', async () => {
    const store = new SignedCookieStateStore({ secret });
    const started = onStore(store, 'https://app.example/auth/callback');
    const { state } = await started.start();
    const set = started.headers[0] ?? '';
    assert.match(
      set,
      /^__Host-dingtalk_state_[\w-]{16}=[\w-]+\.[\w-]+; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
    assert.equal(started.headers.length, 1, 'no counter on Path=/: the login route sees every login cookie there');
    const cookie = set.slice(0, set.indexOf(';'));
    const callback = onStore(store, 'https://app.example/auth/callback', cookie);
    assert.equal((await callback.finish(state as string)).ok, true);
    assert.equal(
      callback.headers[0],
      `${cookie.slice(0, cookie.indexOf('='))}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure`,
    );
  });

  it('on https (__Host- cookies), lets two logins started with the same Cookie header both finish', async () => {
    const store = new SignedCookieStateStore({ secret });
    const url = 'https://app.example/auth/callback';
    const jar = new Map<string, string>();
    const header = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ') || undefined;
    const keep = (headers: string[]) => {
      for (const set of headers) {
        const pair = set.slice(0, set.indexOf(';'));
        const name = pair.slice(0, pair.indexOf('='));
        if (/Max-Age=0/.test(set)) jar.delete(name);
        else jar.set(name, pair.slice(name.length + 1));
      }
    };
    const earlier = onStore(store, url);
    await earlier.start();
    keep(earlier.headers);
    // Two tabs restored at once, or a double click: both requests leave before either answer is kept.
    const [one, two] = [onStore(store, url, header()), onStore(store, url, header())];
    const states = await Promise.all([one.start(), two.start()]);
    keep(one.headers);
    keep(two.headers);
    for (const { state } of states)
      assert.equal((await onStore(store, url, header()).finish(state as string)).ok, true);
  });

  it('keeps the cookie on the callback path, without the prefix, with hostOnly: false', async () => {
    const started = onStore(
      new SignedCookieStateStore({ secret, hostOnly: false }),
      'https://app.example/auth/callback',
    );
    await started.start();
    assert.match(
      started.headers[0] ?? '',
      /^dingtalk_state_0=[^;]+; Max-Age=600; Path=\/auth\/callback; HttpOnly; SameSite=Lax; Secure$/,
    );
    // The counter of the next slot lives on Path=/, where the login route sees it.
    assert.equal(started.headers[1], 'dingtalk_state_next=1; Max-Age=600; Path=/; HttpOnly; SameSite=Lax; Secure');
  });

  it('refuses, when the login starts, a state object that would make the cookie too large for browsers', async () => {
    const started = onStore(new SignedCookieStateStore({ secret }), 'https://app.example/auth/callback');
    const { err } = await started.start({ returnTo: `/${'x'.repeat(4000)}` });
    assert.ok(err instanceof Error);
    assert.match(err.message, /over the 4096 bytes browsers keep/);
    assert.deepEqual(started.headers, [], 'no cookie was set');
    const small = await started.start({ returnTo: `/${'x'.repeat(2000)}` });
    assert.equal(small.err, null);
  });

  it('forgets states whose code DingTalk refused: 20,000 spent with made-up codes leave the guard working', async () => {
    const store = new SignedCookieStateStore({ secret });
    const url = 'https://app.example/auth/callback';
    const login = async () => {
      const started = onStore(store, url);
      const { state } = await started.start();
      const set = started.headers[0] ?? '';
      return { state: state as string, cookie: set.slice(0, set.indexOf(';')) };
    };
    // A real login: verified, and DingTalk accepts its code.
    const realLogin = async () => {
      const real = await login();
      assert.equal((await onStore(store, url, real.cookie).finish(real.state)).ok, true);
      return real;
    };
    // Anyone can mint states from the login route and send made-up codes: DingTalk refuses each
    // code, and the strategy tells the store. One real login before them (they must not push it
    // out of a memory of 10,000) and one after (they must not have filled it).
    const before = await realLogin();
    for (let i = 0; i < 20_000; i++) {
      const bogus = await login();
      const callback = onStore(store, url, bogus.cookie);
      assert.equal((await callback.finish(bogus.state)).ok, true);
      callback.codeRefused(bogus.state);
    }
    const after = await realLogin();
    for (const real of [before, after]) {
      const replay = await onStore(store, url, real.cookie).finish(real.state);
      assert.deepEqual(replay, { ok: false, info: { message: 'This login state has already been used.' } });
    }
  });

  it('on a session (Fastify), keeps the values of the newest three logins and drops older ones', async () => {
    const store = new SignedCookieStateStore({ secret });
    const data = new Map<string, unknown>([['cart', 'kept']]);
    const session = {
      get: (key: string) => data.get(key),
      set: (key: string, value: unknown) => (value === undefined ? data.delete(key) : data.set(key, value)),
      data: () => Object.fromEntries(data),
    };
    const meta = {
      callbackURL: 'https://app.example/auth/callback',
      authorizationURL: '',
      tokenURL: '',
      clientID: 'app',
    };
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => store.store({ session } as never, undefined, meta, resolve));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    assert.equal([...data.keys()].filter((key) => key.startsWith('__Host-dingtalk_state_')).length, 3);
    assert.equal(data.get('cart'), 'kept', "the app's own session data is left alone");
  });

  it('on the callback path (plain http), gives logins three names in turn, so that three tabs all finish', async () => {
    const store = new SignedCookieStateStore({ secret });
    const url = 'http://app.example/auth/callback';
    // The login route sees only the counter (Path=/); the callback sees the slots too.
    let counter: string | undefined;
    const slots = new Map<string, string>();
    const states: string[] = [];
    for (let i = 0; i < 5; i++) {
      const started = onStore(store, url, counter);
      states.push((await started.start()).state as string);
      const [slot = '', next = ''] = started.headers.map((header) => header.slice(0, header.indexOf(';')));
      slots.set(slot.slice(0, slot.indexOf('=')), slot);
      counter = next;
    }
    assert.deepEqual([...slots.keys()], ['dingtalk_state_0', 'dingtalk_state_1', 'dingtalk_state_2']);
    const header = [counter, ...slots.values()].join('; ');
    // The three newest finish, each clearing its own cookie only; the two oldest were overwritten.
    for (const state of states.slice(2)) {
      const callback = onStore(store, url, header);
      assert.equal((await callback.finish(state)).ok, true);
      assert.equal(callback.headers.length, 1);
      assert.match(callback.headers[0] ?? '', /^dingtalk_state_[0-2]=; Max-Age=0; Path=\/auth\/callback;/);
    }
    for (const state of states.slice(0, 2)) assert.equal((await onStore(store, url, header).finish(state)).ok, false);
  });

  it('on the callback path, checks the signature of two values per slot name at most: hundreds forged cost a few HMACs', async (t) => {
    const store = new SignedCookieStateStore({ secret: [secret, oldSecret] });
    const url = 'http://app.example/auth/callback';
    const started = onStore(store, url);
    const { state } = await started.start();
    const own = (started.headers[0] ?? '').slice(0, (started.headers[0] ?? '').indexOf(';'));
    assert.match(own, /^dingtalk_state_0=/);
    const forged = Array.from({ length: 600 }, (_, i) => `dingtalk_state_${i % 3}=a.b`);
    const hmacs = t.mock.method(crypto, 'createHmac');
    const refused = await onStore(store, url, forged.join('; ')).finish(state as string);
    assert.deepEqual(refused, { ok: false, info: { message: 'Invalid authorization request state.' } });
    // Three names, two values each, two secrets.
    assert.ok(hmacs.mock.callCount() <= 12, `${hmacs.mock.callCount()} HMACs`);
    // Its own cookie among them, as the second value of its name, still wins.
    hmacs.mock.resetCalls();
    const header = [forged[0], own, ...forged.slice(1)].join('; ');
    assert.equal((await onStore(store, url, header).finish(state as string)).ok, true);
    assert.ok(hmacs.mock.callCount() <= 12, `${hmacs.mock.callCount()} HMACs`);
  });

  it('on a session (Fastify), refuses a state object the encrypted session cookie could not hold', async () => {
    const store = new SignedCookieStateStore({ secret });
    const data = new Map<string, unknown>();
    const req = {
      session: { get: (key: string) => data.get(key), set: (key: string, value: unknown) => data.set(key, value) },
    };
    const meta = {
      callbackURL: 'https://app.example/auth/callback',
      authorizationURL: '',
      tokenURL: '',
      clientID: 'app',
    };
    const start = (returnTo: string) =>
      new Promise<unknown>((resolve) => store.store(req as never, { returnTo }, meta, (err) => resolve(err)));
    // About 3.4 KB of state: its own cookie would fit, encrypted in a session it would not.
    const refused = await start(`/${'x'.repeat(2500)}`);
    assert.ok(refused instanceof Error);
    assert.match(refused.message, /over the 4096 bytes browsers keep/);
    assert.equal(data.size, 0);
    assert.equal(await start('/reports'), null);
    assert.equal(data.size, 1);
  });

  it('refuses a state made for another app or another callback on the same host', async () => {
    const store = new SignedCookieStateStore({ secret });
    const started = onStore(store, 'https://app.example/auth/employees/callback');
    const { state } = await started.start({ returnTo: '/admin' });
    const set = started.headers[0] ?? '';
    const cookie = set.slice(0, set.indexOf(';'));
    const elsewhere = await onStore(store, 'https://app.example/auth/partners/callback', cookie).finish(
      state as string,
    );
    assert.deepEqual(elsewhere, { ok: false, info: { message: 'Invalid authorization request state.' } });
    const otherApp = onStore(store, 'https://app.example/auth/employees/callback', cookie, 'another-app');
    assert.equal((await otherApp.finish(state as string)).ok, false);
  });

  it('still finishes a login started before the __Host- cookies, and refuses a new one planted without the prefix', async () => {
    const store = new SignedCookieStateStore({ secret });
    const url = 'https://app.example/auth/callback';
    const started = onStore(store, url);
    const { state } = await started.start();
    const unprefixedName = `dingtalk_state_${stateHash(state as string)}`;
    // As the previous release set it: no prefix, on the callback path, and no binding in the payload.
    const legacy = `${unprefixedName}=${signed({ s: state, e: Date.now() + 60_000 })}`;
    const callback = onStore(store, url, legacy);
    assert.equal((await callback.finish(state as string)).ok, true);
    assert.match(callback.headers.join('\n'), /^dingtalk_state_[\w-]{16}=; Max-Age=0; Path=\/auth\/callback;/m);
    // Today's cookie under the unprefixed name: what a sibling subdomain could plant. Refused.
    const another = onStore(store, url);
    const fresh = await another.start();
    const freshSet = another.headers[0] ?? '';
    const freshValue = freshSet.slice(freshSet.indexOf('=') + 1, freshSet.indexOf(';'));
    const planted = `dingtalk_state_${stateHash(fresh.state as string)}=${freshValue}`;
    const answer = await onStore(store, url, planted).finish(fresh.state as string);
    assert.deepEqual(answer, { ok: false, info: { message: 'Invalid authorization request state.' } });
  });

  it('still finishes a login started before the three slots, whose cookie is named after its state', async () => {
    const store = new SignedCookieStateStore({ secret });
    for (const url of ['https://app.example/auth/callback', 'http://app.example/auth/callback']) {
      const started = onStore(store, url);
      const { state } = await started.start();
      const set = started.headers[0] ?? '';
      const [prefix, value] = [
        set.slice(0, set.indexOf('dingtalk_state_')),
        set.slice(set.indexOf('=') + 1, set.indexOf(';')),
      ];
      const name = `${prefix}dingtalk_state_${stateHash(state as string)}`;
      const callback = onStore(store, url, `${name}=${value}`);
      assert.equal((await callback.finish(state as string)).ok, true, url);
      assert.match(callback.headers[0] ?? '', new RegExp(`^${name}=; Max-Age=0;`));
    }
  });

  it('keeps the cookies of the newest three logins in a browser and clears older ones, even within one millisecond', async (t) => {
    // Logins started in the same millisecond claim the same expiry: the later sent is the newer.
    const now = Date.now();
    t.mock.method(Date, 'now', () => now);
    const store = new SignedCookieStateStore({ secret });
    const url = 'https://app.example/auth/callback';
    const jar: string[] = [];
    const states: string[] = [];
    for (let i = 0; i < 5; i++) {
      const started = onStore(store, url, jar.join('; ') || undefined);
      states.push((await started.start()).state as string);
      for (const header of started.headers) {
        const pair = header.slice(0, header.indexOf(';'));
        const name = pair.slice(0, pair.indexOf('='));
        const index = jar.findIndex((cookie) => cookie.startsWith(`${name}=`));
        if (index >= 0) jar.splice(index, 1);
        if (!/Max-Age=0/.test(header)) jar.push(pair);
      }
    }
    const logins = jar.filter((cookie) => loginCookieName.test(cookie.slice(0, cookie.indexOf('='))));
    assert.deepEqual(
      logins.map((cookie) => cookie.slice(0, cookie.indexOf('='))),
      states.slice(2).map((state) => `__Host-dingtalk_state_${stateHash(state)}`),
    );
  });

  it('marks the cookie Secure when the callback URL is https', async () => {
    const started = onStore(new SignedCookieStateStore({ secret }), 'https://app.example/cb');
    await started.start();
    assert.match(started.headers[0] ?? '', /; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
  });
});
