// A login as users run it: a real Express app (express-session, passport) against the emulated
// DingTalk, over HTTP: the authorize redirect, the consent page, the callback, the session, a state
// store, and refreshing the token afterwards. What fails on the way is in callback-failures.test.ts.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { AuthTokenRefresh } from 'passport-oauth2-refresh';
import {
  DingTalkAPIError,
  type StateStoreMeta,
  type StateStoreStoreCallback,
  type StateStoreVerifyCallback,
} from '../lib/index';
import type { DingTalkEmulator } from '../lib/testing/index';
import { decideOnDingTalk } from './frameworks/login-steps';
import { startLogin, type TestApp } from './helpers/app';
import { emulatedApps } from './helpers/emulated-apps';

interface LoggedInUser {
  accessToken: string;
  refreshToken: string;
  params: Record<string, unknown>;
  profile: { id: string; displayName: string; corpId?: string; provider: string };
}

describe('a login through DingTalk, over HTTP', () => {
  const suite = emulatedApps();
  let emulator: DingTalkEmulator;
  beforeEach(() => {
    emulator = suite.emulator;
  });

  for (const [express, scope] of [
    [4, 'openid'],
    [5, 'openid corpid'],
  ] as const) {
    it(`logs the user in through the consent page and keeps them in the session (Express ${express}, ${scope})`, async () => {
      const app = await suite.app({ scope }, { express });
      const browser = app.browser();
      const user = emulator.users[1];
      assert.ok(user);
      const back = await decideOnDingTalk((await startLogin(browser)).href, { unionId: user.unionId });
      // DingTalk's redirect carries the code as authCode and as code alike.
      assert.ok(back.searchParams.get('authCode'));
      assert.equal(back.searchParams.get('code'), back.searchParams.get('authCode'));
      const callback = await browser.get(`/callback${back.search}`).redirects(0);
      assert.equal(callback.status, 200, callback.text);
      const me = (await browser.get('/me')).body.user as LoggedInUser;
      assert.deepEqual(
        [me.profile.provider, me.profile.id, me.profile.displayName],
        ['dingtalk', user.unionId, user.nick],
      );
      assert.match(me.accessToken, /.{8,}/);
      assert.match(me.refreshToken, /.{8,}/);
      assert.deepEqual([me.params.expireIn, me.params.accessToken], [7200, me.accessToken]);
      // The organization the user picked, when the scope asks for one.
      const corpId = scope === 'openid' ? undefined : user.organizations[0]?.corpId;
      assert.deepEqual([me.params.corpId, me.profile.corpId], [corpId, corpId]);
      assert.deepEqual([emulator.counters.requests.token, emulator.counters.requests.profile], [1, 1]);
      assert.deepEqual(app.errors, []);
    });
  }

  it('sends the browser to DingTalk with every parameter it requires, redirect_uri and scopes encoded once', async () => {
    const callbackURL = 'http://127.0.0.1:3000/auth/callback?from=a b';
    const app = await suite.app({ callbackURL, scope: ['openid', 'corpid'] });
    const location = await startLogin(app.browser());
    assert.equal(`${location.origin}${location.pathname}`, emulator.authorizationURL);
    const params = location.searchParams;
    assert.deepEqual(
      ['response_type', 'prompt', 'client_id', 'scope', 'redirect_uri'].map((name) => params.get(name)),
      ['code', 'consent', emulator.clientID, 'openid corpid', callbackURL],
    );
    assert.match(params.get('state') ?? '', /^[A-Za-z0-9]{16,}$/);
    assert.match(location.search, /scope=openid%20corpid/);
    assert.match(location.search, /redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A3000%2Fauth%2Fcallback%3Ffrom%3Da%20b/);
  });

  it('generates a new state for every login, in a new browser or the same one', async () => {
    const app = await suite.app();
    const sameBrowser = app.browser();
    const states = new Set<string | null>();
    for (const browser of [app.browser(), app.browser(), app.browser(), sameBrowser, sameBrowser]) {
      states.add((await startLogin(browser)).searchParams.get('state'));
    }
    assert.equal(states.size, 5);
  });

  describe('resolves a relative callbackURL against the request', () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com, internal.lb' };
    const rows: [string, object, boolean, Record<string, string>, string][] = [
      ['to its own host', {}, false, {}, '{app}/callback'],
      ['ignoring X-Forwarded-* when no proxy is trusted', {}, false, forwarded, '{app}/callback'],
      [
        'to https and the forwarded host behind a trusted proxy',
        {},
        true,
        forwarded,
        'https://app.example.com/callback',
      ],
      [
        'to https with passport-oauth2’s proxy option',
        { proxy: true },
        false,
        forwarded,
        'https://app.example.com/callback',
      ],
      [
        'to plain http off loopback: an error naming the fix',
        {},
        false,
        { host: 'app.example.com' },
        'plain http.*trust proxy',
      ],
      [
        'to plain http with allowHttpCallbackURL',
        { allowHttpCallbackURL: true },
        false,
        { host: 'intranet.corp' },
        'http://intranet.corp/callback',
      ],
    ];
    for (const [name, strategy, trustProxy, headers, expected] of rows) {
      it(name, async () => {
        const app = await suite.app(strategy);
        app.expressApp.set('trust proxy', trustProxy);
        const response = await app.browser().get('/login').set(headers).redirects(0);
        if (response.status !== 302) {
          assert.equal(response.status, 500);
          assert.match(app.errors[0]?.message ?? '', new RegExp(expected));
          assert.equal(emulator.counters.requests.authorize, 0);
          return;
        }
        const redirectURI = new URL(response.headers.location as string).searchParams.get('redirect_uri') ?? '';
        assert.equal(redirectURI, expected.replace('{app}', app.url));
      });
    }
  });

  describe('hands a state store one meta for both legs', () => {
    const rows: [string, object, Record<string, string>, string][] = [
      [
        'with an absolute callbackURL',
        { callbackURL: 'https://app.example.com/callback' },
        {},
        'https://app.example.com/callback',
      ],
      [
        'with a relative callbackURL behind a trusted proxy',
        {},
        { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com' },
        'https://app.example.com/callback',
      ],
    ];
    for (const [name, strategy, headers, callbackURL] of rows) {
      it(name, async () => {
        const metas: StateStoreMeta[] = [];
        const store = {
          store(_req: unknown, meta: StateStoreMeta, callback: StateStoreStoreCallback) {
            metas.push(meta);
            callback(null, 'kept-state');
          },
          verify(_req: unknown, state: string, meta: StateStoreMeta, callback: StateStoreVerifyCallback) {
            metas.push(meta);
            callback(null, state === 'kept-state');
          },
        };
        const app: TestApp = await suite.app({ ...strategy, store });
        app.expressApp.set('trust proxy', true);
        const browser = app.browser();
        const start = await browser.get('/login').set(headers).redirects(0);
        const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
        assert.equal(state, 'kept-state');
        const callback = await browser
          .get('/callback')
          .set(headers)
          .query({ authCode: emulator.issueAuthCode(), state });
        assert.equal(callback.status, 200, callback.text);
        assert.equal(metas.length, 2);
        assert.deepEqual(metas[0], metas[1]);
        assert.deepEqual([metas[0]?.callbackURL, metas[0]?.clientID], [callbackURL, emulator.clientID]);
      });
    }
  });

  it('refreshes the token with passport-oauth2-refresh, and calls back with a DingTalkAPIError for an unknown one', async () => {
    const app = await suite.app({ state: false, scope: 'openid corpid' });
    const first = (
      await app
        .browser()
        .get('/callback')
        .query({ authCode: emulator.issueAuthCode({ scope: 'openid corpid' }) })
    ).body.user as LoggedInUser;
    const refresh = new AuthTokenRefresh();
    refresh.use(app.strategy);
    const refreshed = (refreshToken: string) =>
      new Promise<unknown[]>((resolve) =>
        refresh.requestNewAccessToken('dingtalk', refreshToken, (...answer) => resolve(answer)),
      );
    const [err, accessToken, refreshToken, params] = await refreshed(first.refreshToken);
    assert.equal(err, null);
    assert.ok(typeof accessToken === 'string' && accessToken !== first.accessToken);
    assert.ok(refreshToken);
    const { expireIn, corpId } = params as { expireIn: number; corpId: string };
    assert.deepEqual([expireIn, corpId], [7200, first.params.corpId]);
    // The refreshed token is real: DingTalk accepts it for the profile.
    const profile = await new Promise((resolve, reject) =>
      app.strategy.userProfile(accessToken, (error, p) => (error ? reject(error) : resolve(p))),
    );
    assert.equal((profile as { id: string }).id, first.profile.id);

    const [unknown, none] = await refreshed('not-a-refresh-token');
    assert.ok(unknown instanceof DingTalkAPIError);
    assert.deepEqual([unknown.endpoint, none], ['token', undefined]);
  });
});
