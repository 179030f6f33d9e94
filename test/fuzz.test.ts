import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import nodeFetch from 'node-fetch';
import { DingTalkClient } from '../lib/api/client';
import type { Profile } from '../lib/api/profile';
import {
  DingTalkError,
  type FetchFunction,
  type StateStore,
  type StateStoreStoreCallback,
  type StateStoreVerifyCallback,
} from '../lib/index';
import type { Settings } from '../lib/passport/settings';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { startApp, type TestApp } from './helpers/app';
import { CookieClient } from './helpers/cookie-client';
import { watchProcess } from './helpers/process-watch';

// FUZZ_CALLBACKS generated callbacks in all (1,000 by default; CI runs 10,000), split over Express 4 and 5,
// whose query parsers differ: Express 4's qs turns `a[]=1` into arrays and `a[b]=1` into objects.
const callbackRuns = Math.ceil(Number(process.env.FUZZ_CALLBACKS || 1000) / 2);

const validState = 'valid-state-0001';
const stateKeys = ['authCode', 'code', 'state', 'error', 'error_description'];

/** Things that can appear in a callback query: keys DingTalk uses, bracketed variants, noise. */
const keyArb = fc.oneof(
  fc.constantFrom(...stateKeys),
  fc.constantFrom(...stateKeys).map((key) => `${key}[]`),
  fc
    .tuple(fc.constantFrom(...stateKeys), fc.constantFrom('0', 'x', 'toString', '__proto__', 'constructor'))
    .map(([key, sub]) => `${key}[${sub}]`),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty'),
);
const valueArb = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constant(validState) },
  { weight: 1, arbitrary: fc.constant('MINT') }, // replaced by a real, fresh authCode
  { weight: 1, arbitrary: fc.constant('LONG') }, // replaced by 100 KB of text (kept short in reports)
  { weight: 1, arbitrary: fc.constantFrom('%', '%E0%A4%A', '%00', '&', '=', '+') },
);
const longValue = 'x'.repeat(100 * 1024);
// A plausible callback (a code under either name, a state that may be right) plus noise around it.
const plausibleArb = fc
  .record({
    codeKey: fc.constantFrom('authCode', 'code', 'none'),
    code: fc.oneof(fc.constant('MINT'), valueArb),
    state: fc.oneof(fc.constant(validState), fc.constant('none'), valueArb),
  })
  .map(({ codeKey, code, state }) => {
    const pairs: [string, string][] = [];
    if (codeKey !== 'none') pairs.push([codeKey, code]);
    if (state !== 'none') pairs.push(['state', state]);
    return pairs;
  });
const queryArb = fc
  .tuple(plausibleArb, fc.array(fc.tuple(keyArb, valueArb), { maxLength: 5 }), fc.boolean())
  .map(([plausible, noise, noiseFirst]) => (noiseFirst ? [...noise, ...plausible] : [...plausible, ...noise]));

describe('fuzzed callbacks', () => {
  let emulator: DingTalkEmulator;
  const apps: TestApp[] = [];
  const sentToDingTalk: unknown[] = [];
  const statesSeenByStore: unknown[] = [];
  const watch = watchProcess();
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  // Records what reaches DingTalk, to prove nothing but a short string is ever sent as the code.
  const recordingFetch: FetchFunction = (url, init) => {
    if (init.body) sentToDingTalk.push(JSON.parse(init.body).code);
    return nodeFetch(url, init as never) as never;
  };
  // Accepts exactly one state, so that generated callbacks can get past the state check.
  const store: StateStore = {
    store: (_req: unknown, callback: StateStoreStoreCallback) => callback(null, validState),
    verify: (_req: unknown, state: string, callback: StateStoreVerifyCallback) => {
      statesSeenByStore.push(state);
      callback(null, state === validState, state === validState ? undefined : { message: 'bad state' });
    },
  };

  before(async () => {
    emulator = await createDingTalkEmulator();
    for (const express of [4, 5] as const) {
      apps.push(
        await startApp({
          express,
          // Node's default 16 KB header limit would answer 431 before the strategy saw a 100 KB value.
          maxHeaderSize: 1024 * 1024,
          strategy: {
            ...emulator.strategyOptions(),
            callbackURL: '/callback',
            store,
            fetch: recordingFetch,
            timeout: 5000,
          },
        }),
      );
    }
  });
  after(async () => {
    watch.stop();
    agent.destroy();
    await Promise.all(apps.map((app) => app.close()));
    await emulator.close();
  });

  for (const major of [4, 5] as const) {
    it(`never answers 500 and never sends DingTalk anything but a string code (Express ${major}, ${callbackRuns} runs)`, async () => {
      const app = apps[major === 4 ? 0 : 1] as TestApp;
      let successes = 0;
      await fc.assert(
        fc.asyncProperty(queryArb, async (pairs) => {
          const query = pairs
            .map(([key, value]) => {
              const real = value === 'MINT' ? emulator.issueAuthCode() : value === 'LONG' ? longValue : value;
              // Malformed escapes are sent raw on purpose; everything else is encoded once.
              const encoded = /^%/.test(real) ? real : encodeURIComponent(real);
              return `${encodeURIComponent(key)}=${encoded}`;
            })
            .join('&');
          const answer = await new CookieClient(app.url, agent).get(`/callback?${query}`);
          assert.notEqual(answer.status, 500, `500 for ?${query.slice(0, 300)}: ${answer.body.slice(0, 300)}`);
          assert.ok([200, 302].includes(answer.status), `status ${answer.status} for ?${query.slice(0, 300)}`);
          if (answer.status === 302) {
            const location = answer.location ?? '';
            assert.ok(location === '/failed' || location.startsWith(emulator.authorizationURL), location);
          } else {
            successes++;
          }
        }),
        { numRuns: callbackRuns },
      );
      assert.equal(app.errors.length, 0, app.errors.map((error) => error.message).join('\n'));
      assert.ok(successes > 0, 'some generated callbacks carried a real code and a valid state');
    });
  }

  it('only ever sent DingTalk short string codes and gave the store string states', () => {
    assert.ok(sentToDingTalk.length > 0);
    for (const code of sentToDingTalk) assert.ok(typeof code === 'string' && code.length <= 1024, String(code));
    for (const state of statesSeenByStore) assert.ok(state === undefined || typeof state === 'string');
  });

  it('raised no unhandled rejection and no uncaught exception', () => {
    assert.deepEqual(watch.problems, []);
  });
});

