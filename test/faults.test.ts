import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DingTalkAPIError,
  type DingTalkError,
  DingTalkNetworkError,
  DingTalkResponseError,
  DingTalkTimeoutError,
  type FetchFunction,
} from '../lib/index';
import type { EmulatorFault } from '../lib/testing/index';
import type { TestApp } from './helpers/app';
import { emulatedApps } from './helpers/emulated-apps';
import { watchProcess } from './helpers/process-watch';

// Each kind of fault DingTalk or the network can produce, for the token and the profile endpoint,
// and the typed error the app's error handler must receive for it.
// (How each body is classified is response.test.ts's; here, that every kind of failure reaches the
// app's error handler typed, with the status the app answers, in time, leaking no socket.)
const timeoutMs = 300;
// Time allowed on top of the timeout: scheduling on a loaded 2-core machine, never seconds.
const marginMs = 1200;
// [what, the fault, the error's class, what it says]
const faults: [string, EmulatorFault, new (...args: never[]) => DingTalkError, Record<string, unknown>][] = [
  [
    '503 with a DingTalk JSON error: a bad gateway for the app',
    { status: 503, body: { code: 'ServiceUnavailable', message: '服务暂不可用', requestid: 'REQ-503' } },
    DingTalkAPIError,
    { dingtalkStatus: 503, status: 502, requestId: 'REQ-503' },
  ],
  [
    "DingTalk's QPS limit (403 Forbidden.AccessDenied.QpsLimitForApi) with Retry-After",
    { kind: 'throttle', headers: { 'retry-after': '3' } },
    DingTalkAPIError,
    {
      code: 'Forbidden.AccessDenied.QpsLimitForApi',
      throttled: true,
      permissionDenied: false,
      status: 503,
      retryAfterSeconds: 3,
    },
  ],
  ['502 with an HTML page', { kind: 'html' }, DingTalkResponseError, { dingtalkStatus: 502, status: 502 }],
  // A network error that is no timeout: it has no timeoutMs.
  ['a reset connection', { kind: 'drop' }, DingTalkNetworkError, { status: 502, timeoutMs: undefined }],
  ['a response that never comes', { kind: 'hang' }, DingTalkTimeoutError, { timeoutMs, status: 504 }],
];

describe('requests to DingTalk, through a real Express app', () => {
  const suite = emulatedApps();
  let app: TestApp;
  const agent = new Agent({ keepAlive: true });
  const watch = watchProcess();
  before(async () => {
    app = await suite.app({ state: false, timeout: timeoutMs, agent });
  });
  after(() => {
    watch.stop();
    agent.destroy();
  });
  const logIn = (started = app) =>
    started.browser().get('/callback').query({ authCode: suite.emulator.issueAuthCode() });

  for (const endpoint of ['token', 'profile'] as const) {
    for (const [label, fault, type, expected] of faults) {
      it(`${endpoint} endpoint, ${label}: a typed error within the timeout`, async () => {
        suite.emulator.inject(endpoint, fault);
        const errorsBefore = app.errors.length;
        const started = performance.now();
        const response = await logIn();
        const elapsed = performance.now() - started;
        assert.equal(response.status, 500);
        assert.ok(elapsed < timeoutMs + marginMs, `answered after ${Math.round(elapsed)} ms`);
        assert.equal(app.errors.length, errorsBefore + 1);
        const error = app.errors.at(-1) as DingTalkError;
        assert.equal(error.endpoint, endpoint);
        assert.ok(error instanceof type, `${error.name}: ${error.message}`);
        assert.deepEqual(
          Object.fromEntries(Object.keys(expected).map((key) => [key, Reflect.get(error, key)])),
          expected,
        );
        assert.equal(response.body.error.name, error.name);
        await assertNoSocketInUse(agent);
      });
    }

    it(`${endpoint} endpoint, a slow answer inside the timeout: the login succeeds`, async () => {
      suite.emulator.inject(endpoint, { latencyMs: timeoutMs / 2 });
      const response = await logIn();
      assert.equal(response.status, 200);
      assert.equal(response.body.user.profile.id, suite.emulator.users[0]?.unionId);
    });
  }

  it('recovers: a healthy login after all those faults succeeds on the same pool', async () => {
    assert.equal((await logIn()).status, 200);
  });

  it('reuses the keep-alive connection across logins', async () => {
    const started = await suite.app({ state: false });
    for (let i = 0; i < 10; i++) await logIn(started).expect(200);
    const { requests, connections } = suite.emulator.counters;
    assert.deepEqual([requests.token, requests.profile, connections], [10, 10, 1]);
  });

  it('posts the token request as JSON and sends the access token in x-acs-dingtalk-access-token, with Node’s global fetch', async () => {
    const seen: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
    const recording: FetchFunction = (url, init) => {
      seen.push({ url, method: init.method, headers: init.headers, ...(init.body ? { body: init.body } : {}) });
      return globalThis.fetch(url, init as never) as never;
    };
    const response = await logIn(await suite.app({ state: false, fetch: recording })).expect(200);
    const [token, profile] = seen;
    assert.equal(seen.length, 2);
    assert.deepEqual(
      [token?.url, token?.method, token?.headers['content-type']],
      [suite.emulator.tokenURL, 'POST', 'application/json'],
    );
    const sent = JSON.parse(token?.body ?? '{}');
    assert.deepEqual(Object.keys(sent).sort(), ['clientId', 'clientSecret', 'code', 'grantType']);
    assert.equal(sent.grantType, 'authorization_code');
    assert.deepEqual([profile?.url, profile?.method], [suite.emulator.userProfileURL, 'GET']);
    assert.equal(profile?.headers['x-acs-dingtalk-access-token'], response.body.user.accessToken);
    assert.equal(response.body.user.profile.id, suite.emulator.users[0]?.unionId);
  });

  it('sends every request through the agent option', async () => {
    const counted = new Agent({ keepAlive: true, maxSockets: 1 });
    let created = 0;
    const createConnection = counted.createConnection.bind(counted);
    counted.createConnection = ((...args: Parameters<typeof createConnection>) => {
      created++;
      return createConnection(...args);
    }) as typeof counted.createConnection;
    try {
      const started = await suite.app({ state: false, agent: counted });
      await logIn(started).expect(200);
      await logIn(started).expect(200);
      assert.deepEqual([created, suite.emulator.counters.connections], [1, 1]);
    } finally {
      counted.destroy();
    }
  });

  it('raised no unhandled rejection and no uncaught exception', () => {
    assert.deepEqual(watch.problems, []);
  });
});

/** Sockets still assigned to a request after its answer would be a leak (idle keep-alive ones are fine). */
async function assertNoSocketInUse(agent: Agent): Promise<void> {
  const inUse = () => Object.values(agent.sockets).reduce((sum, list) => sum + (list?.length ?? 0), 0);
  for (let i = 0; i < 50 && inUse() > 0; i++) await sleep(10);
  assert.equal(inUse(), 0, 'a socket is still in use after the answer');
}
