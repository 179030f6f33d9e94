// The in-client login end to end over real HTTP: an Express app with InAppStrategy against the
// in-process emulator, which plays DingTalk's api and oapi hosts.
import assert from 'node:assert/strict';
import { Agent, type ClientRequest } from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { type InAppTestApp, startInAppApp } from './helpers/in-app-app';

/** An agent that records every request path, so a test knows the app tokens that were sent. */
class RecordingAgent extends Agent {
  readonly paths: string[] = [];
  addRequest(req: ClientRequest, options: object): void {
    this.paths.push(req.path);
    (Agent.prototype as unknown as { addRequest(req: ClientRequest, options: object): void }).addRequest.call(
      this,
      req,
      options,
    );
  }
  /** The app tokens sent in query strings so far. */
  appTokens(): string[] {
    const tokens = this.paths.map((path) => new URL(path, 'http://x').searchParams.get('access_token'));
    return tokens.filter((token): token is string => token !== null);
  }
}

describe('in-client login over HTTP', () => {
  let clock = Date.now();
  const agent = new RecordingAgent({ keepAlive: true });
  let emulator: DingTalkEmulator;
  let app: InAppTestApp;

  before(async () => {
    emulator = await createDingTalkEmulator({ now: () => clock });
    app = await startInAppApp({
      inApp: { ...emulator.inAppStrategyOptions(), timeout: 1000, agent },
      browser: { ...emulator.strategyOptions(), callbackURL: 'http://127.0.0.1/browser/callback' },
    });
  });
  after(async () => {
    await app?.close();
    await emulator?.close();
    agent.destroy();
  });
  afterEach(() => {
    emulator.clearFaults();
    emulator.resetCounters();
    app.errors.length = 0;
  });

  const inAppCorpId = () => emulator.inAppStrategyOptions().corpId;
  const member = () => {
    const corpId = inAppCorpId();
    const user = emulator.users.find((u) => u.organizations.some((org) => org.corpId === corpId));
    assert.ok(user, 'the emulator has a member of its in-client organization');
    const organization = user.organizations.find((org) => org.corpId === corpId);
    return { user, organization: organization as NonNullable<typeof organization> };
  };

  it('logs the member in with the details, and keeps them in the session', async () => {
    const { user, organization } = member();
    const outcome = await app.post({ code: emulator.issueInAppCode({ unionId: user.unionId }) });
    assert.equal(outcome.status, 200, JSON.stringify(outcome));
    const profile = outcome.user?.profile;
    assert.ok(profile);
    assert.equal(profile.provider, 'dingtalk');
    assert.equal(profile.id, user.unionId);
    assert.equal(profile.unionId, user.unionId);
    assert.equal(profile.userId, organization.userId);
    assert.equal(profile.corpId, inAppCorpId());
    assert.equal(profile.displayName, user.nick);
    assert.equal(profile.adminLevel, organization.sysLevel ?? 0);
    assert.equal(profile.isAdmin, organization.sysLevel === 1 || organization.sysLevel === 2);
    if (user.email) assert.deepEqual(profile.emails?.[0], { value: user.email, verified: false });
    if (user.mobile) assert.deepEqual(profile.phoneNumbers, [{ value: `+${user.stateCode}${user.mobile}` }]);
    if (user.avatarUrl) assert.match(profile.photos?.[0]?.value ?? '', /^http:\/\/127\.0\.0\.1:\d+\/avatars\//);
    assert.equal(profile._json.unionid, user.unionId);
    assert.equal(profile._details?.userid, organization.userId);
    assert.deepEqual(emulator.counters.requests.appToken, 1);
    assert.deepEqual(emulator.counters.requests.userInfo, 1);
    assert.deepEqual(emulator.counters.requests.userDetails, 1);
  });

  it('gives the same user id as the browser login for the same person', async () => {
    const { user } = member();
    const inApp = await app.post({ code: emulator.issueInAppCode({ unionId: user.unionId }) });
    const code = emulator.issueAuthCode({ unionId: user.unionId });
    const browser = await fetch(`${app.url}/browser/callback?authCode=${code}`);
    assert.equal(browser.status, 200);
    const browserUser = ((await browser.json()) as { user: { id: string; via: string } }).user;
    assert.equal(browserUser.via, 'browser');
    assert.equal(inApp.user?.via, 'in-app');
    assert.equal(inApp.user?.id, browserUser.id);
  });

  it('refuses a used code with 401 code_rejected, and an OAuth authCode too', async () => {
    const code = emulator.issueInAppCode();
    assert.equal((await app.post({ code })).status, 200);
    const reused = await app.post({ code });
    assert.equal(reused.status, 401);
    assert.equal(reused.failure?.reason, 'code_rejected');
    assert.match(reused.failure?.message ?? '', /40078/);
    const oauthCode = await app.post({ code: emulator.issueAuthCode() });
    assert.equal(oauthCode.failure?.reason, 'code_rejected');
    for (const text of [reused.failure?.message, oauthCode.failure?.message]) {
      assert.ok(!text?.includes(code), 'the code is not repeated');
    }
  });

  it('refuses a cross-site POST and a GET without asking DingTalk', async () => {
    const crossSite = await app.post({ code: emulator.issueInAppCode() }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.failure?.reason, 'cross_site_request');
    const sameOrigin = await app.post({ code: emulator.issueInAppCode() }, { 'sec-fetch-site': 'same-origin' });
    assert.equal(sameOrigin.status, 200);
    emulator.resetCounters();
    const get = await fetch(`${app.url}/in-app?code=${emulator.issueInAppCode()}`, { method: 'GET' });
    assert.equal(get.status, 404, 'the route is POST only; the strategy would refuse a GET too');
    const repeated = await fetch(`${app.url}/in-app`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: 'code=a1b2c3d4&code=e5f6a7b8',
    });
    assert.equal(repeated.status, 400);
    assert.equal(emulator.counters.requests.userInfo, 0);
    assert.equal(emulator.counters.requests.appToken, 0);
  });

  it('accepts the code from a form body when the browser shows it came from this site', async () => {
    const postForm = (headers: Record<string, string>) =>
      fetch(`${app.url}/in-app`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: `code=${emulator.issueInAppCode()}`,
      });
    assert.equal((await postForm({ 'sec-fetch-site': 'same-origin' })).status, 200);
    assert.equal((await postForm({ origin: app.url })).status, 200);
    // A browser that sends no Sec-Fetch-Site, posting a form from elsewhere or from nowhere.
    emulator.resetCounters();
    for (const headers of [{}, { origin: 'https://evil.example' }, { origin: 'null' }] as Record<string, string>[]) {
      const refused = await postForm(headers);
      assert.equal(refused.status, 403, JSON.stringify(headers));
      assert.equal(((await refused.json()) as { failure: { reason: string } }).failure.reason, 'cross_site_request');
    }
    assert.equal(emulator.counters.requests.userInfo, 0);
  });

  it('says that no parsed body reached the strategy, naming the Content-Type, for a form to a JSON-only route', async () => {
    const jsonOnly = await startInAppApp({ inApp: emulator.inAppStrategyOptions(), jsonOnly: true });
    try {
      const code = emulator.issueInAppCode();
      emulator.resetCounters();
      const response = await fetch(`${jsonOnly.url}/in-app`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        body: `code=${code}`,
      });
      const { failure } = (await response.json()) as { failure: { reason: string; message: string } };
      assert.equal(response.status, 400);
      assert.equal(failure.reason, 'malformed_request');
      assert.equal(
        failure.message,
        "Invalid in-client login request: no parsed request body reached the strategy: the request's Content-Type " +
          "is application/x-www-form-urlencoded; add a body parser for it (express.urlencoded(), or @koa/bodyparser with 'form' in enableTypes with Koa) or post JSON.",
      );
      assert.equal(emulator.counters.requests.userInfo, 0);
      // The same route still logs in with JSON.
      assert.equal((await jsonOnly.post({ code: emulator.issueInAppCode() })).status, 200);
    } finally {
      await jsonOnly.close();
    }
  });

  it('fetches a new app token once DingTalk says the cached one expired (42001), and retries', async () => {
    assert.equal((await app.post({ code: emulator.issueInAppCode() })).status, 200);
    emulator.resetCounters();
    clock += 7201 * 1000;
    const outcome = await app.post({ code: emulator.issueInAppCode() });
    assert.equal(outcome.status, 200, JSON.stringify(outcome));
    assert.equal(emulator.counters.requests.appToken, 1);
    assert.equal(emulator.counters.requests.userInfo, 2);
  });

  it('fetches a new app token once DingTalk revoked the cached one (40014), and retries', async () => {
    assert.equal((await app.post({ code: emulator.issueInAppCode() })).status, 200);
    emulator.revokeAppTokens();
    emulator.resetCounters();
    assert.equal((await app.post({ code: emulator.issueInAppCode() })).status, 200);
    assert.equal(emulator.counters.requests.appToken, 1);
    emulator.resetCounters();
    assert.equal((await app.post({ code: emulator.issueInAppCode() })).status, 200);
    assert.equal(emulator.counters.requests.appToken, 0, 'the new token is cached');
  });

  it('retries once on errcode 88 with sub_code 40014', async () => {
    emulator.inject('userinfo', {
      body: { errcode: 88, errmsg: '鉴权异常', sub_code: '40014', sub_msg: '不合法的access_token' },
      times: 1,
    });
    const outcome = await app.post({ code: emulator.issueInAppCode() });
    assert.equal(outcome.status, 200, JSON.stringify(outcome));
    assert.equal(emulator.counters.requests.userInfo, 2);
  });

  it('gives up after one retry when DingTalk keeps refusing the token (88/40014, as topapi answers it)', async () => {
    const errmsg = 'ding talk error[subcode=40014,submsg=不合法的access_token]';
    emulator.inject('userinfo', {
      body: { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg },
    });
    const outcome = await app.post({ code: emulator.issueInAppCode() });
    assert.equal(outcome.status, 502);
    assert.equal(outcome.error?.name, 'DingTalkAPIError');
    assert.equal(outcome.error?.code, '88');
    assert.equal(outcome.error?.subCode, '40014');
    assert.equal(emulator.counters.requests.userInfo, 2);
  });

  const errorCases: Array<[string, () => void, number, string, RegExp]> = [
    [
      'errcode 88 with another sub_code',
      () =>
        emulator.inject('userinfo', {
          body: { errcode: 88, errmsg: '鉴权异常', sub_code: '60020', sub_msg: '访问ip不在白名单之中' },
        }),
      502,
      'DingTalkAPIError',
      /88: 鉴权异常 \(sub_code 60020: 访问ip不在白名单之中\).*allow-list/,
    ],
    [
      'a missing permission (60011)',
      () => emulator.inject('user-details', { body: { errcode: 60011, errmsg: '没有调用该接口的权限' } }),
      502,
      'DingTalkAPIError',
      /user details request.*60011.*qyapi_get_member/,
    ],
    [
      'an HTML page',
      () => emulator.inject('userinfo', { kind: 'html' }),
      502,
      'DingTalkResponseError',
      /error page that is not DingTalk JSON/,
    ],
    ['a timeout', () => emulator.inject('userinfo', { kind: 'hang' }), 504, 'DingTalkTimeoutError', /1000 ms/],
    ['a reset connection', () => emulator.inject('userinfo', { kind: 'drop' }), 502, 'DingTalkNetworkError', /./],
    ['throttling', () => emulator.inject('userinfo', { kind: 'throttle' }), 503, 'DingTalkAPIError', /retry later/],
    [
      'a bad app secret',
      () =>
        emulator.inject('app-token', {
          status: 400,
          body: { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' },
        }),
      502,
      'DingTalkAPIError',
      /app access token request.*invalidClientIdOrSecret/,
    ],
  ];
  for (const [what, inject, status, name, message] of errorCases) {
    it(`ends ${what} as error() with ${name} (${status}), no secret, token or code in it`, async () => {
      // Every case fetches the app token again: the cached one no longer works.
      emulator.revokeAppTokens();
      inject();
      const code = emulator.issueInAppCode();
      const outcome = await app.post({ code });
      assert.equal(outcome.status, status, JSON.stringify(outcome));
      assert.equal(outcome.error?.name, name);
      assert.match(outcome.error?.message ?? '', message);
      const [error] = app.errors;
      const shown = inspect(error, { depth: 10, showHidden: true });
      const appTokens = agent.appTokens();
      assert.ok(appTokens.length > 0 || what === 'a bad app secret', 'the app tokens sent are known');
      for (const secret of [emulator.clientSecret, code, ...appTokens]) {
        assert.ok(!shown.includes(secret), `leaked in ${shown}`);
      }
    });
  }
});

