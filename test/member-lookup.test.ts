// memberLookup on the browser Strategy, driven as apps test it (chai-passport-strategy, no server)
// with a fake fetch playing api.dingtalk.com and oapi.dingtalk.com: what the profile gains, who is
// refused, how the app token is reused and replaced, the hook apps stub, and the options' rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import chai from 'chai';
import chaiPassportStrategy, { type PassportTestRequest } from 'chai-passport-strategy';
import {
  type AccessTokenRequestContext,
  DingTalkAPIError,
  type DingTalkMember,
  type FetchFunction,
  type FetchResponse,
  type LookupMemberCallback,
  type MemberProfile,
  type Profile,
  Strategy,
  type StrategyOptions,
} from '../lib/index';
import { tokenBody, userMeBody } from './fixtures/dingtalk';

chai.use(chaiPassportStrategy);

const secret = 'member-lookup-client-secret';
const authCode = 'authCodeMemberLookup0001';
const userToken = tokenBody.accessToken;
const corpId = tokenBody.corpId;

type Endpoint = 'userAccessToken' | 'me' | 'accessToken' | 'getbyunionid' | 'get';
type Answers = Partial<Record<Endpoint, (body: Record<string, unknown>, query: URLSearchParams) => object>>;

const memberDetails = {
  userid: 'manager4220',
  unionid: userMeBody.unionId,
  name: '张三',
  avatar: 'https://static.dingtalk.com/media/member.jpg',
  org_email: 'zhangsan@corp.example.com',
  title: '技术总监',
  job_number: 'E0001',
  dept_id_list: [1, 42],
  admin: true,
  boss: false,
};

let appTokensIssued = 0;
const defaults: Required<Answers> = {
  userAccessToken: () => tokenBody,
  me: () => userMeBody,
  accessToken: () => ({ accessToken: `app-token-${++appTokensIssued}`, expireIn: 7200 }),
  getbyunionid: () => ({ errcode: 0, errmsg: 'ok', result: { contact_type: 0, userid: 'manager4220' } }),
  get: () => ({ errcode: 0, errmsg: 'ok', result: memberDetails }),
};

/** A fetch answering each endpoint from `answers` (HTTP 200, JSON), recording every request. */
function fakeDingTalk(answers: Answers = {}) {
  const requests: Array<{ endpoint: Endpoint; body: Record<string, unknown>; query: URLSearchParams }> = [];
  const fetch: FetchFunction = async (url, init) => {
    const parsed = new URL(url);
    const endpoint = parsed.pathname.split('/').pop() as Endpoint;
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : {};
    requests.push({ endpoint, body, query: parsed.searchParams });
    const text = JSON.stringify((answers[endpoint] ?? defaults[endpoint])(body, parsed.searchParams));
    const response: FetchResponse = {
      status: 200,
      headers: { get: (header) => (header === 'content-type' ? 'application/json' : null) },
      text: async () => text,
    };
    return response;
  };
  return { fetch, requests, endpoints: () => requests.map((request) => request.endpoint) };
}

// Each test's app is its own (strategies of one app share its token across the process).
let apps = 0;
function optionsFor(fetch: FetchFunction): StrategyOptions<true> {
  return {
    clientID: `ding-member-app-${++apps}`,
    clientSecret: secret,
    callbackURL: 'https://www.example.com/auth/dingtalk/callback',
    memberLookup: true,
    // The app's own token answers for the app's own organization: the login is pinned to it.
    allowedCorpIds: [corpId],
    fetch,
  };
}

type Outcome = { action: string; args: unknown[] };

/** One callback request, as DingTalk redirects back, run on the strategy as passport runs it. */
function callback(strategy: Strategy<boolean>, prepare?: (req: PassportTestRequest) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const settle =
      (action: string) =>
      (...args: unknown[]) =>
        resolve({ action, args });
    chai.passport
      .use(strategy)
      .request((req) => {
        req.query = { authCode };
        prepare?.(req);
      })
      .success(settle('success'))
      .fail(settle('fail'))
      .error(settle('error'))
      .redirect(settle('redirect'))
      .authenticate();
  });
}

