import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { DingTalkAPIError, DingTalkNetworkError, DingTalkResponseError, DingTalkTimeoutError } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { startLogin, type TestApp } from './helpers/app';
import { emulatedApps } from './helpers/emulated-apps';

describe('a callback that does not end in a login', () => {
  const suite = emulatedApps();
  const app = (strategy: object = {}) => suite.app(strategy);
  let emulator: DingTalkEmulator;
  beforeEach(() => {
    emulator = suite.emulator;
  });

  async function begin(started: TestApp) {
    const browser = started.browser();
    const state = (await startLogin(browser)).searchParams.get('state') ?? '';
    return { browser, state };
  }

  async function failureMessages(browser: ReturnType<TestApp['browser']>): Promise<string[]> {
    return (await browser.get('/failed')).body.messages;
  }

  describe('ends in fail() and the failure redirect', () => {
    it('when DingTalk sends error=... (the user cancelled), naming the error', async () => {
      const { browser, state } = await begin(await app());
      const callback = await browser.get('/callback').query({ error: 'access_denied', state }).redirects(0);
      assert.equal(callback.status, 302);
      assert.equal(callback.headers.location, '/failed');
      assert.deepEqual(await failureMessages(browser), ['DingTalk login was not authorized: access_denied']);
      assert.equal(emulator.counters.requests.token, 0);
    });

    it('when the state is missing, wrong, from another session, or used twice', async () => {
      const started = await app();
      const { browser, state } = await begin(started);
      const other = await begin(started);
      const code = () => emulator.issueAuthCode();

      const missing = await browser.get('/callback').query({ authCode: code() }).redirects(0);
      assert.equal(missing.headers.location, '/failed');
      const { browser: b2, state: s2 } = await begin(started);
      const wrong = await b2
        .get('/callback')
        .query({ authCode: code(), state: `${s2}x` })
        .redirects(0);
      assert.equal(wrong.headers.location, '/failed');
      const stolen = await other.browser.get('/callback').query({ authCode: code(), state }).redirects(0);
      assert.equal(stolen.headers.location, '/failed');

      const { browser: b3, state: s3 } = await begin(started);
      const first = await b3.get('/callback').query({ authCode: code(), state: s3 }).redirects(0);
      assert.equal(first.status, 200);
      const replay = await b3.get('/callback').query({ authCode: code(), state: s3 }).redirects(0);
      assert.equal(replay.headers.location, '/failed');
      assert.match((await failureMessages(b3)).join(), /Unable to verify authorization request state/);
      assert.equal(emulator.counters.requests.token, 1);
    });

    it('when the callback is reloaded or reached again with Back, with state on: 403 state_mismatch, not code_rejected', async () => {
      const started = await app();
      const { browser, state } = await begin(started);
      const query = { authCode: emulator.issueAuthCode(), state };
      assert.equal((await browser.get('/callback').query(query).redirects(0)).status, 200);
      // The same URL again: the session's state was used up by the first visit, so the state store
      // refuses it before DingTalk is asked about the (used) code.
      const reload = await browser.get('/callback').query(query).redirects(0);
      assert.equal(reload.headers.location, '/failed');
      assert.deepEqual(await failureMessages(browser), ['Unable to verify authorization request state.']);
      const outcome = await browser.get('/callback-outcome').query(query);
      assert.equal(outcome.body.status, 403);
      assert.equal(outcome.body.info.reason, 'state_mismatch');
      assert.equal(outcome.body.info.message, 'Unable to verify authorization request state.');
      assert.equal(emulator.counters.requests.token, 1);
    });

    it('when authCode is repeated, without calling DingTalk', async () => {
      const { browser, state } = await begin(await app());
      const callback = await browser.get(`/callback?authCode=a&authCode=b&state=${state}`).redirects(0);
      assert.equal(callback.headers.location, '/failed');
      assert.deepEqual(await failureMessages(browser), [
        'Invalid DingTalk callback: the "authCode" parameter must appear once, as text.',
      ]);
      assert.equal(emulator.counters.requests.token, 0);
    });

    it('when the authCode was already used (the Back button), with DingTalk’s message', async () => {
      const started = await app({ state: false });
      const browser = started.browser();
      const code = emulator.issueAuthCode();
      assert.equal((await browser.get('/callback').query({ authCode: code }).redirects(0)).status, 200);
      const again = await browser.get('/callback').query({ authCode: code }).redirects(0);
      assert.equal(again.headers.location, '/failed');
      const [message] = await failureMessages(browser);
      assert.match(message ?? '', /^DingTalk refused the authorization code \(.+\)\. .*log in again\.$/);
      assert.ok(!message?.includes(code), 'the code must not be in the message');
      assert.deepEqual(started.errors, []);
    });

    it('when the authCode is made up', async () => {
      const started = await app({ state: false });
      const browser = started.browser();
      const callback = await browser.get('/callback').query({ authCode: 'made-up-code' }).redirects(0);
      assert.equal(callback.headers.location, '/failed');
    });
  });

  it('starts a new login when the callback has neither authCode nor error', async () => {
    const started = await app();
    const response = await started.browser().get('/callback?state=abc').redirects(0);
    assert.equal(response.status, 302);
    assert.ok((response.headers.location as string).startsWith(emulator.authorizationURL));
  });

  describe('goes to the error handler with a typed error', () => {
    async function callbackError(strategy: object = {}) {
      const started = await app({ state: false, ...strategy });
      const response = await started.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });
      assert.equal(response.status, 500);
      assert.equal(started.errors.length, 1);
      const error = started.errors[0];
      assert.ok(((error as { status?: number } | undefined)?.status ?? 0) >= 500, 'the error asks for a 5xx');
      return error;
    }

    it('when the client secret is wrong', async () => {
      const error = await callbackError({ clientSecret: 'not-the-right-secret' });
      // DingTalk's 400 invalidClientIdOrSecret: the developer's to fix, never a stale code (fail).
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.dingtalkStatus, 400);
      assert.equal(error.code, 'invalidClientIdOrSecret');
      assert.equal(error.status, 502);
      assert.equal(error.endpoint, 'token');
    });

    it('when the app lacks Contact.User.Read, saying which permission to enable', async () => {
      const limited = await createDingTalkEmulator({ permissions: [] });
      try {
        const started = await app({ ...limited.strategyOptions(), state: false });
        const response = await started.browser().get('/callback').query({ authCode: limited.issueAuthCode() });
        assert.equal(response.status, 500);
        const error = started.errors[0];
        assert.ok(error instanceof DingTalkAPIError);
        assert.equal(error.dingtalkStatus, 403);
        assert.equal(error.status, 502);
        assert.deepEqual(error.requiredScopes, ['Contact.User.Read']);
        assert.match(error.message, /enable it in the DingTalk developer console/);
      } finally {
        await limited.close();
      }
    });

    it('when the token endpoint answers 500 with a DingTalk error', async () => {
      emulator.inject('token', {
        status: 500,
        body: { code: 'ServiceUnavailable', message: '服务不可用', requestid: 'R1' },
      });
      const error = await callbackError();
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.dingtalkStatus, 500);
      assert.equal(error.requestId, 'R1');
    });

    it('when a proxy answers with an HTML page', async () => {
      emulator.inject('token', { kind: 'html' });
      const error = await callbackError();
      assert.ok(error instanceof DingTalkResponseError);
      assert.equal(error.dingtalkStatus, 502);
    });

    it('when the token answer is empty or not JSON', async () => {
      for (const kind of ['empty', 'malformed-json'] as const) {
        emulator.inject('token', { kind });
        const error = await callbackError();
        assert.ok(error instanceof DingTalkResponseError, kind);
        assert.equal(error.dingtalkStatus, 200);
      }
    });

    it('when the token answer has no accessToken', async () => {
      emulator.inject('token', { status: 200, body: { refreshToken: 'r', expireIn: 7200 } });
      const error = await callbackError();
      assert.ok(error instanceof DingTalkResponseError);
      assert.match(error.message, /without an accessToken/);
    });

    it('when the profile answer has no unionId', async () => {
      emulator.inject('profile', { status: 200, body: { nick: '张三' } });
      const error = await callbackError();
      assert.ok(error instanceof DingTalkResponseError);
      assert.equal(error.endpoint, 'profile');
      assert.match(error.message, /without a unionId/);
    });

    it('when the connection is dropped', async () => {
      emulator.inject('token', { kind: 'drop' });
      const error = await callbackError();
      assert.ok(error instanceof DingTalkNetworkError);
      assert.ok(error.cause, 'the network error is kept as the cause');
    });

    it('when DingTalk does not answer within the timeout', async () => {
      emulator.inject('profile', { kind: 'hang' });
      const started = Date.now();
      const error = await callbackError({ timeout: 300 });
      const elapsed = Date.now() - started;
      assert.ok(error instanceof DingTalkTimeoutError);
      assert.equal(error.timeoutMs, 300);
      assert.ok(elapsed < 2000, `answered after ${elapsed} ms`);
    });

    it('when the answer is larger than maxResponseBytes', async () => {
      emulator.inject('profile', { status: 200, body: { unionId: 'u', nick: 'x'.repeat(200_000) } });
      const error = await callbackError({ maxResponseBytes: 64 * 1024 });
      assert.ok(error instanceof DingTalkResponseError);
      assert.match(error.message, /larger than 65536 bytes/);
    });
  });

  it('succeeds when DingTalk is slow but inside the timeout', async () => {
    emulator.inject('token', { latencyMs: 150 });
    const started = await app({ state: false, timeout: 2000 });
    const response = await started.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });
    assert.equal(response.status, 200);
  });
});