describe('fuzzed answers from DingTalk', () => {
  const fieldValueArb = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant({}),
    fc.array(fc.string(), { maxLength: 3 }),
  );
  const tokenBodyArb = fc.record(
    { accessToken: fieldValueArb, refreshToken: fieldValueArb, expireIn: fieldValueArb, corpId: fieldValueArb },
    { requiredKeys: [] },
  );
  const userBodyArb = fc.record(
    {
      unionId: fieldValueArb,
      openId: fieldValueArb,
      nick: fieldValueArb,
      avatarUrl: fieldValueArb,
      mobile: fieldValueArb,
      stateCode: fieldValueArb,
      email: fieldValueArb,
      visitor: fieldValueArb,
    },
    { requiredKeys: [] },
  );
  const bodyArb = (shaped: fc.Arbitrary<unknown>) =>
    fc.oneof(
      { weight: 5, arbitrary: shaped.map((value) => JSON.stringify(value)) },
      { weight: 1, arbitrary: fc.json() },
      { weight: 1, arbitrary: fc.string() },
      { weight: 1, arbitrary: fc.anything().map((value) => JSON.stringify(value) ?? '') },
    );
  const statusArb = fc.oneof({ weight: 4, arbitrary: fc.constant(200) }, fc.integer({ min: 100, max: 599 }));

  /** A client whose fetch answers with the generated status and body, without any network. */
  function clientAnswering(status: number, body: string): DingTalkClient {
    const fetch: FetchFunction = async () => ({
      status,
      headers: { get: (name: string) => (name === 'content-type' ? 'application/json' : null) },
      text: async () => body,
    });
    return new DingTalkClient({
      clientID: 'id',
      clientSecret: 'secret',
      tokenURL: new URL('https://api.example/token'),
      userProfileURL: new URL('https://api.example/me'),
      fetch,
      agentFor: () => undefined,
      timeoutMs: 1000,
      maxResponseBytes: 1024 * 1024,
    } as unknown as Settings);
  }

  it('gives a typed token or a DingTalkError for any token answer (3,000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(statusArb, bodyArb(tokenBodyArb), async (status, body) => {
        try {
          const token = await clientAnswering(status, body).exchangeAuthCode('code');
          assert.ok(typeof token.accessToken === 'string' && token.accessToken.length > 0);
          assert.ok(token.refreshToken === undefined || typeof token.refreshToken === 'string');
          assert.ok(token.expireIn === undefined || Number.isFinite(token.expireIn));
          assert.ok(token.corpId === undefined || typeof token.corpId === 'string');
        } catch (error) {
          assert.ok(error instanceof DingTalkError, `not a DingTalkError: ${String(error)}`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('gives a sane profile or a DingTalkError for any profile answer (3,000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(statusArb, bodyArb(userBodyArb), async (status, body) => {
        let profile: Profile;
        try {
          profile = await clientAnswering(status, body).fetchProfile('token');
        } catch (error) {
          assert.ok(error instanceof DingTalkError, `not a DingTalkError: ${String(error)}`);
          return;
        }
        assert.equal(profile.provider, 'dingtalk');
        assert.ok(typeof profile.id === 'string' && profile.id.length > 0);
        assert.equal(typeof profile.displayName, 'string');
        for (const list of [profile.emails, profile.photos, profile.phoneNumbers]) {
          for (const entry of list ?? []) assert.equal(typeof entry.value, 'string');
        }
        assert.ok(profile.openId === undefined || typeof profile.openId === 'string');
      }),
      { numRuns: 3000 },
    );
  });
});