/** A strategy whose verify hands the profile over as the user, and says whether it ran. */
function memberStrategy(dingtalk: ReturnType<typeof fakeDingTalk>, extra: object = {}) {
  const verified: MemberProfile[] = [];
  const strategy = new Strategy({ ...optionsFor(dingtalk.fetch), ...extra }, (_at, _rt, profile, done) => {
    verified.push(profile);
    done(null, profile);
  });
  return { strategy, verified };
}

function assertNotAMember(outcome: Outcome, verified: unknown[]): void {
  assert.equal(outcome.action, 'fail', JSON.stringify(outcome.args));
  const [challenge, status] = outcome.args as [{ reason: string; message: string }, number];
  assert.equal(challenge.reason, 'not_a_member');
  assert.equal(status, 403);
  assert.match(challenge.message, /not a member/);
  assert.equal(verified.length, 0, 'verify never runs');
}

describe('memberLookup: who the user is in the organization', () => {
  it('gives verify the member: userId, corpId, admin flag, title, job number, departments, details', async () => {
    const dingtalk = fakeDingTalk();
    const { strategy, verified } = memberStrategy(dingtalk);
    const outcome = await callback(strategy);
    assert.equal(outcome.action, 'success', JSON.stringify(outcome.args));
    const profile = verified[0] as MemberProfile;
    assert.equal(profile.id, userMeBody.unionId, 'id stays the unionId');
    assert.equal(profile.userId, 'manager4220');
    assert.equal(profile.corpId, corpId);
    assert.equal(profile.isAdmin, true);
    assert.equal(profile.title, '技术总监');
    assert.equal(profile.jobNumber, 'E0001');
    assert.deepEqual(profile.departmentIds, [1, 42]);
    assert.deepEqual(profile._details, memberDetails);
    // users/me had an email and an avatar: the account's own are kept.
    assert.deepEqual(profile.emails, [{ value: userMeBody.email, verified: false }]);
    assert.deepEqual(profile.photos, [{ value: userMeBody.avatarUrl }]);
    assert.deepEqual(dingtalk.endpoints(), ['userAccessToken', 'me', 'accessToken', 'getbyunionid', 'get']);
    const [, , appToken, lookup, details] = dingtalk.requests;
    assert.deepEqual(appToken?.body, { appKey: `ding-member-app-${apps}`, appSecret: secret });
    assert.deepEqual(lookup?.body, { unionid: userMeBody.unionId });
    assert.equal(lookup?.query.get('access_token'), `app-token-${appTokensIssued}`);
    assert.deepEqual(details?.body, { userid: 'manager4220', language: 'zh_CN' });
  });

  it('fills emails, photos and phone numbers from the details where users/me had none', async () => {
    const { email: _e, avatarUrl: _a, mobile: _m, stateCode: _s, ...bare } = userMeBody;
    const dingtalk = fakeDingTalk({
      me: () => bare,
      get: () => ({ errcode: 0, result: { ...memberDetails, mobile: '13800000001', state_code: '86' } }),
    });
    const { strategy, verified } = memberStrategy(dingtalk);
    assert.equal((await callback(strategy)).action, 'success');
    const profile = verified[0] as MemberProfile;
    assert.deepEqual(profile.emails, [{ value: 'zhangsan@corp.example.com', verified: false }]);
    assert.deepEqual(profile.photos, [{ value: memberDetails.avatar }]);
    assert.deepEqual(profile.phoneNumbers, [{ value: '+8613800000001' }]);
  });

  it('with skipUserDetails, asks getbyunionid only: userId and corpId, no admin flag', async () => {
    const dingtalk = fakeDingTalk();
    const { strategy, verified } = memberStrategy(dingtalk, { skipUserDetails: true });
    assert.equal((await callback(strategy)).action, 'success');
    const profile = verified[0] as MemberProfile;
    assert.equal(profile.userId, 'manager4220');
    assert.equal(profile.corpId, corpId);
    assert.equal('isAdmin' in profile, false, 'nothing else tells');
    assert.equal(profile._details, undefined);
    assert.deepEqual(dingtalk.endpoints(), ['userAccessToken', 'me', 'accessToken', 'getbyunionid']);
  });

  it('refuses someone the organization does not know (60121) with 403 not_a_member', async () => {
    const dingtalk = fakeDingTalk({ getbyunionid: () => ({ errcode: 60121, errmsg: '找不到该用户' }) });
    const { strategy, verified } = memberStrategy(dingtalk);
    assertNotAMember(await callback(strategy), verified);
    assert.deepEqual(dingtalk.endpoints(), ['userAccessToken', 'me', 'accessToken', 'getbyunionid']);
  });

  it('refuses an external contact (contact_type 1), and an answer with no contact_type', async () => {
    for (const result of [{ contact_type: 1, userid: 'external01' }, { userid: 'manager4220' }]) {
      const dingtalk = fakeDingTalk({ getbyunionid: () => ({ errcode: 0, errmsg: 'ok', result }) });
      const { strategy, verified } = memberStrategy(dingtalk);
      assertNotAMember(await callback(strategy), verified);
    }
  });

  it('refuses a login whose token answer names no organization, before the profile', async () => {
    const { corpId: _c, ...withoutCorpId } = tokenBody;
    // A third-party app: the organization to ask comes from the token answer alone.
    const thirdParty = fakeDingTalk({ userAccessToken: () => withoutCorpId });
    const { strategy, verified } = memberStrategy(thirdParty, { allowedCorpIds: undefined, getAccessToken: () => 't' });
    assertNotAMember(await callback(strategy), verified);
    assert.deepEqual(thirdParty.endpoints(), ['userAccessToken'], 'nobody to ask, no profile to load');
    // Pinned to its organization, an app refuses it as any other organization.
    const pinned = fakeDingTalk({ userAccessToken: () => withoutCorpId });
    const outcome = await callback(memberStrategy(pinned).strategy);
    assert.equal((outcome.args[0] as { reason: string }).reason, 'organization_not_allowed');
    assert.deepEqual(pinned.endpoints(), ['userAccessToken']);
  });

  it('fetches a refused app token again once (88 with sub_code 40014, or 42001), then logs in', async () => {
    for (const refusal of [
      { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg: 'ding talk error[subcode=40014]' },
      { errcode: 42001, errmsg: 'access_token超时' },
    ]) {
      let refusals = 0;
      const dingtalk = fakeDingTalk({
        getbyunionid: (_body, query) =>
          refusals++ === 0
            ? refusal
            : { errcode: 0, result: { contact_type: 0, userid: `member-with-${query.get('access_token')}` } },
      });
      const { strategy, verified } = memberStrategy(dingtalk);
      assert.equal((await callback(strategy)).action, 'success', JSON.stringify(refusal));
      assert.deepEqual(dingtalk.endpoints().slice(2), [
        'accessToken',
        'getbyunionid',
        'accessToken',
        'getbyunionid',
        'get',
      ]);
      assert.equal(verified[0]?.userId, `member-with-app-token-${appTokensIssued}`, 'the new token was used');
    }
  });

  it('stops after one new token when DingTalk keeps refusing it: a 502 naming the refusal', async () => {
    const dingtalk = fakeDingTalk({
      getbyunionid: () => ({
        errcode: 88,
        sub_code: '40014',
        sub_msg: '不合法的access_token',
        errmsg: 'ding talk error',
      }),
    });
    const { strategy, verified } = memberStrategy(dingtalk);
    const outcome = await callback(strategy);
    assert.equal(outcome.action, 'error');
    const error = outcome.args[0] as DingTalkAPIError;
    assert.ok(error instanceof DingTalkAPIError);
    assert.equal(error.endpoint, 'member-lookup');
    assert.equal(error.status, 502);
    assert.equal(error.subCode, '40014');
    assert.equal(dingtalk.endpoints().filter((name) => name === 'accessToken').length, 2);
    assert.equal(verified.length, 0);
  });

  it('names the permission to request when DingTalk says the app lacks it (60011), for the lookup and the details', async () => {
    for (const endpoint of ['getbyunionid', 'get'] as const) {
      const dingtalk = fakeDingTalk({ [endpoint]: () => ({ errcode: 60011, errmsg: '没有调用该接口的权限' }) });
      const { strategy } = memberStrategy(dingtalk);
      const outcome = await callback(strategy);
      assert.equal(outcome.action, 'error');
      const error = outcome.args[0] as DingTalkAPIError;
      assert.ok(error instanceof DingTalkAPIError && error.permissionDenied, endpoint);
      assert.equal(error.status, 502);
      assert.match(error.message, /qyapi_get_member/);
      assert.match(error.message, /developer console/);
    }
  });

  it('reuses the app token for later logins, and two strategies of one app share it', async () => {
    const dingtalk = fakeDingTalk();
    const options = optionsFor(dingtalk.fetch);
    const verify = (_at: string, _rt: string, profile: MemberProfile, done: (e: null, u: string) => void) =>
      done(null, profile.userId);
    const first = new Strategy(options, verify);
    const second = new Strategy({ ...options, skipUserDetails: true }, verify);
    for (const strategy of [first, second, first, second]) assert.equal((await callback(strategy)).action, 'success');
    assert.equal(dingtalk.endpoints().filter((name) => name === 'accessToken').length, 1);
  });

  it('makes no extra request without memberLookup, and the profile has no userId', async () => {
    const dingtalk = fakeDingTalk();
    const profiles: Profile[] = [];
    const strategy = new Strategy(
      { ...optionsFor(dingtalk.fetch), memberLookup: false, scope: 'openid corpid' },
      (_at, _rt, profile, done) => {
        profiles.push(profile);
        done(null, profile.id);
      },
    );
    assert.equal((await callback(strategy)).action, 'success');
    assert.deepEqual(dingtalk.endpoints(), ['userAccessToken', 'me']);
    assert.equal('userId' in (profiles[0] as object), false);
  });
});