describe('in-client login: 1,000 concurrent logins', () => {
  it('make exactly one app token request', async () => {
    const emulator = await createDingTalkEmulator();
    const app = await startInAppApp({ inApp: { ...emulator.inAppStrategyOptions(), skipUserDetails: true } });
    try {
      const codes = Array.from({ length: 1000 }, () => emulator.issueInAppCode());
      const outcomes = await Promise.all(codes.map((code) => app.post({ code })));
      assert.deepEqual(
        outcomes.filter((outcome) => outcome.status !== 200),
        [],
      );
      assert.equal(emulator.counters.requests.appToken, 1);
      assert.equal(emulator.counters.requests.userInfo, 1000);
      assert.equal(emulator.counters.requests.userDetails, 0);
    } finally {
      await app.close();
      await emulator.close();
    }
  });
});

describe('in-client login of a third-party app (getAccessToken)', () => {
  it('asks getAccessToken for the organization the request names, and again with the refused token', async () => {
    const emulator = await createDingTalkEmulator({ app: { type: 'third-party-enterprise' } });
    const asked: Array<[string, object]> = [];
    const tokens = new Map<string, string>();
    const { corpId: _ignored, accessTokenURL: _unused, ...options } = emulator.inAppStrategyOptions();
    const app = await startInAppApp({
      inApp: {
        ...options,
        corpId: (req) => (req.body as { corpId?: string }).corpId,
        // As an app would: one cached token per organization, replaced when DingTalk refuses it.
        getAccessToken: async (corpId, context) => {
          asked.push([corpId, context]);
          const cached = tokens.get(corpId);
          if (cached && cached !== context.rejectedToken) return cached;
          const token = emulator.issueAppAccessToken(corpId);
          tokens.set(corpId, token);
          return token;
        },
      },
    });
    try {
      const user = emulator.users.find((u) => u.organizations.length > 1) ?? emulator.users[0];
      assert.ok(user);
      const corpId = user.organizations.at(-1)?.corpId as string;
      const first = await app.post({ code: emulator.issueInAppCode({ unionId: user.unionId, corpId }), corpId });
      assert.equal(first.status, 200, JSON.stringify(first));
      assert.equal(first.user?.profile.corpId, corpId);
      assert.equal(first.user?.profile.phoneNumbers, undefined, 'a third-party app gets no mobile');
      assert.deepEqual(asked, [[corpId, {}]]);
      assert.equal(emulator.counters.requests.appToken, 0, "the strategy's own token endpoint is not used");

      emulator.revokeAppTokens();
      asked.length = 0;
      const second = await app.post({ code: emulator.issueInAppCode({ unionId: user.unionId, corpId }), corpId });
      assert.equal(second.status, 200, JSON.stringify(second));
      assert.equal(asked.length, 2);
      assert.deepEqual(asked[0], [corpId, {}]);
      assert.equal(asked[1]?.[0], corpId);
      const retryContext = (asked[1]?.[1] ?? {}) as { rejectedToken?: unknown };
      assert.equal(typeof retryContext.rejectedToken, 'string');

      const unknown = await app.post({ code: emulator.issueInAppCode({ unionId: user.unionId, corpId }) });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.failure?.reason, 'unknown_organization');
    } finally {
      await app.close();
      await emulator.close();
    }
  });
});

