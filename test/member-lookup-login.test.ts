// memberLookup end to end over real HTTP: an Express app with the browser Strategy against the
// in-process emulator, which plays DingTalk's login page, its v1.0 API and oapi's directory.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import chai from 'chai';
import chaiPassportStrategy from 'chai-passport-strategy';
import nodeFetch from 'node-fetch';
import type { FetchFunction, MemberProfile, VerifyFunction } from '../lib/index';
import { Strategy } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { startApp, type TestApp } from './helpers/app';
import { startInAppApp } from './helpers/in-app-app';

chai.use(chaiPassportStrategy);

/** What /callback-outcome answers: passport's custom callback arguments as JSON. */
interface Outcome {
  user: { id: string; profile: MemberProfile } | false;
  info: { reason?: string; message?: string } | null;
  status: number | null;
}

/** A fetch that records every URL the strategy asks, so a test knows the app tokens it sent. */
function recordingFetch() {
  const urls: string[] = [];
  const fetch = ((url: string, init?: object) => {
    urls.push(url);
    return nodeFetch(url, init);
  }) as unknown as FetchFunction;
  const appTokens = () =>
    urls.map((url) => new URL(url).searchParams.get('access_token')).filter((token) => token !== null);
  return { fetch, urls, appTokens };
}

describe('memberLookup over HTTP against the emulator', () => {
  let emulator: DingTalkEmulator;
  const apps: TestApp[] = [];
  let verified: MemberProfile[] = [];
  const verify: VerifyFunction<MemberProfile> = (_accessToken, _refreshToken, profile, done) => {
    verified.push(profile);
    done(null, { id: profile.id, profile });
  };

  before(async () => {
    emulator = await createDingTalkEmulator();
  });
  afterEach(() => {
    emulator.clearFaults();
    emulator.resetCounters();
    verified = [];
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await emulator.close();
  });

  async function appWith(strategy: object = {}) {
    const app = await startApp({
      strategy: { ...emulator.strategyOptions({ memberLookup: true }), callbackURL: '/callback', ...strategy },
      verify: verify as VerifyFunction,
    });
    apps.push(app);
    return app;
  }

  /** A callback as DingTalk redirects back after `unionId` authorized for `corpId`. */
  async function callback(app: TestApp, unionId: string, corpId?: string): Promise<Outcome> {
    const code = emulator.issueAuthCode({ unionId, scope: 'openid corpid', ...(corpId ? { corpId } : {}) });
    const response = await app.browser().get('/callback-outcome').query({ authCode: code });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body as Outcome;
  }

  const inClientCorpId = () => emulator.inAppStrategyOptions().corpId;
  const userNamed = (nick: string) => {
    const user = emulator.users.find((candidate) => candidate.nick === nick);
    assert.ok(user, nick);
    return user;
  };

  it('logs a member in with userId, departments, title, job number and the admin flag from user/get', async () => {
    const app = await appWith();
    const zhangsan = userNamed('张三');
    const organization = zhangsan.organizations.find((org) => org.corpId === inClientCorpId());
    assert.ok(organization);
    const outcome = await callback(app, zhangsan.unionId, organization.corpId);
    assert.ok(outcome.user, JSON.stringify(outcome));
    const profile = outcome.user.profile;
    assert.equal(profile.id, zhangsan.unionId);
    assert.equal(profile.userId, organization.userId);
    assert.equal(profile.corpId, organization.corpId);
    assert.deepEqual(profile.departmentIds, organization.deptIds);
    assert.equal(profile.title, organization.title);
    assert.equal(profile.jobNumber, organization.jobNumber);
    assert.equal(profile.isAdmin, true, '张三 is the primary administrator');
    assert.equal(profile._details?.userid, organization.userId);
    assert.deepEqual(profile._details?.role_list, [
      {
        id: organization.roles?.[0]?.id,
        name: organization.roles?.[0]?.name,
        group_name: organization.roles?.[0]?.groupName,
      },
    ]);
    const { requests } = emulator.counters;
    assert.deepEqual(
      [requests.token, requests.profile, requests.appToken, requests.getByUnionId, requests.userDetails],
      [1, 1, 1, 1, 1],
    );
  });

  it('with skipUserDetails, asks getbyunionid only', async () => {
    const app = await appWith({ skipUserDetails: true });
    const zhangsan = userNamed('张三');
    const outcome = await callback(app, zhangsan.unionId, inClientCorpId());
    assert.ok(outcome.user);
    assert.equal(outcome.user.profile.userId, 'zhangsan');
    assert.equal(outcome.user.profile.isAdmin, undefined);
    assert.equal(outcome.user.profile.departmentIds, undefined);
    assert.equal(emulator.counters.requests.getByUnionId, 1);
    assert.equal(emulator.counters.requests.userDetails, 0);
  });

  it('refuses someone who picks another organization before asking DingTalk (organization_not_allowed)', async () => {
    const app = await appWith();
    for (const nick of ['李四', '王五']) {
      const outcome = await callback(app, userNamed(nick).unionId);
      assert.equal(outcome.user, false);
      assert.equal(outcome.status, 403);
      assert.equal(outcome.info?.reason, 'organization_not_allowed', nick);
    }
    assert.equal(verified.length, 0);
    assert.deepEqual([emulator.counters.requests.profile, emulator.counters.requests.getByUnionId], [0, 0]);
  });

  // DingTalk's consent page offers a user only the organizations they are a member of, so it never
  // names an organization that does not know them. A getAccessToken that answers with the token
  // of another organization (the in-client one) stands in for that case: its directory is asked.
  for (const [who, nick, why] of [
    ['someone the organization does not know (60121)', '李四', 'a member of another organization only'],
    ['an external contact (contact_type 1)', '王五', 'an external contact of the organization'],
  ] as const) {
    it(`refuses ${who} with 403 not_a_member, before verify`, async () => {
      const app = await appWith({
        allowedCorpIds: undefined,
        getAccessToken: () => emulator.issueAppAccessToken(inClientCorpId()),
      });
      const user = userNamed(nick);
      assert.equal(
        user.organizations.some((org) => org.corpId === inClientCorpId()),
        false,
        `${nick} is ${why}`,
      );
      const outcome = await callback(app, user.unionId);
      assert.equal(outcome.user, false);
      assert.equal(outcome.status, 403);
      assert.equal(outcome.info?.reason, 'not_a_member');
      assert.equal(verified.length, 0);
      assert.equal(emulator.counters.requests.getByUnionId, 1);
      assert.equal(emulator.counters.requests.userDetails, 0);
    });
  }

  it('shows the failure page of a plain failureRedirect route to someone refused', async () => {
    const app = await appWith();
    const browser = app.browser();
    const code = emulator.issueAuthCode({ unionId: userNamed('李四').unionId, scope: 'openid corpid' });
    const callbackResponse = await browser.get('/callback').query({ authCode: code }).redirects(0);
    assert.equal(callbackResponse.status, 302);
    assert.equal(callbackResponse.headers.location, '/failed');
    const failed = await browser.get('/failed');
    assert.match(failed.body.messages[0], /dingemulatorcorp0003 may not log in/);
  });

  it('fetches a revoked app token again once, and logs in', async () => {
    const app = await appWith();
    const zhangsan = userNamed('张三');
    assert.ok((await callback(app, zhangsan.unionId, inClientCorpId())).user);
    emulator.revokeAppTokens();
    emulator.resetCounters();
    assert.ok((await callback(app, zhangsan.unionId, inClientCorpId())).user);
    const { requests } = emulator.counters;
    assert.equal(requests.appToken, 1, 'one new token');
    assert.equal(requests.getByUnionId, 2, 'refused once (88/40014), then answered');
    assert.equal(requests.userDetails, 1);
  });

  it('with English errmsg texts (oapiMessages: "en"), still refetches a revoked token once and refuses a non-member', async () => {
    const english = await createDingTalkEmulator({ oapiMessages: 'en' });
    try {
      const app = await startApp({
        strategy: { ...english.strategyOptions({ memberLookup: true }), callbackURL: '/callback' },
        verify: verify as VerifyFunction,
      });
      apps.push(app);
      const login = async (unionId: string): Promise<Outcome> => {
        const corpId = english.inAppStrategyOptions().corpId;
        const code = english.issueAuthCode({ unionId, scope: 'openid corpid', corpId });
        const response = await app.browser().get('/callback-outcome').query({ authCode: code });
        assert.equal(response.status, 200, JSON.stringify(response.body));
        return response.body as Outcome;
      };
      const zhangsan = english.users.find((user) => user.nick === '张三');
      assert.ok(zhangsan);
      assert.ok((await login(zhangsan.unionId)).user);
      english.revokeAppTokens();
      english.resetCounters();
      assert.ok((await login(zhangsan.unionId)).user);
      assert.equal(english.counters.requests.appToken, 1, 'one new token');
      assert.equal(english.counters.requests.getByUnionId, 2, 'refused once (88/40014), then answered');
      const anyOrganization = await startApp({
        strategy: {
          ...english.strategyOptions({ memberLookup: true }),
          callbackURL: '/callback',
          allowedCorpIds: undefined,
          getAccessToken: () => english.issueAppAccessToken(english.inAppStrategyOptions().corpId),
        },
        verify: verify as VerifyFunction,
      });
      apps.push(anyOrganization);
      const lisi = english.users.find((user) => user.nick === '李四');
      assert.ok(lisi);
      const code = english.issueAuthCode({ unionId: lisi.unionId, scope: 'openid corpid' });
      const refused = await anyOrganization.browser().get('/callback-outcome').query({ authCode: code });
      assert.equal(refused.body.status, 403, JSON.stringify(refused.body));
      assert.equal(refused.body.info?.reason, 'not_a_member', '60121 "user not found" read by its errcode');
    } finally {
      await english.close();
    }
  });

  it('asks a third-party app’s getAccessToken for the organization the user picked', async () => {
    const asked: string[] = [];
    const app = await appWith({
      allowedCorpIds: undefined,
      getAccessToken: (corpId: string) => {
        asked.push(corpId);
        return emulator.issueAppAccessToken(corpId);
      },
    });
    const lisi = userNamed('李四');
    const organization = lisi.organizations[0];
    assert.ok(organization);
    const outcome = await callback(app, lisi.unionId, organization.corpId);
    assert.ok(outcome.user, JSON.stringify(outcome));
    assert.equal(outcome.user.profile.userId, organization.userId);
    assert.equal(outcome.user.profile.corpId, organization.corpId);
    assert.deepEqual(asked, [organization.corpId]);
    assert.equal(emulator.counters.requests.appToken, 0, 'the app supplied the token');
  });

  it('answers 502 naming the permission when the app lacks qyapi_get_member, with no secret in the error', async () => {
    const strict = await createDingTalkEmulator({ permissions: ['Contact.User.Read', 'qyapi_base'] });
    const recorder = recordingFetch();
    const app = await startApp({
      strategy: {
        ...strict.strategyOptions({ memberLookup: true }),
        callbackURL: '/callback',
        fetch: recorder.fetch,
      },
    });
    try {
      const code = strict.issueAuthCode({ scope: 'openid corpid', corpId: 'dingemulatorcorp0001' });
      const response = await app.browser().get('/callback').query({ authCode: code });
      assert.equal(response.status, 500, 'the test app answers every error 500');
      const error = app.errors[0] as Error & { status?: number; endpoint?: string; code?: string };
      assert.equal(error.name, 'DingTalkAPIError');
      assert.equal(error.endpoint, 'member-lookup');
      assert.equal(error.code, '60011');
      assert.equal(error.status, 502);
      assert.match(error.message, /qyapi_get_member/);
      const shown = inspect(error, { depth: 10, showHidden: true });
      const secrets = [strict.clientSecret, code, ...recorder.appTokens()];
      assert.ok(recorder.appTokens().length > 0, 'an app token was sent');
      for (const secret of secrets) assert.equal(shown.includes(secret), false, secret);
    } finally {
      await app.close();
      await strict.close();
    }
  });

  it('keeps every secret out of the errors of a throttled, a dropped and a malformed lookup', async () => {
    const recorder = recordingFetch();
    const app = await appWith({ fetch: recorder.fetch, timeout: 2000 });
    const zhangsan = userNamed('张三');
    for (const fault of [{ kind: 'throttle' }, { kind: 'drop' }, { kind: 'malformed-json' }] as const) {
      emulator.inject('getbyunionid', { ...fault, times: 1 });
      const code = emulator.issueAuthCode({ unionId: zhangsan.unionId, scope: 'openid corpid' });
      const response = await app.browser().get('/callback').query({ authCode: code });
      assert.equal(response.status, 500, fault.kind);
      const error = app.errors.at(-1) as Error & { status: number };
      assert.ok(error.status >= 500 && error.status < 600, `${fault.kind}: ${error.status}`);
      const shown = `${inspect(error, { depth: 10, showHidden: true })} ${JSON.stringify(error)}`;
      for (const secret of [emulator.clientSecret, code, ...recorder.appTokens()]) {
        assert.equal(shown.includes(secret), false, `${fault.kind}: ${secret}`);
      }
    }
    assert.equal(verified.length, 0);
  });

  it('with chai-passport-strategy and userProfile stubbed, the real lookup still refuses a non-member', async () => {
    const strategy = new Strategy(
      { ...emulator.strategyOptions({ memberLookup: true }), callbackURL: 'http://127.0.0.1/callback' },
      verify,
    );
    const hooks = strategy as unknown as {
      _oauth2: { getOAuthAccessToken(code: string, params: object, cb: (...args: unknown[]) => void): void };
      userProfile(token: string, done: (err: unknown, profile?: object) => void): void;
    };
    const stranger = userNamed('李四');
    hooks._oauth2.getOAuthAccessToken = (_code, _params, cb) =>
      cb(null, 'stubbed-access-token', '', { accessToken: 'stubbed-access-token', corpId: inClientCorpId() });
    hooks.userProfile = (_token, done) =>
      done(null, { provider: 'dingtalk', id: stranger.unionId, unionId: stranger.unionId, displayName: '' });
    const outcome = await new Promise<{ challenge: { reason?: string }; status?: number }>((resolve, reject) => {
      chai.passport
        .use(strategy)
        .request((req) => {
          req.query = { authCode: 'stubbed-code' };
        })
        .fail((challenge, status) => resolve({ challenge: challenge as { reason?: string }, status }))
        .success(() => reject(new Error('a non-member logged in')))
        .error(reject)
        .authenticate();
    });
    assert.equal(outcome.challenge.reason, 'not_a_member');
    assert.equal(outcome.status, 403);
    assert.equal(emulator.counters.requests.getByUnionId, 1, 'the emulator was asked');
    assert.equal(emulator.counters.requests.token + emulator.counters.requests.profile, 0, 'those were stubbed');
  });
});