describe('memberLookup for a third-party app: getAccessToken', () => {
  it('asks for the token of the organization the user picked, and again with the refused one', async () => {
    const asked: Array<[string, AccessTokenRequestContext]> = [];
    let refused = false;
    const dingtalk = fakeDingTalk({
      getbyunionid: (_body, query) => {
        if (query.get('access_token') === 'corp-token-1' && !refused) {
          refused = true;
          return { errcode: 88, sub_code: '40014', errmsg: 'ding talk error' };
        }
        return defaults.getbyunionid({}, query);
      },
    });
    const { strategy, verified } = memberStrategy(dingtalk, {
      getAccessToken: async (forCorpId: string, context: AccessTokenRequestContext) => {
        asked.push([forCorpId, context]);
        return `corp-token-${asked.length}`;
      },
    });
    assert.equal((await callback(strategy)).action, 'success');
    assert.deepEqual(asked, [
      [corpId, {}],
      [corpId, { rejectedToken: 'corp-token-1' }],
    ]);
    assert.equal(dingtalk.endpoints().includes('accessToken'), false, 'the strategy fetched no token of its own');
    assert.equal(dingtalk.requests.at(-1)?.query.get('access_token'), 'corp-token-2');
    assert.equal(verified[0]?.userId, 'manager4220');
  });

  it('fails with 403 unknown_organization when getAccessToken has no token for the organization', async () => {
    const dingtalk = fakeDingTalk();
    const { strategy, verified } = memberStrategy(dingtalk, { getAccessToken: () => undefined });
    const outcome = await callback(strategy);
    assert.equal(outcome.action, 'fail');
    assert.equal((outcome.args[0] as { reason: string }).reason, 'unknown_organization');
    assert.equal(outcome.args[1], 403);
    assert.equal(verified.length, 0);
  });
});

