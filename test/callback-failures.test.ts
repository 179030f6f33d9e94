// Callbacks that do not end in a login, over HTTP with a real Express app and the emulated DingTalk:
// a cancel, a forged, missing or replayed state (CSRF), a used code (the Back button), a malformed
// callback, a code in the body, a steered authorize redirect, and a wrong client secret. Each ends
// in fail() with a reason, before DingTalk is asked where it can be, never in a 500 unless the
// developer has something to fix.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { DingTalkEmulator } from '../lib/testing/index';
import { startLogin, type TestApp } from './helpers/app';
import { emulatedApps } from './helpers/emulated-apps';

type Browser = ReturnType<TestApp['browser']>;
interface Outcome {
  user: unknown;
  info: { message?: string; reason?: string; dingtalkError?: string } | null;
  status: number | null;
}

describe('a callback that does not end in a login', () => {
  const suite = emulatedApps();
  let emulator: DingTalkEmulator;
  beforeEach(() => {
    emulator = suite.emulator;
  });

  /** Starts a login in a fresh browser and returns it with the state DingTalk would echo. */
  async function begin(app: TestApp) {
    const browser = app.browser();
    return { browser, state: (await startLogin(browser)).searchParams.get('state') ?? '' };
  }
  /** What passport's custom callback heard for this callback: the user, the challenge and the status. */
  async function outcome(browser: Browser, query: Record<string, string> | string): Promise<Outcome> {
    const response = await (typeof query === 'string'
      ? browser.get(`/callback-outcome${query}`)
      : browser.get('/callback-outcome').query(query));
    assert.equal(response.status, 200, response.text);
    return response.body;
  }
  const failures = async (browser: Browser): Promise<string[]> => (await browser.get('/failed')).body.messages;

  it('sends a cancel (error=...) to the failure redirect with its reason, once its state is checked and used up', async () => {
    const app = await suite.app();
    const forged = await begin(app);
    assert.equal(
      (await outcome(forged.browser, { error: 'access_denied', state: 'forged' })).info?.reason,
      'state_mismatch',
    );
    const { browser, state } = await begin(app);
    const cancelled = await browser.get('/callback').query({ error: 'access_denied', state }).redirects(0);
    assert.equal(cancelled.headers.location, '/failed');
    assert.deepEqual(await failures(browser), ['DingTalk login was not authorized: access_denied']);
    const replayed = await outcome(browser, { authCode: emulator.issueAuthCode(), state });
    assert.equal(replayed.info?.reason, 'state_mismatch', 'the refused login’s state is gone');
    // Any error value is the user's refusal, never a server error.
    const other = await begin(app);
    const refused = await outcome(other.browser, { error: 'invalid_request', state: other.state });
    assert.deepEqual(
      [refused.user, refused.info?.reason, refused.info?.dingtalkError],
      [false, 'access_denied', 'invalid_request'],
    );
    assert.deepEqual([emulator.counters.requests.token, app.errors], [0, []]);
  });

  it('refuses a state that is missing, forged, another session’s, used, or reloaded (Back): 403, before the exchange', async () => {
    const app = await suite.app();
    const used = await begin(app);
    const first = { authCode: emulator.issueAuthCode(), state: used.state };
    assert.equal((await used.browser.get('/callback').query(first)).status, 200);
    const [missing, forged, own] = [await begin(app), await begin(app), await begin(app)];
    const unable = 'Unable to verify authorization request state.';
    const invalid = 'Invalid authorization request state.';
    const rows: [string, Browser, Record<string, string>, string][] = [
      ['missing', missing.browser, { authCode: emulator.issueAuthCode() }, invalid],
      ['forged', forged.browser, { authCode: emulator.issueAuthCode(), state: `${forged.state}x` }, invalid],
      ['another session’s', own.browser, { authCode: emulator.issueAuthCode(), state: missing.state }, invalid],
      ['used with a new code', used.browser, { ...first, authCode: emulator.issueAuthCode() }, unable],
      // The same URL again: the state store refuses it before DingTalk is asked about the used code.
      ['reloaded', used.browser, first, unable],
    ];
    for (const [name, who, query, message] of rows) {
      const answer = await outcome(who, query);
      assert.deepEqual(
        [answer.status, answer.info?.reason, answer.info?.message],
        [403, 'state_mismatch', message],
        name,
      );
    }
    assert.equal(emulator.counters.requests.token, 1);
  });

  it('fails with 401 code_rejected, without the code, when DingTalk refuses a used or made-up code', async () => {
    const app = await suite.app({ state: false });
    const browser = app.browser();
    const code = emulator.issueAuthCode();
    assert.equal((await browser.get('/callback').query({ authCode: code })).status, 200);
    for (const authCode of [code, 'made-up-code']) {
      const answer = await outcome(browser, { authCode });
      assert.deepEqual([answer.status, answer.info?.reason], [401, 'code_rejected'], authCode);
      assert.match(answer.info?.message ?? '', /^DingTalk refused the authorization code \(.+\)\. .*log in again\.$/);
      assert.ok(!answer.info?.message?.includes(authCode), 'the code must not be in the message');
    }
    assert.deepEqual(app.errors, []);
  });

  it('fails a repeated authCode with 400 malformed_callback, without calling DingTalk', async () => {
    const { browser, state } = await begin(await suite.app());
    const answer = await outcome(browser, `?authCode=a&authCode=b&state=${state}`);
    assert.deepEqual(answer, {
      user: false,
      info: {
        message: 'Invalid DingTalk callback: the "authCode" parameter must appear once, as text.',
        reason: 'malformed_callback',
      },
      status: 400,
    });
    assert.equal(emulator.counters.requests.token, 0);
  });

  for (const express of [4, 5] as const) {
    for (const bodyParser of ['urlencoded', 'json'] as const) {
      it(`refuses a code in the body (Express ${express}, express.${bodyParser}()) before the state check and the exchange`, async () => {
        const { browser, state } = await begin(await suite.app({}, { express, bodyParser }));
        const code = emulator.issueAuthCode();
        const send = browser.get('/callback').redirects(0);
        const response = await (bodyParser === 'json'
          ? send.set('content-type', 'application/json').send(JSON.stringify({ code, state }))
          : send.type('form').send(`code=${code}&state=${state}`));
        assert.equal(response.headers.location, '/failed');
        assert.match((await failures(browser))[0] ?? '', /must be in the query, not the body/);
        assert.equal(emulator.counters.requests.token, 0);
        assert.equal((await browser.get('/me')).body.user, null);
      });
    }
  }

  it('cannot be steered to another host by the query string of the login route', async () => {
    const app = await suite.app({ callbackURL: 'https://app.example.com/callback' });
    const location = await startLogin(
      app.browser(),
      '/login?authorizationURL=https://evil.example/&redirect_uri=https://evil.example/&client_id=x',
    );
    assert.equal(`${location.origin}${location.pathname}`, emulator.authorizationURL);
    assert.deepEqual(location.searchParams.getAll('redirect_uri'), ['https://app.example.com/callback']);
    assert.deepEqual(location.searchParams.getAll('client_id'), [emulator.clientID]);
  });

  for (const express of [4, 5] as const) {
    it(`answers a wrong client secret with a 502 from Express ${express}’s own error handler, not a 401`, async () => {
      const app = await suite.app(
        { state: false, clientSecret: 'not-the-right-secret' },
        { express, expressErrorHandler: true },
      );
      const response = await app.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });
      assert.equal(response.status, 502);
      // Express's page outside production shows the error: DingTalk's code names the developer's fix.
      assert.match(response.text, /DingTalkAPIError.*invalidClientIdOrSecret/);
      assert.doesNotMatch(response.text, /not-the-right-secret/);
    });
  }
});
