import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Agent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Passport } from 'passport';
import { SignedCookieStateStore, Strategy, type VerifyFunction } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { type Answer, CookieClient } from './helpers/cookie-client';

const secret = 'state-secret-0123456789-abcdefghijklmnop';
const oldSecret = 'old-state-secret-0123456789-abcdefghijklm';

interface Instance {
  url: string;
  verifyCalls: number;
  close(): Promise<void>;
}

/**
 * An app instance with no session middleware at all, as a JWT API would be: the login state
 * lives only in the signed cookie, and the callback answers with the user as JSON.
 */
async function startInstance(emulator: DingTalkEmulator, store: SignedCookieStateStore): Promise<Instance> {
  const passport = new Passport();
  const instance = { url: '', verifyCalls: 0, close: async () => {} };
  const verify: VerifyFunction = (_accessToken, _refreshToken, profile, done) => {
    instance.verifyCalls++;
    done(null, { id: profile.id });
  };
  passport.use(new Strategy({ ...emulator.strategyOptions(), callbackURL: '/auth/callback', store }, verify));
  const app = express();
  app.use(passport.initialize());
  app.get('/login', passport.authenticate('dingtalk', { session: false, state: { returnTo: '/reports' } } as object));
  app.get('/auth/callback', (req, res, next) =>
    passport.authenticate('dingtalk', { session: false }, (err: unknown, user: unknown, info: unknown) => {
      if (err) return next(err);
      res.status(user ? 200 : 401).json({ user: user || null, info: info ?? null });
    })(req, res, next),
  );
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  instance.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  instance.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return instance;
}

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

function signed(payload: object, key = secret): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${createHmac('sha256', key).update(encoded).digest('base64url')}`;
}

describe('SignedCookieStateStore: logins without any session', () => {
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

  it('sets an HttpOnly, SameSite=Lax cookie scoped to the callback path, and clears it after', async () => {
    const browser = new Browser(agent);
    const { state, setCookie } = await begin(browser, a);
    assert.match(
      setCookie,
      /^dingtalk_state_[\w-]{16}=[\w-]+\.[\w-]+; Max-Age=600; Path=\/auth\/callback; HttpOnly; SameSite=Lax$/,
    );
    const answer = await finish(browser, b, state);
    assert.match(answer.setCookies.join('\n'), /^dingtalk_state_[\w-]{16}=; Max-Age=0; Path=\/auth\/callback/);
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
      const [name, value] = [...browser.cookies()].find(([cookie]) => cookie.startsWith('dingtalk_state_')) ?? [];
      assert.ok(name && value);
      return { name, value };
    };

    it('with a tampered cookie', async () => {
      const message = await failing((browser) => {
        const { name, value } = onlyCookie(browser);
        const [payload, signature] = value.split('.');
        const changed = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
        changed.d = { returnTo: 'https://evil.example/' };
        browser.cookies().set(name, `${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`);
      });
      assert.equal(message, 'Invalid authorization request state.');
    });

    it('with an expired cookie', async () => {
      const message = await failing((browser, state) => {
        const { name } = onlyCookie(browser);
        browser.cookies().set(name, signed({ s: state, e: Date.now() - 1000 }));
      });
      assert.match(message ?? '', /expired/);
    });

    it('with the cookie of another login', async () => {
      const other = new Browser(agent);
      const otherLogin = await begin(other, a);
      const message = await failing((browser) => {
        const { name } = onlyCookie(browser);
        browser.cookies().set(name, onlyCookie(other).value);
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
      const message = await failing((_browser, state) => `${state.slice(0, -1)}x`);
      assert.match(message ?? '', /cookie is missing|Invalid/);
    });

    it('with a cookie signed by a secret the instance does not know', async () => {
      const message = await failing((browser, state) => {
        const { name } = onlyCookie(browser);
        browser
          .cookies()
          .set(name, signed({ s: state, e: Date.now() + 60_000 }, 'another-secret-0123456789-abcdefghijkl'));
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

  it('verifies cookies signed with a rotated-out secret still listed', async () => {
    const browser = new Browser(agent);
    const { state } = await begin(browser, a);
    const [name] = [...browser.cookies()].find(([cookie]) => cookie.startsWith('dingtalk_state_')) ?? [];
    assert.ok(name);
    browser.cookies().set(name, signed({ s: state, e: Date.now() + 60_000 }, oldSecret));
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

  it('marks the cookie Secure when the callback URL is https', async () => {
    const store = new SignedCookieStateStore({ secret });
    const headers: string[] = [];
    const res = {
      getHeader: () => headers,
      setHeader: (_: string, value: string[]) => headers.splice(0, headers.length, ...value),
    };
    await new Promise((resolve) =>
      store.store(
        { res } as never,
        undefined,
        { callbackURL: 'https://app.example/cb', authorizationURL: '', tokenURL: '', clientID: '' },
        resolve,
      ),
    );
    assert.match(headers[0] ?? '', /; Path=\/cb; HttpOnly; SameSite=Lax; Secure$/);
  });
});