describe('memberLookup with the hooks apps stub and override', () => {
  type ProfileHook = (accessToken: string, done: (err: unknown, profile?: object) => void) => void;

  it('still refuses a non-member when userProfile is stubbed', async () => {
    const dingtalk = fakeDingTalk({ getbyunionid: () => ({ errcode: 60121, errmsg: '找不到该用户' }) });
    const { strategy, verified } = memberStrategy(dingtalk);
    (strategy as unknown as { userProfile: ProfileHook }).userProfile = (_token, done) =>
      done(null, { provider: 'dingtalk', id: 'union-stubbed', unionId: 'union-stubbed', displayName: 'Stub' });
    assertNotAMember(await callback(strategy), verified);
    assert.deepEqual(dingtalk.requests.at(-1)?.body, { unionid: 'union-stubbed' });
  });

  it('still looks the member up when a subclass overrides userProfile', async () => {
    const dingtalk = fakeDingTalk();
    class CachedProfiles extends Strategy<true> {
      override userProfile(_accessToken: string, done: (err: unknown, profile?: Profile) => void): void {
        const cached = { provider: 'dingtalk', id: 'union-cached', unionId: 'union-cached', displayName: '缓存' };
        done(null, { ...cached, _raw: '', _json: userMeBody } as Profile);
      }
    }
    const verified: MemberProfile[] = [];
    const strategy = new CachedProfiles(optionsFor(dingtalk.fetch), (_at, _rt, profile, done) => {
      verified.push(profile);
      done(null, profile);
    });
    assert.equal((await callback(strategy)).action, 'success');
    assert.equal(verified[0]?.userId, 'manager4220');
    assert.equal(verified[0]?.displayName, '缓存');
    assert.deepEqual(dingtalk.endpoints(), ['userAccessToken', 'accessToken', 'getbyunionid', 'get']);
  });

  it('uses a stubbed lookupMember, looked up on every login, with the unionId and corpId', async () => {
    const dingtalk = fakeDingTalk();
    const { strategy, verified } = memberStrategy(dingtalk);
    const asked: string[][] = [];
    strategy.lookupMember = (unionId, forCorpId, done) => {
      asked.push([unionId, forCorpId]);
      done(null, { userId: 'stubbed-member' });
    };
    assert.equal((await callback(strategy)).action, 'success');
    assert.deepEqual(asked, [[userMeBody.unionId, corpId]]);
    assert.equal(verified[0]?.userId, 'stubbed-member');
    assert.equal(verified[0]?.isAdmin, undefined);
    assert.deepEqual(dingtalk.endpoints(), ['userAccessToken', 'me'], 'no request from the stubbed lookup');

    strategy.lookupMember = (_unionId, _corpId, done) => done(null, false);
    assertNotAMember(await callback(strategy), verified.slice(1));
  });

  it('takes an async override’s answer, and refuses what is neither a member nor false', async () => {
    const dingtalk = fakeDingTalk();
    const { strategy, verified } = memberStrategy(dingtalk);
    const hook = strategy as unknown as { lookupMember: (u: string, c: string) => Promise<unknown> };
    hook.lookupMember = async (): Promise<DingTalkMember> => ({ userId: 'async-member' });
    assert.equal((await callback(strategy)).action, 'success');
    assert.equal(verified[0]?.userId, 'async-member');

    hook.lookupMember = async () => false;
    assertNotAMember(await callback(strategy), verified.slice(1));

    for (const answer of [{ userId: '' }, { id: 'x' }, 'manager4220']) {
      hook.lookupMember = async () => answer;
      const outcome = await callback(strategy);
      assert.equal(outcome.action, 'error', JSON.stringify(answer));
      assert.match(String(outcome.args[0]), /lookupMember gave neither a member/);
    }
    hook.lookupMember = async () => {
      throw new Error('directory down');
    };
    const thrown = await callback(strategy);
    assert.equal(thrown.action, 'error');
    assert.match(String(thrown.args[0]), /directory down/);
    assert.equal(verified.length, 1, 'verify ran for the member only');
  });

  it('answers once when a stubbed lookup calls back twice', async () => {
    const dingtalk = fakeDingTalk();
    const { strategy, verified } = memberStrategy(dingtalk);
    strategy.lookupMember = (_unionId, _corpId, done: LookupMemberCallback) => {
      done(null, { userId: 'first' });
      done(null, false);
      done(new Error('late'));
    };
    const outcome = await callback(strategy);
    assert.equal(outcome.action, 'success');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      verified.map((profile) => profile.userId),
      ['first'],
    );
  });

  it('never writes to the profile userProfile handed over (a cached or frozen one)', async () => {
    const dingtalk = fakeDingTalk();
    const { strategy, verified } = memberStrategy(dingtalk);
    const shared = Object.freeze({
      provider: 'dingtalk',
      id: 'union-frozen',
      unionId: 'union-frozen',
      displayName: '',
    });
    (strategy as unknown as { userProfile: ProfileHook }).userProfile = (_token, done) => done(null, shared);
    assert.equal((await callback(strategy)).action, 'success');
    assert.equal(verified[0]?.userId, 'manager4220');
    assert.equal('userId' in shared, false);
  });
});

