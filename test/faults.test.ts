import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DingTalkAPIError,
  type DingTalkError,
  DingTalkNetworkError,
  DingTalkResponseError,
  DingTalkTimeoutError,
} from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator, type EmulatorFault } from '../lib/testing/index';
import { startApp, type TestApp } from './helpers/app';
import { watchProcess } from './helpers/process-watch';

// Each kind of fault DingTalk or the network can produce, for the token and the profile endpoint,
// and the typed error the app's error handler must receive for it.
// (How each body is classified is response.test.ts's; here, that every kind of failure reaches the
// app's error handler typed, with the status the app answers, in time, leaking no socket.)
const timeoutMs = 300;
// Time allowed on top of the timeout: scheduling on a loaded 2-core machine, never seconds.
const marginMs = 1200;
type Expectation = (error: DingTalkError) => void;
const faults: [string, EmulatorFault, Expectation][] = [
  [
    '503 with a DingTalk JSON error',
    { status: 503, body: { code: 'ServiceUnavailable', message: '服务暂不可用', requestid: 'REQ-503' } },
    (error) => {
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.dingtalkStatus, 503);
      assert.equal(error.status, 502, 'an outage at DingTalk is a bad gateway for the app');
      assert.equal(error.requestId, 'REQ-503');
    },
  ],
  [
    "DingTalk's QPS limit (403 Forbidden.AccessDenied.QpsLimitForApi) with Retry-After",
    { kind: 'throttle', headers: { 'retry-after': '3' } },
    (error) => {
      assert.ok(error instanceof DingTalkAPIError, String(error));
      assert.equal(error.code, 'Forbidden.AccessDenied.QpsLimitForApi');
      assert.deepEqual([error.throttled, error.permissionDenied, error.status], [true, false, 503]);
      assert.equal(error.retryAfterSeconds, 3);
    },
  ],
  [
    '502 with an HTML page',
    { kind: 'html' },
    (error) => {
      assert.ok(error instanceof DingTalkResponseError, `${error.name}: ${error.message}`);
      assert.deepEqual([error.dingtalkStatus, error.status], [502, 502]);
    },
  ],
  [
    'a reset connection',
    { kind: 'drop' },
    (error) => {
      assert.ok(error instanceof DingTalkNetworkError && !(error instanceof DingTalkTimeoutError));
      assert.equal(error.status, 502);
    },
  ],
  [
    'a response that never comes',
    { kind: 'hang' },
    (error) => {
      assert.ok(error instanceof DingTalkTimeoutError);
      assert.deepEqual([error.timeoutMs, error.status], [timeoutMs, 504]);
    },
  ],
];

describe('faults at DingTalk, through a real Express app', () => {
  let emulator: DingTalkEmulator;
  let app: TestApp;
  let agent: Agent;
  const watch = watchProcess();

  before(async () => {
    emulator = await createDingTalkEmulator();
    agent = new Agent({ keepAlive: true });
    app = await startApp({
      strategy: { ...emulator.strategyOptions(), callbackURL: '/callback', timeout: timeoutMs, agent },
    });
  });
  beforeEach(() => emulator.clearFaults());
  after(async () => {
    watch.stop();
    await app.close();
    await emulator.close();
    agent.destroy();
  });

  const login = () => app.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });

  for (const endpoint of ['token', 'profile'] as const) {
    for (const [label, fault, expectation] of faults) {
      it(`${endpoint} endpoint, ${label}: a typed error within the timeout`, async () => {
        emulator.inject(endpoint, fault);
        const errorsBefore = app.errors.length;
        const started = performance.now();
        const response = await login();
        const elapsed = performance.now() - started;
        assert.equal(response.status, 500);
        assert.ok(elapsed < timeoutMs + marginMs, `answered after ${Math.round(elapsed)} ms`);
        assert.equal(app.errors.length, errorsBefore + 1);
        const error = app.errors.at(-1) as DingTalkError;
        assert.equal(error.endpoint, endpoint);
        expectation(error);
        assert.equal(response.body.error.name, error.name);
        await assertNoSocketInUse(agent);
      });
    }

    it(`${endpoint} endpoint, a slow answer inside the timeout: the login succeeds`, async () => {
      emulator.inject(endpoint, { latencyMs: timeoutMs / 2 });
      const response = await login();
      assert.equal(response.status, 200);
      assert.equal(response.body.user.profile.id, emulator.users[0]?.unionId);
    });
  }

  it('recovers: a healthy login after all those faults succeeds on the same pool', async () => {
    const response = await login();
    assert.equal(response.status, 200);
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