describe('in-client login against English errmsg texts (oapiMessages: "en")', () => {
  let emulator: DingTalkEmulator;
  let app: InAppTestApp;

  before(async () => {
    emulator = await createDingTalkEmulator({ oapiMessages: 'en' });
    app = await startInAppApp({
      inApp: { ...emulator.inAppStrategyOptions(), timeout: 1000 },
      browser: { ...emulator.strategyOptions(), callbackURL: 'http://127.0.0.1/browser/callback' },
    });
  });
  after(async () => {
    await app?.close();
    await emulator?.close();
  });

  it('refuses a used code with 401 code_rejected by its errcode (40078 "nonexistent temp auth code")', async () => {
    const code = emulator.issueInAppCode();
    assert.equal((await app.post({ code })).status, 200);
    const reused = await app.post({ code });
    assert.equal(reused.status, 401, JSON.stringify(reused));
    assert.equal(reused.failure?.reason, 'code_rejected');
    assert.match(reused.failure?.message ?? '', /40078: nonexistent temp auth code/);
  });

  it('fetches a revoked app token again once (88/40014 "invalid access_token"), and logs in', async () => {
    assert.equal((await app.post({ code: emulator.issueInAppCode() })).status, 200);
    emulator.revokeAppTokens();
    emulator.resetCounters();
    const outcome = await app.post({ code: emulator.issueInAppCode() });
    assert.equal(outcome.status, 200, JSON.stringify(outcome));
    assert.equal(emulator.counters.requests.appToken, 1, 'one new token');
    assert.equal(emulator.counters.requests.userInfo, 2, 'refused once, then answered');
  });
});