describe('memberLookup cannot be gone around', () => {
  type ProfileHook = (accessToken: string, done: (err: unknown, profile?: object) => void) => void;
  const stranger = () => fakeDingTalk({ getbyunionid: () => ({ errcode: 60121, errmsg: '找不到该用户' }) });

  it('never lets a login that skipped the profile step reach verify', async () => {
    const skipped = memberStrategy(stranger());
    (skipped.strategy as unknown as { _skipUserProfile: boolean })._skipUserProfile = true;
    const outcome = await callback(skipped.strategy);
    assert.equal(outcome.action, 'error');
    assert.match(String(outcome.args[0]), /reached verify without it/);
    assert.equal(skipped.verified.length, 0);

    const dingtalk = stranger();
    class CachedProfiles extends Strategy<true> {
      _loadUserProfile(_accessToken: string, done: (err: unknown, profile?: object) => void): void {
        done(null, { provider: 'dingtalk', id: 'union-cached', displayName: '' });
      }
    }
    const verified: unknown[] = [];
    const cached = new CachedProfiles(optionsFor(dingtalk.fetch), (_at, _rt, profile, done) => {
      verified.push(profile);
      done(null, profile);
    });
    const bypass = await callback(cached);
    assert.equal(bypass.action, 'error');
    assert.equal(verified.length, 0);
  });

  it('answers once, with an error, when the member cannot be added to the profile', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (const async of [false, true]) {
        const { strategy, verified } = memberStrategy(fakeDingTalk());
        // A profile class whose title is read-only (a view model with a computed title).
        class ProfileView {
          provider = 'dingtalk';
          id = 'union-ro';
          displayName = '';
          get title(): string {
            return 'fixed';
          }
        }
        const profile = new ProfileView();
        (strategy as unknown as { userProfile: ProfileHook }).userProfile = (_token, done) => done(null, profile);
        const member = { userId: 'ro-member', details: { title: '技术总监' } };
        const hook = strategy as unknown as {
          lookupMember: (u: string, c: string, done: LookupMemberCallback) => unknown;
        };
        hook.lookupMember = async ? async () => member : (_u, _c, done) => done(null, member);
        const outcome = await callback(strategy);
        assert.equal(outcome.action, 'error', `async: ${async}`);
        assert.match(String(outcome.args[0]), /title/);
        assert.equal(verified.length, 0);
      }
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('never skips the lookup when the hook was removed, and answers a hook that throws in any way', async () => {
    for (const removed of [undefined, null]) {
      const { strategy, verified } = memberStrategy(stranger());
      (strategy as unknown as { lookupMember: unknown }).lookupMember = removed;
      const outcome = await callback(strategy);
      assert.equal(outcome.action, 'error', String(removed));
      assert.match(String(outcome.args[0]), /lookupMember is not a function/);
      assert.equal(verified.length, 0);
    }
    const thenThrows = memberStrategy(fakeDingTalk());
    (thenThrows.strategy as unknown as { lookupMember: () => unknown }).lookupMember = () => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable whose then() throws, on purpose.
      then() {
        throw new Error('then() throws');
      },
    });
    (thenThrows.strategy as unknown as { userProfile: ProfileHook }).userProfile = (_token, done) =>
      done(null, { provider: 'dingtalk', id: 'union-sync', displayName: '' });
    const outcome = await callback(thenThrows.strategy);
    assert.equal(outcome.action, 'error');
    assert.match(String(outcome.args[0]), /then\(\) throws/);
  });

  it('answers a profile whose id getter throws, handed over synchronously, with or without the lookup', async () => {
    for (const lookup of [true, false]) {
      const dingtalk = fakeDingTalk();
      const extra = lookup ? {} : { memberLookup: false, allowedCorpIds: undefined };
      const { strategy, verified } = memberStrategy(dingtalk, extra);
      const profile = Object.defineProperty({ provider: 'dingtalk', displayName: '' }, 'id', {
        get() {
          throw new Error('lazy id failed');
        },
        enumerable: true,
      });
      (strategy as unknown as { userProfile: ProfileHook }).userProfile = (_token, done) => done(null, profile);
      const outcome = await callback(strategy);
      assert.equal(outcome.action, 'error', `memberLookup: ${lookup}`);
      assert.match(String(outcome.args[0]), /lazy id failed/);
      assert.equal(verified.length, 0);
    }
  });

  it('refuses a profile whose unionId is not its id: one identity’s membership is never given to another', async () => {
    const dingtalk = fakeDingTalk();
    const { strategy, verified } = memberStrategy(dingtalk);
    (strategy as unknown as { userProfile: ProfileHook }).userProfile = (_token, done) =>
      done(null, { provider: 'dingtalk', id: 'union-attacker', unionId: 'union-member', displayName: '' });
    const outcome = await callback(strategy);
    assert.equal(outcome.action, 'error');
    assert.match(String(outcome.args[0]), /unionId and id differ/);
    assert.equal(verified.length, 0);
    assert.equal(dingtalk.endpoints().includes('getbyunionid'), false);
  });

  it('refuses an organization of a form DingTalk never issues, before asking for its token', async () => {
    for (const odd of ['__proto__', 'ding corp', 'x'.repeat(65)]) {
      const asked: string[] = [];
      const dingtalk = fakeDingTalk({ userAccessToken: () => ({ ...tokenBody, corpId: odd }) });
      const { strategy, verified } = memberStrategy(dingtalk, {
        allowedCorpIds: undefined,
        getAccessToken: (forCorpId: string) => {
          asked.push(forCorpId);
          return 'token';
        },
      });
      const outcome = await callback(strategy);
      assert.equal(outcome.action, 'error', odd);
      assert.equal((outcome.args[0] as { status: number }).status, 502);
      assert.deepEqual(asked, []);
      assert.equal(verified.length, 0);
    }
  });
});

