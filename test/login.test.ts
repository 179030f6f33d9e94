import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type {
  VerifyFunction,
  VerifyFunctionWithParams,
  VerifyFunctionWithRequest,
  VerifyFunctionWithRequestAndParams,
} from '../lib/index';
import type { DingTalkEmulator } from '../lib/testing/index';
import { startLogin, type TestApp, type TestAppOptions } from './helpers/app';
import { emulatedApps } from './helpers/emulated-apps';

interface LoggedInUser {
  accessToken: string;
  refreshToken: string;
  params?: Record<string, unknown>;
  profile: { id: string; displayName: string; unionId: string; corpId?: string; provider: string };
}

describe('a login through DingTalk', () => {
  const suite = emulatedApps();
  const app = (extra: Partial<TestAppOptions> = {}, strategy: object = {}) => suite.app(strategy, extra);
  let emulator: DingTalkEmulator;
  beforeEach(() => {
    emulator = suite.emulator;
  });

  /** Starts a login, has the emulator's user authorize it, and follows the callback. */
  async function logIn(started: TestApp, options: { unionId?: string; scope?: string; param?: string } = {}) {
    const browser = started.browser();
    const location = await startLogin(browser);
    const scope = options.scope ?? location.searchParams.get('scope') ?? 'openid';
    const code = emulator.issueAuthCode({ ...(options.unionId ? { unionId: options.unionId } : {}), scope });
    const state = location.searchParams.get('state') ?? '';
    const callback = await browser
      .get('/callback')
      .query({ [options.param ?? 'authCode']: code, state })
      .redirects(0);
    return { browser, callback, code, state };
  }

  for (const major of [4, 5] as const) {
    it(`logs the user in and keeps the profile in the session (Express ${major})`, async () => {
      const started = await app({ express: major });
      const user = emulator.users[1];
      assert.ok(user);
      const { browser, callback } = await logIn(started, { unionId: user.unionId });
      assert.equal(callback.status, 200, JSON.stringify(callback.body));
      const me = (await browser.get('/me')).body.user as LoggedInUser;
      assert.equal(me.profile.provider, 'dingtalk');
      assert.equal(me.profile.id, user.unionId);
      assert.equal(me.profile.displayName, user.nick);
      assert.match(me.accessToken, /.{8,}/);
      assert.match(me.refreshToken, /.{8,}/);
      assert.equal(me.params?.expireIn, 7200);
      assert.equal(me.params?.accessToken, me.accessToken);
      assert.equal(emulator.counters.requests.token, 1);
      assert.equal(emulator.counters.requests.profile, 1);
    });

    it(`accepts the code in a "code" parameter too (Express ${major})`, async () => {
      const { callback } = await logIn(await app({ express: major }), { param: 'code' });
      assert.equal(callback.status, 200);
      assert.equal(callback.body.user.profile.id, emulator.users[0]?.unionId);
    });
  }

  it('passes the organization the user picked as params.corpId and profile.corpId', async () => {
    const started = await app({}, { scope: 'openid corpid' });
    const { callback } = await logIn(started);
    const user = callback.body.user as LoggedInUser;
    const corpId = emulator.users[0]?.organizations[0]?.corpId;
    assert.ok(corpId);
    assert.equal(user.params?.corpId, corpId);
    assert.equal(user.profile.corpId, corpId);
  });

  describe('calls every verify form passport-oauth2 supports', () => {
    const record = (args: unknown[]) => ({ count: args.length, kinds: args.map((arg) => typeof arg) });

    it('(accessToken, refreshToken, profile, done)', async () => {
      const verify: VerifyFunction = (accessToken, refreshToken, profile, done) =>
        done(null, { ...record([accessToken, refreshToken, profile]), id: profile.id });
      const { callback } = await logIn(await app({ verify }));
      assert.deepEqual(callback.body.user, {
        count: 3,
        kinds: ['string', 'string', 'object'],
        id: emulator.users[0]?.unionId,
      });
    });

    it('(accessToken, refreshToken, params, profile, done)', async () => {
      const verify: VerifyFunctionWithParams = (_accessToken, _refreshToken, params, profile, done) =>
        done(null, { expireIn: params.expireIn, id: profile.id });
      const { callback } = await logIn(await app({ verify }));
      assert.deepEqual(callback.body.user, { expireIn: 7200, id: emulator.users[0]?.unionId });
    });

    it('(req, accessToken, refreshToken, profile, done) with passReqToCallback', async () => {
      const verify: VerifyFunctionWithRequest = (req, _accessToken, _refreshToken, profile, done) =>
        done(null, { path: req.path, id: profile.id });
      const { callback } = await logIn(await app({ verify }, { passReqToCallback: true }));
      assert.deepEqual(callback.body.user, { path: '/callback', id: emulator.users[0]?.unionId });
    });

    it('(req, accessToken, refreshToken, params, profile, done) with passReqToCallback', async () => {
      const verify: VerifyFunctionWithRequestAndParams = (req, _accessToken, _refreshToken, params, profile, done) =>
        done(null, { path: req.path, expireIn: params.expireIn, id: profile.id });
      const { callback } = await logIn(await app({ verify }, { passReqToCallback: true }));
      assert.deepEqual(callback.body.user, { path: '/callback', expireIn: 7200, id: emulator.users[0]?.unionId });
    });
  });

  describe('verify outcomes', () => {
    it('fails the login with the message verify gives when it returns no user', async () => {
      const verify: VerifyFunction = (_a, _r, _p, done) => done(null, false, { message: 'Not an employee' });
      const { callback, browser } = await logIn(await app({ verify }));
      assert.equal(callback.headers.location, '/failed');
      assert.deepEqual((await browser.get('/failed')).body.messages, ['Not an employee']);
    });

    it('sends an error from verify to the error handler', async () => {
      const failing: VerifyFunction = (_a, _r, _p, done) => done(new Error('database down'));
      const started = await app({ verify: failing });
      const { callback } = await logIn(started);
      assert.equal(callback.status, 500);
      assert.equal(started.errors.at(-1)?.message, 'database down');
    });

    it('sends an exception thrown by verify to the error handler', async () => {
      const started = await app({
        verify: () => {
          throw new Error('verify threw');
        },
      });
      const { callback } = await logIn(started);
      assert.equal(callback.status, 500);
      assert.equal(started.errors.at(-1)?.message, 'verify threw');
    });

    it('sends a rejection of an async verify to the error handler instead of hanging', async () => {
      const verify = (async (_a: string, _r: string, _p: unknown, _done: unknown) => {
        throw new Error('async verify rejected');
      }) as unknown as VerifyFunction;
      const started = await app({ verify });
      const { callback } = await logIn(started);
      assert.equal(callback.status, 500);
      assert.equal(started.errors.at(-1)?.message, 'async verify rejected');
    });
  });

  describe('skipUserProfile', () => {
    it('makes no profile request when true', async () => {
      const verify: VerifyFunction = (accessToken, _r, profile, done) =>
        done(null, { accessToken, profile: profile ?? null });
      const { callback } = await logIn(await app({ verify }, { skipUserProfile: true }));
      assert.equal(callback.status, 200);
      assert.equal(callback.body.user.profile, null);
      assert.equal(emulator.counters.requests.profile, 0);
    });

    it('asks a callback function per login', async () => {
      const seen: string[] = [];
      const skipUserProfile = (accessToken: string, done: (err: unknown, skip?: boolean) => void) => {
        seen.push(accessToken);
        done(null, true);
      };
      const verify: VerifyFunction = (accessToken, _r, profile, done) =>
        done(null, { accessToken, profile: profile ?? null });
      const { callback } = await logIn(await app({ verify }, { skipUserProfile }));
      assert.deepEqual(seen, [callback.body.user.accessToken]);
      assert.equal(emulator.counters.requests.profile, 0);
    });
  });

  it('hands a custom state store the request, the state and the metadata', async () => {
    const calls: unknown[] = [];
    const store = {
      store(_req: unknown, _meta: unknown, callback: (err: Error | null, state: string) => void) {
        callback(null, 'custom-state');
      },
      verify(_req: unknown, state: string, meta: { clientID: string }, callback: (e: null, ok: boolean) => void) {
        calls.push({ state, clientID: meta.clientID });
        callback(null, state === 'custom-state');
      },
    };
    const started = await app({}, { state: undefined, store });
    const { callback } = await logIn(started);
    assert.equal(callback.status, 200);
    assert.deepEqual(calls, [{ state: 'custom-state', clientID: emulator.clientID }]);
  });
});
