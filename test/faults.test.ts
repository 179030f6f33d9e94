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

// Each fault DingTalk or the network can produce, for the token and the profile endpoint alike,
// and the typed error the app's error handler must receive for it.
type Expectation = (error: DingTalkError) => void;
const faults: [string, (endpoint: 'token' | 'profile') => EmulatorFault, Expectation][] = [
  [
    '503 with a DingTalk JSON error',
    () => ({ status: 503, body: { code: 'ServiceUnavailable', message: '服务暂不可用', requestid: 'REQ-503' } }),
    (error) => {
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.dingtalkStatus, 503);
      assert.equal(error.status, 502, 'an outage at DingTalk is a bad gateway for the app');
      assert.equal(error.requestId, 'REQ-503');
    },
  ],
  [
    "DingTalk's QPS limit (kind throttle: 403 Forbidden.AccessDenied.QpsLimitForApi)",
    () => ({ kind: 'throttle', headers: { 'retry-after': '3' } }),
    (error) => assertThrottled(error, 403, 'Forbidden.AccessDenied.QpsLimitForApi', 3),
  ],
  [
    'the egress IP blocked (kind ip-ban: {"status":1111})',
    () => ({ kind: 'ip-ban' }),
    (error) => assertThrottled(error, 200, '1111'),
  ],
  [
    '429 systemBusy',
    () => ({ status: 429, body: { code: 'systemBusy', message: '系统繁忙' } }),
    (error) => assertThrottled(error, 429, 'systemBusy'),
  ],
  ['502 with an HTML page', () => ({ kind: 'html' }), (error) => assertResponseError(error, 502)],
  ['200 with an empty body', () => ({ kind: 'empty' }), (error) => assertResponseError(error, 200)],
  ['200 with invalid JSON', () => ({ kind: 'malformed-json' }), (error) => assertResponseError(error, 200)],
  [
    '200 with JSON lacking the essential field',
    (endpoint) => ({
      status: 200,
      body: endpoint === 'token' ? { refreshToken: 'r', expireIn: 7200 } : { nick: '张三' },
    }),
    (error) => {
      assertResponseError(error, 200);
      assert.match(error.message, /without an? (accessToken|unionId)/);
    },
  ],
  [
    'a reset connection',
    () => ({ kind: 'drop' }),
    (error) => {
      assert.ok(error instanceof DingTalkNetworkError);
      assert.ok(!(error instanceof DingTalkTimeoutError));
      assert.equal(error.status, 502);
    },
  ],
  [
    'a response that never comes',
    () => ({ kind: 'hang' }),
    (error) => {
      assert.ok(error instanceof DingTalkTimeoutError);
      assert.equal(error.timeoutMs, timeoutMs);
      assert.equal(error.status, 504);
    },
  ],
  [
    'throttling with 429 and Retry-After',
    () => ({ status: 429, body: { code: '90018', message: '请求太快 toofast' }, headers: { 'retry-after': '2' } }),
    (error) => {
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.throttled, true);
      assert.equal(error.retryAfterSeconds, 2);
      assert.equal(error.status, 503);
    },
  ],
  [
    'throttling in the legacy errcode shape on HTTP 200',
    () => ({ status: 200, body: { errcode: 90002, errmsg: 'api调用频率过高' } }),
    (error) => {
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.throttled, true);
      assert.equal(error.status, 503);
    },
  ],
];

/** Throttling: the app answers 503 (retry later), never "permission denied". */
function assertThrottled(error: DingTalkError, dingtalkStatus: number, code: string, retryAfterSeconds?: number): void {
  assert.ok(error instanceof DingTalkAPIError, String(error));
  assert.equal(error.dingtalkStatus, dingtalkStatus);
  assert.equal(error.code, code);
  assert.equal(error.throttled, true);
  assert.equal(error.permissionDenied, false);
  assert.equal(error.status, 503);
  assert.equal(error.retryAfterSeconds, retryAfterSeconds);
}

function assertResponseError(error: DingTalkError, dingtalkStatus: number): void {
  assert.ok(error instanceof DingTalkResponseError, `${error.name}: ${error.message}`);
  assert.equal(error.dingtalkStatus, dingtalkStatus);
  assert.equal(error.status, 502);
}

const timeoutMs = 300;
// Time allowed on top of the timeout: scheduling on a loaded 2-core machine, never seconds.
const marginMs = 1200;

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
        emulator.inject(endpoint, fault(endpoint));
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