describe('memberLookup: 200 concurrent logins on a cold cache', () => {
  it('make one app-token request, and every one logs in', async () => {
    const emulator = await createDingTalkEmulator();
    const app = await startApp({
      strategy: { ...emulator.strategyOptions({ memberLookup: true }), callbackURL: '/callback' },
    });
    try {
      const codes = Array.from({ length: 200 }, () =>
        emulator.issueAuthCode({ scope: 'openid corpid', corpId: 'dingemulatorcorp0001' }),
      );
      const responses = await Promise.all(
        codes.map((code) => fetch(`${app.url}/callback-outcome?authCode=${encodeURIComponent(code)}`)),
      );
      const outcomes = (await Promise.all(responses.map((response) => response.json()))) as Outcome[];
      assert.deepEqual(new Set(responses.map((response) => response.status)), new Set([200]));
      assert.deepEqual(
        new Set(outcomes.map((outcome) => (outcome.user || undefined)?.profile.userId)),
        new Set(['zhangsan']),
      );
      const { requests } = emulator.counters;
      assert.equal(requests.appToken, 1);
      assert.equal(requests.getByUnionId, 200);
      assert.equal(requests.userDetails, 200);
    } finally {
      await app.close();
      await emulator.close();
    }
  });
});

describe('one member across both logins', () => {
  it('gives the same id, userId and departmentIds through Strategy with memberLookup and InAppStrategy', async () => {
    const emulator = await createDingTalkEmulator();
    const app = await startInAppApp({
      inApp: emulator.inAppStrategyOptions(),
      browser: {
        ...emulator.strategyOptions({ memberLookup: true }),
        callbackURL: 'http://127.0.0.1/browser/callback',
      },
    });
    try {
      const corpId = emulator.inAppStrategyOptions().corpId;
      const member = emulator.users.find((user) => user.organizations.some((org) => org.corpId === corpId));
      assert.ok(member);
      const code = emulator.issueAuthCode({ unionId: member.unionId, scope: 'openid corpid', corpId });
      const browser = await fetch(`${app.url}/browser/callback?authCode=${code}`);
      assert.equal(browser.status, 200);
      const browserProfile = ((await browser.json()) as { user: { profile: MemberProfile } }).user.profile;
      const inApp = await app.post({ code: emulator.issueInAppCode({ unionId: member.unionId }) });
      assert.equal(inApp.status, 200, JSON.stringify(inApp));
      const inAppProfile = inApp.user?.profile;
      assert.ok(inAppProfile);
      for (const field of ['id', 'userId', 'corpId', 'departmentIds', 'title', 'jobNumber', 'isAdmin'] as const) {
        assert.deepEqual(browserProfile[field], inAppProfile[field], field);
      }
      assert.equal(browserProfile.userId, member.organizations.find((org) => org.corpId === corpId)?.userId);
      // Both strategies are one app in one process: one app token served both logins.
      assert.equal(emulator.counters.requests.appToken, 1);
    } finally {
      await app.close();
      await emulator.close();
    }
  });
});
