// The in-client login end to end over real HTTP: Express, Koa and Fastify apps with InAppStrategy
// against the in-process emulator, which plays DingTalk's api and oapi hosts.
import assert from 'node:assert/strict';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { type InAppOutcome, type InAppTestApp, type InAppTestAppOptions, startInAppApp } from './helpers/in-app-app';

// Every request path to DingTalk, so a test knows the app tokens that were sent.
const paths: string[] = [];
subscribe('http.client.request.start', (message) => paths.push((message as { request: ClientRequest }).request.path));
const appTokens = () => paths.flatMap((path) => new URL(path, 'http://x').searchParams.get('access_token') ?? []);

/** Starts an app, runs `body`, and closes the app and its emulator whatever happened. */
async function withApp(
  emulator: DingTalkEmulator,
  options: InAppTestAppOptions,
  body: (app: InAppTestApp) => Promise<void>,
): Promise<void> {
  const app = await startInAppApp(options);
  try {
    await body(app);
  } finally {
    await app.close();
    await emulator.close();
  }
}

const frameworks = ['express', 'koa', 'fastify'] as const;

describe('in-client login over HTTP', () => {
  let clock = Date.now();
  let emulator: DingTalkEmulator;
  let english: DingTalkEmulator;
  const apps = {} as Record<(typeof frameworks)[number] | 'english', InAppTestApp>;

  before(async () => {
    emulator = await createDingTalkEmulator({ now: () => clock });
    english = await createDingTalkEmulator({ oapiMessages: 'en' });
    for (const framework of frameworks) {
      apps[framework] = await startInAppApp({
        inApp: { ...emulator.inAppStrategyOptions(), timeout: 500 },
        framework,
      });
    }
    apps.english = await startInAppApp({ inApp: english.inAppStrategyOptions() });
  });
  after(async () => {
    for (const app of Object.values(apps)) await app.close();
    await emulator?.close();
    await english?.close();
  });
  afterEach(() => {
    emulator.clearFaults();
    emulator.resetCounters();
    apps.express.errors.length = 0;
  });

  for (const framework of frameworks) {
    it(`${framework}: logs the member in and keeps them in the session; refuses a used code, a cross-site POST, a GET and an unparsed form`, async () => {
      const app = apps[framework];
      const corpId = emulator.inAppStrategyOptions().corpId;
      const user = emulator.users.find((u) => u.organizations.some((org) => org.corpId === corpId));
      assert.ok(user);
      const code = emulator.issueInAppCode({ unionId: user.unionId });
      const login = await app.post({ code });
      assert.equal(login.status, 200, JSON.stringify(login));
      const profile = login.user?.profile;
      assert.deepEqual([profile?.id, profile?.corpId, profile?.displayName], [user.unionId, corpId, user.nick]);
      assert.equal(profile?.userId, user.organizations.find((org) => org.corpId === corpId)?.userId);
      assert.equal((await app.me(login.cookie))?.id, user.unionId);

      const reused = await app.post({ code });
      assert.deepEqual([reused.status, reused.failure?.reason], [401, 'code_rejected']);
      const crossSite = await app.post({ code: emulator.issueInAppCode() }, { 'sec-fetch-site': 'cross-site' });
      assert.deepEqual([crossSite.status, crossSite.failure?.reason], [403, 'cross_site_request']);
      emulator.resetCounters();
      const get = await fetch(`${app.url}/in-app?code=${emulator.issueInAppCode()}`);
      assert.deepEqual([get.status, ((await get.json()) as InAppOutcome).failure?.reason], [400, 'malformed_request']);
      assert.equal(emulator.counters.requests.userInfo, 0);

      const formType = { 'content-type': 'application/x-www-form-urlencoded' };
      const form = (headers: object) => app.post(0, { ...formType, ...headers }, `code=${emulator.issueInAppCode()}`);
      if (framework === 'koa') {
        // The route parses JSON only: the strategy says so rather than "no code".
        const unparsed = await form({ 'sec-fetch-site': 'same-origin' });
        assert.equal(unparsed.status, 400);
        assert.equal(
          unparsed.failure?.message,
          "Invalid in-client login request: no parsed request body reached the strategy: the request's Content-Type " +
            "is application/x-www-form-urlencoded; add a body parser for it (express.urlencoded(), or @koa/bodyparser with 'form' in enableTypes with Koa) or post JSON.",
        );
      } else if (framework === 'express') {
        // A form from a browser that sends no Sec-Fetch-Site: its Origin must name this host.
        assert.equal((await form({ 'sec-fetch-site': 'same-origin' })).status, 200);
        assert.equal((await form({ origin: app.url })).status, 200);
        assert.equal((await form({ origin: 'https://evil.example' })).failure?.reason, 'cross_site_request');
      }
    });
  }

  it('refuses a used code and an OAuth authCode with 401 code_rejected, by errcode in either language, repeating no code', async () => {
    for (const [app, dingtalk, said] of [
      [apps.express, emulator, /40078: 不存在的临时授权码/],
      [apps.english, english, /40078: nonexistent temp auth code/],
    ] as const) {
      const code = dingtalk.issueInAppCode();
      assert.equal((await app.post({ code })).status, 200);
      for (const refused of [await app.post({ code }), await app.post({ code: dingtalk.issueAuthCode() })]) {
        assert.deepEqual([refused.status, refused.failure?.reason], [401, 'code_rejected'], JSON.stringify(refused));
        assert.match(refused.failure?.message ?? '', said);
        assert.ok(!refused.failure?.message.includes(code), 'the code is not repeated');
      }
    }
  });

  it('fetches a refused app token again once and retries: expired, revoked (in either language), a string errcode; not twice', async () => {
    const refusals: Array<[string, InAppTestApp, DingTalkEmulator, () => void]> = [
      ['expired (42001)', apps.express, emulator, () => (clock += 7201 * 1000)],
      ['revoked (88/40014)', apps.express, emulator, () => emulator.revokeAppTokens()],
      ['revoked (88/40014 "invalid access_token")', apps.english, english, () => english.revokeAppTokens()],
      [
        'refused with errcode "40014"',
        apps.express,
        emulator,
        () => emulator.inject('userinfo', { body: { errcode: '40014', errmsg: '不合法的access_token' }, times: 1 }),
      ],
    ];
    for (const [what, app, dingtalk, refuse] of refusals) {
      assert.equal((await app.post({ code: dingtalk.issueInAppCode() })).status, 200, what);
      refuse();
      dingtalk.resetCounters();
      const outcome = await app.post({ code: dingtalk.issueInAppCode() });
      assert.equal(outcome.status, 200, `${what}: ${JSON.stringify(outcome)}`);
      const { appToken, userInfo } = dingtalk.counters.requests;
      assert.deepEqual({ appToken, userInfo }, { appToken: 1, userInfo: 2 }, what);
    }
    emulator.resetCounters();
    assert.equal((await apps.express.post({ code: emulator.issueInAppCode() })).status, 200);
    assert.equal(emulator.counters.requests.appToken, 0, 'the new token is cached');

    const errmsg = 'ding talk error[subcode=40014,submsg=不合法的access_token]';
    emulator.inject('userinfo', { body: { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg } });
    emulator.resetCounters();
    const outcome = await apps.express.post({ code: emulator.issueInAppCode() });
    const { status, error } = outcome;
    assert.deepEqual([status, error?.name, error?.code, error?.subCode], [502, 'DingTalkAPIError', '88', '40014']);
    assert.equal(emulator.counters.requests.userInfo, 2, 'refused, fetched a token, refused again: no third try');
  });

  // What went wrong, where, and the error (name, status, message) the route gets.
  type Endpoint = Parameters<DingTalkEmulator['inject']>[0];
  const errorCases: Array<[Endpoint, Parameters<DingTalkEmulator['inject']>[1], string, number, RegExp]> = [
    [
      'userinfo',
      { body: { errcode: 88, errmsg: '鉴权异常', sub_code: '60020', sub_msg: '访问ip不在白名单之中' } },
      'DingTalkAPIError',
      502,
      /88: 鉴权异常 \(sub_code 60020: 访问ip不在白名单之中\).*allow-list/,
    ],
    [
      'user-details',
      { body: { errcode: 60011, errmsg: '没有调用该接口的权限' } },
      'DingTalkAPIError',
      502,
      /user details request.*60011.*qyapi_get_member/,
    ],
    ['userinfo', { kind: 'html' }, 'DingTalkResponseError', 502, /error page that is not DingTalk JSON/],
    ['userinfo', { kind: 'hang' }, 'DingTalkTimeoutError', 504, /500 ms/],
    ['userinfo', { kind: 'drop' }, 'DingTalkNetworkError', 502, /./],
    ['userinfo', { kind: 'throttle' }, 'DingTalkAPIError', 503, /retry later/],
    [
      'app-token',
      { status: 400, body: { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' } },
      'DingTalkAPIError',
      502,
      /app access token request.*invalidClientIdOrSecret/,
    ],
  ];
  for (const [endpoint, fault, name, status, message] of errorCases) {
    it(`ends ${endpoint} answering ${JSON.stringify(fault).slice(0, 40)} as error() with ${name} (${status}), no secret, token or code in it`, async () => {
      // Every case fetches the app token again: the cached one no longer works.
      emulator.revokeAppTokens();
      emulator.inject(endpoint, fault);
      const code = emulator.issueInAppCode();
      const { status: answered, error } = await apps.express.post({ code });
      assert.deepEqual([answered, error?.name], [status, name], JSON.stringify(error));
      assert.match(error?.message ?? '', message);
      const shown = inspect(apps.express.errors[0], { depth: 10, showHidden: true });
      assert.ok(appTokens().length > 0, 'the app tokens sent are known');
      for (const secret of [emulator.clientSecret, code, ...appTokens()]) assert.ok(!shown.includes(secret), shown);
    });
  }
});

describe('in-client login: shared work', () => {
  it('makes one app token request for 100 concurrent logins', async () => {
    const emulator = await createDingTalkEmulator();
    await withApp(emulator, { inApp: { ...emulator.inAppStrategyOptions(), skipUserDetails: true } }, async (app) => {
      const logins = Array.from({ length: 100 }, () => app.post({ code: emulator.issueInAppCode() }));
      assert.deepEqual(
        (await Promise.all(logins)).map(({ status }) => status),
        Array(100).fill(200),
      );
      const { appToken, userInfo, userDetails } = emulator.counters.requests;
      assert.deepEqual({ appToken, userInfo, userDetails }, { appToken: 1, userInfo: 100, userDetails: 0 });
    });
  });

  it('a third-party app: the organization the request names, getAccessToken asked again with the refused token', async () => {
    const emulator = await createDingTalkEmulator({ app: { type: 'third-party-enterprise' } });
    const asked: Array<[string, { rejectedToken?: string }]> = [];
    const tokens = new Map<string, string>();
    const { corpId: _ignored, accessTokenURL: _unused, ...options } = emulator.inAppStrategyOptions();
    const inApp = {
      ...options,
      corpId: (req: { body: { corpId?: string } }) => {
        if (req.body.corpId === 'dingthrow') throw new Error('tenant lookup failed');
        return req.body.corpId;
      },
      // As an app would: one cached token per organization, replaced when DingTalk refuses it.
      getAccessToken: async (corpId: string, context: { rejectedToken?: string }) => {
        asked.push([corpId, context]);
        if (corpId === 'dingstranger') return undefined;
        const cached = tokens.get(corpId);
        if (cached && cached !== context.rejectedToken) return cached;
        tokens.set(corpId, emulator.issueAppAccessToken(corpId));
        return tokens.get(corpId);
      },
    };
    await withApp(emulator, { inApp }, async (app) => {
      const user = emulator.users.find((u) => u.organizations.length > 1) ?? emulator.users[0];
      const corpId = user?.organizations.at(-1)?.corpId as string;
      const login = () => app.post({ code: emulator.issueInAppCode({ unionId: user?.unionId, corpId }), corpId });
      const first = await login();
      assert.equal(first.status, 200, JSON.stringify(first));
      assert.equal(first.user?.profile.corpId, corpId);
      assert.equal(first.user?.profile.phoneNumbers, undefined, 'a third-party app gets no mobile');
      assert.deepEqual(asked, [[corpId, {}]]);
      assert.equal(emulator.counters.requests.appToken, 0, "the strategy's own token endpoint is not used");

      const refused = tokens.get(corpId);
      emulator.revokeAppTokens();
      asked.length = 0;
      assert.equal((await login()).status, 200);
      assert.deepEqual(asked, [
        [corpId, {}],
        [corpId, { rejectedToken: refused }],
      ]);

      asked.length = 0;
      for (const named of [undefined, '$CORPID$', '<script>', 'x'.repeat(65)]) {
        const outcome = await app.post({ code: 'c0de1234', corpId: named });
        assert.deepEqual([outcome.status, outcome.failure?.reason], [400, 'unknown_organization'], String(named));
      }
      assert.deepEqual(asked, [], 'no token asked for a corpId that is not one');
      const stranger = await app.post({ code: 'c0de1234', corpId: 'dingstranger' });
      assert.deepEqual([stranger.status, stranger.failure?.reason], [403, 'unknown_organization']);
      const throwing = await app.post({ code: 'c0de1234', corpId: 'dingthrow' });
      assert.deepEqual([throwing.status, throwing.error?.message], [500, 'tenant lookup failed']);
    });
  });
});
