import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import {
  DingTalkAPIError,
  type FetchFunction,
  type Profile,
  type StateStoreMeta,
  type StateStoreStoreCallback,
  type StateStoreVerifyCallback,
  Strategy,
  type VerifyFunction,
} from '../lib/index';
import type { DingTalkEmulator } from '../lib/testing/index';
import { decideOnDingTalk } from './frameworks/login-steps';
import { startLogin, type TestApp } from './helpers/app';
import { emulatedApps } from './helpers/emulated-apps';
import { watchProcess } from './helpers/process-watch';

type TokenHook = (
  code: string,
  params: Record<string, unknown>,
  callback: (err: unknown, accessToken?: string, refreshToken?: string, results?: object) => void,
) => void;

/** The hooks passport-oauth2 documents as overridable, as a test (or an app) reaches them. */
interface Hooks {
  _oauth2: { getOAuthAccessToken: TokenHook };
  _verify: (...args: unknown[]) => void;
  _stateStore: unknown;
  userProfile: (accessToken: string, done: (err: unknown, profile?: object) => void) => void;
}
const hooksOf = (strategy: Strategy) => strategy as unknown as Hooks;

const otherCorp = 'dingemulatorcorp0002';
const allowedCorp = 'dingemulatorcorp0001';

describe('one login pipeline: what Passport users rely on, over real HTTP', () => {
  const suite = emulatedApps();
  const watch = watchProcess();
  let emulator: DingTalkEmulator;
  beforeEach(() => {
    emulator = suite.emulator;
  });
  after(() => watch.stop());

  /** Starts a login in a fresh browser and returns it with the state DingTalk would echo. */
  async function begin(app: TestApp) {
    const browser = app.browser();
    const state = (await startLogin(browser)).searchParams.get('state') ?? '';
    return { browser, state };
  }

  async function outcome(app: TestApp, query: Record<string, string>) {
    const { browser, state } = await begin(app);
    const response = await browser.get('/callback-outcome').query({ state, ...query });
    assert.equal(response.status, 200, response.text);
    return response.body as { user: unknown; info: Record<string, unknown> | null; status: number | null };
  }

  describe('every fail() the strategy makes carries a reason', () => {
    it('access_denied, with DingTalk’s error value, when DingTalk sends error=', async () => {
      const answer = await outcome(await suite.app(), { error: 'access_denied' });
      assert.equal(answer.user, false);
      assert.deepEqual(answer.info, {
        message: 'DingTalk login was not authorized: access_denied',
        reason: 'access_denied',
        dingtalkError: 'access_denied',
      });
      assert.equal(emulator.counters.requests.token, 0);
    });

    it('checks the state of a refusal first, and uses it up', async () => {
      const app = await suite.app();
      const { browser, state } = await begin(app);
      const forged = await browser.get('/callback-outcome').query({ error: 'access_denied', state: 'forged' });
      assert.equal(forged.body.info.reason, 'state_mismatch');
      const { browser: other, state: otherState } = await begin(app);
      const cancelled = await other.get('/callback-outcome').query({ error: 'access_denied', state: otherState });
      assert.equal(cancelled.body.info.reason, 'access_denied');
      const replayed = await other
        .get('/callback-outcome')
        .query({ authCode: emulator.issueAuthCode(), state: otherState });
      assert.equal(replayed.body.info.reason, 'state_mismatch', 'the refused login’s state is gone');
      assert.equal(emulator.counters.requests.token, 0);
      assert.ok(state);
    });

    it('access_denied too for any other error value, never a server error', async () => {
      const app = await suite.app();
      const answer = await outcome(app, { error: 'invalid_request' });
      assert.equal(answer.info?.reason, 'access_denied');
      assert.equal(answer.info?.dingtalkError, 'invalid_request');
      assert.deepEqual(app.errors, []);
    });

    it('malformed_callback with status 400, without calling DingTalk', async () => {
      const { browser, state } = await begin(await suite.app());
      const response = await browser.get(`/callback-outcome?authCode=a&authCode=b&state=${state}`);
      assert.equal(response.body.status, 400);
      assert.equal(response.body.info.reason, 'malformed_callback');
      assert.equal(emulator.counters.requests.token, 0);
    });

    it('state_mismatch with status 403 and the store’s message, without calling DingTalk', async () => {
      const answer = await outcome(await suite.app(), { authCode: emulator.issueAuthCode(), state: 'forged' });
      assert.equal(answer.status, 403);
      assert.equal(answer.info?.reason, 'state_mismatch');
      assert.equal(answer.info?.message, 'Invalid authorization request state.');
      assert.equal(emulator.counters.requests.token, 0);
    });

    it('code_rejected with status 401 when DingTalk refuses a used code, not an error', async () => {
      const app = await suite.app({ state: false });
      const code = emulator.issueAuthCode();
      assert.notEqual((await outcome(app, { authCode: code })).user, false);
      const again = await outcome(app, { authCode: code });
      assert.equal(again.status, 401);
      assert.equal(again.info?.reason, 'code_rejected');
      assert.doesNotMatch(String(again.info?.message), new RegExp(code));
      assert.deepEqual(app.errors, []);
    });

    it('logs in through the consent page’s redirect, which carries authCode and code alike', async () => {
      const app = await suite.app();
      const browser = app.browser();
      const back = await decideOnDingTalk((await startLogin(browser)).href, { unionId: 'union-wangwu' });
      assert.equal(back.searchParams.get('code'), back.searchParams.get('authCode'));
      assert.ok(back.searchParams.get('code'));
      const response = await browser.get(`/callback-outcome${back.search}`);
      assert.equal(response.status, 200, response.text);
      assert.equal((response.body as { user: { profile: { id: string } } }).user.profile.id, 'union-wangwu');
      assert.deepEqual(app.errors, []);
    });

    it('code_rejected for DingTalk’s captured invalidParameter.authCode.notFound, by its code alone', async () => {
      const app = await suite.app({ state: false });
      // The emulator's default answer to a made-up code is the capture itself.
      const madeUp = await outcome(app, { authCode: 'made-up-code' });
      assert.equal(madeUp.status, 401);
      assert.equal(madeUp.info?.reason, 'code_rejected');
      // The same code with a message that names nothing: the identifier alone decides.
      emulator.inject('token', {
        status: 400,
        body: { code: 'invalidParameter.authCode.notFound', message: 'not found' },
        times: 1,
      });
      const silent = await outcome(app, { authCode: emulator.issueAuthCode() });
      assert.equal(silent.status, 401);
      assert.equal(silent.info?.reason, 'code_rejected');
      assert.deepEqual(app.errors, []);
    });

    it('leaves the info of a verify that refuses the login as verify gave it', async () => {
      const verify: VerifyFunction = (_a, _r, _p, done) => done(null, false, { message: 'Not an employee' });
      const answer = await outcome(await suite.app({}, { verify }), { authCode: emulator.issueAuthCode() });
      assert.deepEqual(answer.info, { message: 'Not an employee' });
    });
  });

  describe('a code in the request body is refused before the state check and the exchange', () => {
    for (const express of [4, 5] as const) {
      for (const bodyParser of ['urlencoded', 'json'] as const) {
        it(`on Express ${express} with express.${bodyParser}()`, async () => {
          const app = await suite.app(
            { scope: 'openid corpid', allowedCorpIds: [allowedCorp] },
            { express, bodyParser },
          );
          const { browser, state } = await begin(app);
          // A code for an organization the allow-list refuses, sent where DingTalk never puts it.
          const code = emulator.issueAuthCode({ scope: 'openid corpid', corpId: otherCorp });
          const send = browser.get('/callback').redirects(0);
          const response = await (bodyParser === 'json'
            ? send.set('content-type', 'application/json').send(JSON.stringify({ code, state }))
            : send.type('form').send(`code=${code}&state=${state}`));
          assert.equal(response.headers.location, '/failed');
          assert.match((await browser.get('/failed')).body.messages[0], /must be in the query, not the body/);
          assert.equal(emulator.counters.requests.token, 0);
          assert.equal((await browser.get('/me')).body.user, null);
        });
      }
    }

    it('even next to an authCode in the query', async () => {
      const app = await suite.app({}, { bodyParser: 'urlencoded' });
      const { browser, state } = await begin(app);
      const response = await browser
        .get('/callback-outcome')
        .query({ authCode: emulator.issueAuthCode(), state })
        .type('form')
        .send('state=other');
      assert.equal(response.body.status, 400);
      assert.equal(response.body.info.reason, 'malformed_callback');
      assert.equal(emulator.counters.requests.token, 0);
    });
  });

  describe('hooks are looked up at request time', () => {
    it('uses a stubbed _oauth2.getOAuthAccessToken and userProfile, never calling DingTalk', async () => {
      const app = await suite.app({ state: false });
      const hooks = hooksOf(app.strategy);
      const seen: string[] = [];
      hooks._oauth2.getOAuthAccessToken = (code, _params, callback) => {
        seen.push(code);
        callback(null, 'stub-access-token', 'stub-refresh-token', { accessToken: 'stub-access-token' });
      };
      hooks.userProfile = (accessToken, done) => done(null, { provider: 'dingtalk', id: `user-of-${accessToken}` });
      const response = await app.browser().get('/callback').query({ authCode: 'any-code' });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.user.profile.id, 'user-of-stub-access-token');
      assert.equal(response.body.user.refreshToken, 'stub-refresh-token');
      assert.deepEqual(seen, ['any-code']);
      assert.equal(emulator.counters.requests.token + emulator.counters.requests.profile, 0);
    });

    it('keeps the allow-list with _verify replaced and the exchange stubbed to another organization', async () => {
      const app = await suite.app({ state: false, scope: 'openid corpid', allowedCorpIds: [allowedCorp] });
      const hooks = hooksOf(app.strategy);
      let verifyCalls = 0;
      hooks._verify = (_accessToken: unknown, _refreshToken: unknown, profile: unknown, done: unknown) => {
        verifyCalls++;
        (done as (err: null, user: object) => void)(null, { profile });
      };
      let corpId = otherCorp;
      hooks._oauth2.getOAuthAccessToken = (_code, _params, callback) =>
        callback(null, 'stub-access-token', '', { accessToken: 'stub-access-token', corpId });
      hooks.userProfile = (_token, done) => done(null, { provider: 'dingtalk', id: 'stub-user' });

      const refused = await app.browser().get('/callback-outcome').query({ authCode: 'c' });
      assert.equal(refused.body.status, 403);
      assert.equal(refused.body.info.reason, 'organization_not_allowed');
      assert.equal(verifyCalls, 0);

      corpId = allowedCorp;
      const allowed = await app.browser().get('/callback').query({ authCode: 'c' });
      assert.equal(allowed.status, 200);
      assert.deepEqual(allowed.body.user, { profile: { provider: 'dingtalk', id: 'stub-user', corpId: allowedCorp } });
      assert.equal(verifyCalls, 1);
    });

    it('refuses an allow-listed login whose token answer names no organization', async () => {
      const app = await suite.app({ state: false, scope: 'openid corpid', allowedCorpIds: [allowedCorp] });
      hooksOf(app.strategy)._oauth2.getOAuthAccessToken = (_code, _params, callback) => callback(null, 'at', '', {});
      const refused = await app.browser().get('/callback-outcome').query({ authCode: 'c' });
      assert.equal(refused.body.info.reason, 'organization_not_allowed');
      assert.equal(emulator.counters.requests.profile, 0);
    });

    it('uses a _stateStore replaced after construction, for both legs', async () => {
      const app = await suite.app();
      const calls: string[] = [];
      hooksOf(app.strategy)._stateStore = {
        store(_req: unknown, callback: StateStoreStoreCallback) {
          calls.push('store');
          callback(null, 'state-from-my-store');
        },
        verify(_req: unknown, state: string, callback: StateStoreVerifyCallback) {
          calls.push(`verify ${state}`);
          callback(null, state === 'state-from-my-store', { message: 'not mine' });
        },
      };
      const { browser, state } = await begin(app);
      assert.equal(state, 'state-from-my-store');
      const response = await browser.get('/callback').query({ authCode: emulator.issueAuthCode(), state });
      assert.equal(response.status, 200);
      assert.deepEqual(calls, ['store', 'verify state-from-my-store']);
    });

    it('runs a subclass’s userProfile, which can add to the DingTalk profile', async () => {
      class WithDepartment extends Strategy {
        override userProfile(accessToken: string, done: (err?: unknown, profile?: Profile) => void): void {
          super.userProfile(accessToken, (err, profile) =>
            done(err, profile && Object.assign(profile, { department: 'R&D' })),
          );
        }
      }
      const app = await suite.app({ state: false }, { StrategyClass: WithDepartment });
      const response = await app.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });
      assert.equal(response.status, 200);
      assert.equal(response.body.user.profile.department, 'R&D');
      assert.equal(response.body.user.profile.id, emulator.users[0]?.unionId);
    });

    it('hands what a subclass’s tokenParams returns to the token hook, not to DingTalk’s JSON body', async () => {
      class WithTokenParams extends Strategy {
        override tokenParams(): object {
          return { audience: 'my-api' };
        }
      }
      const bodies: string[] = [];
      const recordingFetch: FetchFunction = (url, init) => {
        bodies.push(init.body ?? '');
        return globalThis.fetch(url, init);
      };
      const app = await suite.app({ state: false, fetch: recordingFetch }, { StrategyClass: WithTokenParams });
      const hooks = hooksOf(app.strategy);
      const original = hooks._oauth2.getOAuthAccessToken;
      const params: Record<string, unknown>[] = [];
      hooks._oauth2.getOAuthAccessToken = (code, given, callback) => {
        params.push(given);
        original(code, given, callback);
      };
      const response = await app.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });
      assert.equal(response.status, 200);
      assert.equal(params[0]?.audience, 'my-api');
      assert.equal(params[0]?.grant_type, 'authorization_code');
      assert.deepEqual(Object.keys(JSON.parse(bodies[0] ?? '{}')).sort(), [
        'clientId',
        'clientSecret',
        'code',
        'grantType',
      ]);
    });

    it('runs a subclass’s authorizationParams when a login starts', async () => {
      class WithLanguage extends Strategy {
        override authorizationParams(options: object): Record<string, string> {
          return { ...super.authorizationParams(options), lang: 'zh_CN' };
        }
      }
      const app = await suite.app({}, { StrategyClass: WithLanguage });
      const location = await startLogin(app.browser());
      assert.equal(location.searchParams.get('lang'), 'zh_CN');
      assert.equal(location.searchParams.get('prompt'), 'consent');
    });
  });

  describe('a relative callbackURL resolved to plain http off loopback', () => {
    it('is an error naming the fix, before DingTalk is involved', async () => {
      const app = await suite.app();
      const response = await app.browser().get('/login').set('host', 'app.example.com').redirects(0);
      assert.equal(response.status, 500);
      assert.match(app.errors[0]?.message ?? '', /plain http.*trust proxy/);
      assert.equal(emulator.counters.requests.authorize, 0);
    });

    it('is allowed with allowHttpCallbackURL, for an http-only intranet', async () => {
      const app = await suite.app({ allowHttpCallbackURL: true });
      const location = await app.browser().get('/login').set('host', 'intranet.corp').redirects(0);
      assert.equal(location.status, 302);
      const redirectURI = new URL(location.headers.location as string).searchParams.get('redirect_uri');
      assert.equal(redirectURI, 'http://intranet.corp/callback');
    });
  });

  describe('a state store sees one meta for both legs', () => {
    function recordingStore() {
      const metas: StateStoreMeta[] = [];
      return {
        metas,
        store(_req: unknown, meta: StateStoreMeta, callback: StateStoreStoreCallback) {
          metas.push(meta);
          callback(null, 'kept-state');
        },
        verify(_req: unknown, state: string, meta: StateStoreMeta, callback: StateStoreVerifyCallback) {
          metas.push(meta);
          callback(null, state === 'kept-state');
        },
      };
    }

    async function logInWith(app: TestApp, headers: Record<string, string> = {}) {
      const browser = app.browser();
      const start = await browser.get('/login').set(headers).redirects(0);
      const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
      const callback = await browser.get('/callback').set(headers).query({ authCode: emulator.issueAuthCode(), state });
      assert.equal(callback.status, 200, callback.text);
    }

    it('with an absolute callbackURL', async () => {
      const store = recordingStore();
      const app = await suite.app({ store, callbackURL: 'https://app.example.com/callback' });
      await logInWith(app);
      assert.equal(store.metas.length, 2);
      assert.deepEqual(store.metas[0], store.metas[1]);
      assert.equal(store.metas[0]?.callbackURL, 'https://app.example.com/callback');
    });

    it('with a relative callbackURL behind a trusted proxy', async () => {
      const store = recordingStore();
      const app = await suite.app({ store });
      app.expressApp.set('trust proxy', true);
      await logInWith(app, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com' });
      assert.equal(store.metas.length, 2);
      assert.deepEqual(store.metas[0], store.metas[1]);
      assert.equal(store.metas[1]?.callbackURL, 'https://app.example.com/callback');
      assert.equal(store.metas[1]?.clientID, emulator.clientID);
    });
  });

  describe('errors reach the app’s error handler as typed 5xx errors', () => {
    it('a throttled token exchange: DingTalkAPIError, throttled, with retryAfterSeconds and status 503', async () => {
      emulator.inject('token', {
        status: 429,
        body: { code: '90018', message: 'toofast' },
        headers: { 'retry-after': '7' },
      });
      const app = await suite.app({ state: false });
      await app.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });
      const [error] = app.errors;
      assert.ok(error instanceof DingTalkAPIError, String(error));
      assert.equal(error.throttled, true);
      assert.equal(error.retryAfterSeconds, 7);
      assert.equal(error.status, 503);
      assert.equal(error.statusCode, 503);
      assert.equal(error.dingtalkStatus, 429);
    });

    for (const express of [4, 5] as const) {
      it(`a wrong client secret makes Express ${express}’s own error handler answer 502, not 401`, async () => {
        const app = await suite.app(
          { state: false, clientSecret: 'not-the-right-secret' },
          { express, expressErrorHandler: true },
        );
        const response = await app.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });
        assert.equal(response.status, 502);
        assert.doesNotMatch(response.text, /not-the-right-secret/);
      });
    }

    it('an async verify that rejects, with no unhandled rejection', async () => {
      const verify: VerifyFunction = async () => {
        throw new Error('the user database is down');
      };
      const app = await suite.app({ state: false }, { verify });
      const response = await app.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });
      assert.equal(response.status, 500);
      assert.equal(app.errors[0]?.message, 'the user database is down');
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(watch.problems, []);
    });

    it('a verify that throws', async () => {
      const verify: VerifyFunction = () => {
        throw new Error('verify threw');
      };
      const app = await suite.app({ state: false }, { verify });
      const response = await app.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });
      assert.equal(response.status, 500);
      assert.equal(app.errors[0]?.message, 'verify threw');
    });

    it('a done called twice, or a rejection after done, has no second effect', async () => {
      const verify: VerifyFunction = async (_a, _r, profile, done) => {
        done(null, { id: profile.id });
        done(new Error('second call'));
        throw new Error('rejected after done');
      };
      const app = await suite.app({ state: false }, { verify });
      const response = await app.browser().get('/callback').query({ authCode: emulator.issueAuthCode() });
      assert.equal(response.status, 200);
      assert.deepEqual(response.body.user, { id: emulator.users[0]?.unionId });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(app.errors, []);
      assert.deepEqual(watch.problems, []);
    });
  });
});