describe('memberLookup options', () => {
  const base = {
    clientID: 'ding-client-id',
    clientSecret: secret,
    callbackURL: 'https://www.example.com/auth/dingtalk/callback',
    allowedCorpIds: [corpId],
  };
  const verify = () => {};
  const construct = (options: object) => new Strategy(options as StrategyOptions, verify);

  for (const [what, options, message] of [
    ['with skipUserProfile', { memberLookup: true, skipUserProfile: true }, /cannot go with skipUserProfile/],
    ['with a skipUserProfile function', { memberLookup: true, skipUserProfile: () => false }, /skipUserProfile/],
    [
      'with a scope without corpid',
      { memberLookup: true, scope: 'openid', allowedCorpIds: undefined },
      /needs the scope "corpid"/,
    ],
    [
      'with its own token and no organization to pin the login to',
      { memberLookup: true, allowedCorpIds: undefined },
      /needs allowedCorpIds: \[the app's own corpId\]/,
    ],
    [
      'with its own token and two organizations allowed',
      { memberLookup: true, allowedCorpIds: [corpId, 'ding9999'] },
      /answers for its own organization only/,
    ],
    [
      'as a non-boolean',
      { memberLookup: 'yes', allowedCorpIds: undefined },
      /"memberLookup" option must be true or false/,
    ],
    [
      'skipUserDetails without memberLookup',
      { skipUserDetails: true, allowedCorpIds: undefined },
      /"skipUserDetails" option only has a meaning with memberLookup/,
    ],
    [
      'getAccessToken without memberLookup',
      { getAccessToken: () => 't', allowedCorpIds: undefined },
      /"getAccessToken" option only has a meaning/,
    ],
    [
      'a getAccessToken that is not a function',
      { memberLookup: true, getAccessToken: 'token' },
      /"getAccessToken" option must be a function/,
    ],
    [
      'a plain-http getByUnionIdURL',
      { memberLookup: true, getByUnionIdURL: 'http://oapi.example.com/topapi/user/getbyunionid' },
      /"getByUnionIdURL" option must use https/,
    ],
    [
      'a plain-http accessTokenURL',
      { memberLookup: true, accessTokenURL: 'http://api.example.com/v1.0/oauth2/accessToken' },
      /"accessTokenURL" option must use https/,
    ],
    [
      'a plain-http userDetailsURL',
      { memberLookup: true, userDetailsURL: 'http://oapi.example.com/topapi/v2/user/get' },
      /"userDetailsURL" option must use https/,
    ],
  ] as const) {
    it(`refuses memberLookup ${what}`, () => {
      assert.throws(
        () => construct({ ...base, ...options }),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, message);
          assert.equal(error.message.includes(secret), false);
          return true;
        },
      );
    });
  }

  it('asks DingTalk for "openid corpid" by default, and keeps a scope that has corpid', async () => {
    for (const [scope, expected] of [
      [undefined, 'openid corpid'],
      ['openid corpid', 'openid corpid'],
      [['corpid', 'openid'], 'corpid openid'],
    ] as const) {
      const strategy = construct({ ...base, memberLookup: true, ...(scope ? { scope } : {}) });
      const outcome = await callback(strategy, (req) => {
        req.query = {};
      });
      assert.equal(outcome.action, 'redirect');
      assert.equal(new URL(outcome.args[0] as string).searchParams.get('scope'), expected);
    }
  });

  it('answers a login whose own scope drops corpid with an error that says so', async () => {
    const strategy = construct({ ...base, memberLookup: true });
    const outcome = await new Promise<Outcome>((resolve) => {
      chai.passport
        .use(strategy)
        .request(() => {})
        .redirect((...args: unknown[]) => resolve({ action: 'redirect', args }))
        .error((...args: unknown[]) => resolve({ action: 'error', args }))
        .authenticate({ scope: 'openid' });
    });
    assert.equal(outcome.action, 'error');
    assert.match(String(outcome.args[0]), /drops "corpid"/);
  });
});

