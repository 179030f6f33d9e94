import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import nodeFetch from 'node-fetch';
import type { FetchFunction } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator, type EmulatorUser } from '../lib/testing/index';
import { startApp, type TestApp } from './helpers/app';
import { CookieClient } from './helpers/cookie-client';
import { watchProcess } from './helpers/process-watch';

// LOAD_LOGINS concurrent logins: 200 by default, CI runs 1,000.
const logins = Number(process.env.LOAD_LOGINS || 200);
const users: EmulatorUser[] = Array.from({ length: logins }, (_, i) => ({
  unionId: `union-user-${i}`,
  openId: `open-user-${i}`,
  nick: `用户${i}`,
  organizations: [{ corpId: `dingcorp${i % 7}`, name: `组织${i % 7}` }],
}));

type Outcome = { kind: 'logged-in'; unionId: string | null } | { kind: 'failed'; status: number; error?: string };

describe(`${logins} concurrent logins, each in its own browser`, () => {
  let emulator: DingTalkEmulator;
  let broken: DingTalkEmulator;
  let app: TestApp;
  const watch = watchProcess();
  // Enough sockets for hundreds of requests in flight, well under the process's file limit; a new
  // pool for each test, so that none reuses a socket the app closed as idle while the last one ended.
  let browserAgent: Agent;
  beforeEach(() => {
    browserAgent = new Agent({ keepAlive: true, maxSockets: 256 });
  });
  afterEach(() => browserAgent.destroy());
  // Logins marked faulty have their token or profile request sent to a DingTalk that misbehaves.
  const faultyCodes = new Map<string, 'token' | 'profile'>();
  const faultyAccessTokens = new Set<string>();

  const routingFetch: FetchFunction = async (url, init) => {
    const parsed = new URL(url);
    let target = url;
    if (init.body) {
      const phase = faultyCodes.get(JSON.parse(init.body).code);
      if (phase === 'token') target = `${broken.url}${parsed.pathname}`;
      const response = await nodeFetch(target, init as never);
      if (phase === 'profile') {
        const text = await response.text();
        const token = JSON.parse(text).accessToken as string;
        faultyAccessTokens.add(token);
        return { status: response.status, headers: response.headers, text: async () => text };
      }
      return response as never;
    }
    if (faultyAccessTokens.has(init.headers['x-acs-dingtalk-access-token'] ?? '')) {
      target = `${broken.url}${parsed.pathname}`;
    }
    return nodeFetch(target, init as never) as never;
  };

  before(async () => {
    emulator = await createDingTalkEmulator({ users });
    broken = await createDingTalkEmulator();
    app = await startApp({
      strategy: {
        ...emulator.strategyOptions(),
        callbackURL: '/callback',
        state: true,
        fetch: routingFetch,
        // This suite is about isolation, not speed: a thousand logins in one process on a shared
        // 2-core machine can keep one request waiting for seconds, which must not fail it.
        timeout: 60_000,
      },
    });
  });
  after(async () => {
    watch.stop();
    await app.close();
    await Promise.all([emulator.close(), broken.close()]);
  });

  /** One person's whole login: /login, DingTalk's consent (minted), /callback, then /me. */
  async function logIn(index: number, fault?: 'token' | 'profile'): Promise<Outcome> {
    const browser = new CookieClient(app.url, browserAgent);
    const start = await browser.get('/login');
    assert.equal(start.status, 302);
    const state = new URL(start.location ?? '').searchParams.get('state') ?? '';
    const code = emulator.issueAuthCode({ unionId: `union-user-${index}` });
    if (fault) faultyCodes.set(code, fault);
    const callback = await browser.get(`/callback?authCode=${code}&state=${encodeURIComponent(state)}`);
    const me = JSON.parse((await browser.get('/me')).body) as { user: { profile: { id: string } } | null };
    if (callback.status === 200) return { kind: 'logged-in', unionId: me.user?.profile.id ?? null };
    assert.equal(me.user, null, 'a failed login leaves nobody logged in');
    const error = callback.status === 500 ? (JSON.parse(callback.body).error.name as string) : undefined;
    return { kind: 'failed', status: callback.status, ...(error ? { error } : {}) };
  }

  it('every session ends with its own user, with zero errors', async (t) => {
    const started = performance.now();
    const outcomes = await Promise.all(users.map((_, index) => logIn(index)));
    t.diagnostic(`${logins} logins in ${Math.round(performance.now() - started)} ms`);
    outcomes.forEach((outcome, index) => {
      assert.deepEqual(outcome, { kind: 'logged-in', unionId: `union-user-${index}` }, `login ${index}`);
    });
    assert.equal(app.errors.length, 0);
  });

  it('with 10% of logins hitting a broken DingTalk, every healthy one still succeeds', async (t) => {
    broken.inject('token', { kind: 'html' });
    broken.inject('profile', { kind: 'drop' });
    const faults = new Map<number, 'token' | 'profile'>();
    // A fixed pseudo-random pick, so a failure can be replayed.
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    while (faults.size < logins / 10) faults.set(Math.floor(random() * logins), random() < 0.5 ? 'token' : 'profile');
    const errorsBefore = app.errors.length;
    const outcomes = await Promise.all(users.map((_, index) => logIn(index, faults.get(index))));
    let failedCleanly = 0;
    outcomes.forEach((outcome, index) => {
      const fault = faults.get(index);
      if (!fault) {
        assert.deepEqual(outcome, { kind: 'logged-in', unionId: `union-user-${index}` }, `healthy login ${index}`);
        return;
      }
      const expected = fault === 'token' ? 'DingTalkResponseError' : 'DingTalkNetworkError';
      assert.deepEqual(outcome, { kind: 'failed', status: 500, error: expected }, `faulty login ${index}`);
      failedCleanly++;
    });
    t.diagnostic(`${logins - faults.size} healthy logins succeeded, ${failedCleanly} faulty ones failed cleanly`);
    assert.equal(app.errors.length - errorsBefore, faults.size);
  });

  it('raised no unhandled rejection and no uncaught exception', () => {
    assert.deepEqual(watch.problems, []);
  });
});