describe('memberLookup never shows a secret', () => {
  it('keeps the client secret, the app token, the user token and the code out of every error', async () => {
    // The answers echo what the organization endpoints were sent: the app token and the secret.
    const appToken = 'app-token-secret-value-0001';
    const failures: Answers[] = [
      { getbyunionid: () => ({ errcode: 60011, errmsg: `没有权限 ${appToken}` }) },
      { getbyunionid: () => ({ errcode: 88, sub_code: '40014', sub_msg: `bad ${appToken}`, errmsg: `x ${secret}` }) },
      { get: () => ({ errcode: 60020, errmsg: `访问ip不在白名单之中 ${appToken}` }) },
      { getbyunionid: () => ({ errcode: 0, result: 'not an object' }) },
      { accessToken: () => ({ code: 'invalidClientIdOrSecret', message: `无效的clientId或者clientSecret ${secret}` }) },
    ];
    for (const answers of failures) {
      const dingtalk = fakeDingTalk({ accessToken: () => ({ accessToken: appToken, expireIn: 7200 }), ...answers });
      const { strategy } = memberStrategy(dingtalk);
      const outcome = await callback(strategy);
      assert.equal(outcome.action, 'error', JSON.stringify(answers));
      const shown = `${inspect(outcome.args[0], { depth: 10, showHidden: true })} ${JSON.stringify(outcome.args[0])}`;
      for (const value of [secret, appToken, userToken, authCode]) {
        assert.equal(shown.includes(value), false, `${value} in ${shown}`);
      }
      assert.ok((outcome.args[0] as { status: number }).status >= 500);
    }
  });

  it('cuts an app token out of a fetch error that quotes it URL-encoded', async () => {
    const appToken = 'app+token/with=signs0001';
    const dingtalk = fakeDingTalk({ accessToken: () => ({ accessToken: appToken, expireIn: 7200 }) });
    const failing: FetchFunction = async (url, init) => {
      const query = new URL(url).search;
      if (query) throw new Error(`socket hang up while sending ${query}`);
      return dingtalk.fetch(url, init);
    };
    const { strategy } = memberStrategy({ ...dingtalk, fetch: failing });
    const outcome = await callback(strategy);
    assert.equal(outcome.action, 'error');
    const shown = inspect(outcome.args[0], { depth: 10, showHidden: true });
    assert.match(shown, /socket hang up/);
    for (const form of [appToken, encodeURIComponent(appToken), new URLSearchParams({ t: appToken }).toString()]) {
      assert.equal(shown.includes(form.replace(/^t=/, '')), false, form);
    }
  });

  it('keeps the secret out of util.inspect of a strategy with memberLookup', () => {
    const dingtalk = fakeDingTalk();
    const { strategy } = memberStrategy(dingtalk);
    assert.equal(inspect(strategy, { depth: 10, showHidden: false }).includes(secret), false);
    assert.equal(JSON.stringify(strategy).includes(secret), false);
  });
});
