// What the browser Strategy hands verify after DingTalk redirects back: the token answer, the
// profile and, with memberLookup, who the user is in the organization; who it refuses, and how it
// keeps the app token. Driven as apps test it (chai-passport-strategy), over HTTP against the
// emulator, with a fetch that records every request and may replace an endpoint's answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import chai from 'chai';
import chaiPassportStrategy, { type PassportTestRequest } from 'chai-passport-strategy';
import {
  type AccessTokenRequestContext,
  DingTalkAPIError,
  type DingTalkMember,
  type FetchFunction,
  InAppStrategy,
  type LookupMemberCallback,
  type MemberProfile,
  type Profile,
  Strategy,
  type StrategyOptions,
} from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator, type EmulatorFault } from '../lib/testing/index';
import { tokenBody, userMeBody } from './fixtures/dingtalk';

chai.use(chaiPassportStrategy);

type Endpoint = 'userAccessToken' | 'me' | 'accessToken' | 'getbyunionid' | 'get';
type Json = Record<string, unknown>;
type Answer = (request: { body: Json; query: URLSearchParams; real: () => Promise<Json> }) => unknown;
type Answers = Partial<Record<Endpoint, Answer>>;
type Outcome = { action: string; args: unknown[] };
type ProfileHook = (accessToken: string, done: (err: unknown, profile?: object) => void) => void;

let emulator: DingTalkEmulator;
before(async () => {
  emulator = await createDingTalkEmulator();
});
after(() => emulator.close());

const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
const userNamed = (nick: string) => emulator.users.find((user) => user.nick === nick) ?? assert.fail(nick);
const inClient = () => emulator.inAppStrategyOptions().corpId;
const zhangsan = () => userNamed('张三');

/** A fetch to the emulator recording each request; `answers` replace (or rewrite `real()`) some. Its own app-token cache. */
function dingtalk(answers: Answers = {}) {
  const requests: Array<{ endpoint: Endpoint; body: Json; query: URLSearchParams }> = [];
  const fetch: FetchFunction = async (url, init) => {
    const { pathname, searchParams: query } = new URL(url);
    const endpoint = pathname.split('/').pop() as Endpoint;
    const body = (init.body ? JSON.parse(init.body) : {}) as Json;
    requests.push({ endpoint, body, query });
    const answer = answers[endpoint];
    if (!answer) return globalThis.fetch(url, init);
    const real = async () => (await (await globalThis.fetch(url, init)).json()) as Json;
    const text = JSON.stringify(await answer({ body, query, real }));
    return {
      status: 200,
      headers: { get: (name) => (name === 'content-type' ? 'application/json' : null) },
      text: async () => text,
    };
  };
  const count = (endpoint: Endpoint) => requests.filter((request) => request.endpoint === endpoint).length;
  return { fetch, requests, count, endpoints: () => requests.map((request) => request.endpoint) };
}
type FakeDingTalk = ReturnType<typeof dingtalk>;

/** A strategy on the emulator, with memberLookup unless `extra` says otherwise; verify keeps what it got. */
function strategyOn(fake: FakeDingTalk, extra: object = {}, Class = Strategy) {
  const verified: Array<{ params: Json; profile: MemberProfile }> = [];
  const lookup = (extra as { memberLookup?: boolean }).memberLookup !== false;
  const options = { ...emulator.strategyOptions({ memberLookup: lookup }), callbackURL: 'https://app.example/cb' };
  const strategy = new Class(
    { ...options, fetch: fake.fetch, ...extra } as StrategyOptions<true>,
    (_at: string, _rt: string, params: Json, profile: MemberProfile, done: (e: null, u: object) => void) => {
      verified.push({ params, profile });
      done(null, profile);
    },
  );
  return { strategy, verified, profiles: () => verified.map((entry) => entry.profile) };
}

/** A callback as DingTalk redirects back (`unionId` authorized, picking `corpId`), run as passport runs it. */
function callback(strategy: Strategy<boolean>, code?: string | ((req: PassportTestRequest) => void), options = {}) {
  const authCode =
    code ?? emulator.issueAuthCode({ unionId: zhangsan().unionId, scope: 'openid corpid', corpId: inClient() });
  return new Promise<Outcome>((resolve) => {
    const end =
      (action: string) =>
      (...args: unknown[]) =>
        resolve({ action, args });
    chai.passport
      .use(strategy)
      .request((req) => {
        if (typeof authCode === 'function') authCode(req);
        else req.query = { authCode };
      })
      .success(end('success'))
      .fail(end('fail'))
      .error(end('error'))
      .redirect(end('redirect'))
      .authenticate(options);
  });
}
const codeFor = (nick: string, corpId?: string, scope = 'openid corpid') =>
  emulator.issueAuthCode({ unionId: userNamed(nick).unionId, scope, ...(corpId ? { corpId } : {}) });

function assertRefused(outcome: Outcome, reason: string, message: RegExp): void {
  assert.equal(outcome.action, 'fail', JSON.stringify(outcome.args));
  const [challenge, code] = outcome.args as [{ reason: string; message: string }, number];
  assert.deepEqual([challenge.reason, code], [reason, 403]);
  assert.match(challenge.message, message);
}
function assertError(outcome: Outcome, message: RegExp): Error & { status?: number } {
  assert.equal(outcome.action, 'error', JSON.stringify(outcome.args));
  assert.match(String(outcome.args[0]), message);
  return outcome.args[0] as Error;
}

describe('the token answer and the profile verify is given', () => {
  const plain = (token: Json, me: Json = userMeBody) =>
    strategyOn(dingtalk({ userAccessToken: () => token, me: () => me }), { memberLookup: false });

  it('hands verify DingTalk’s token answer as params, numbers read and fields of the wrong type dropped', async () => {
    for (const [what, answer, params] of [
      ['as sent, new fields too', { ...tokenBody, newField: 'x' }, { ...tokenBody, newField: 'x' }],
      ['a numeric string', { accessToken: 'a', expireIn: '7200' }, { accessToken: 'a', expireIn: 7200 }],
      ['wrong types', { accessToken: 'a', expireIn: 'x', refreshToken: {}, corpId: 7 }, { accessToken: 'a' }],
      ['null', { accessToken: 'a', expireIn: null }, { accessToken: 'a' }],
    ] as const) {
      const { strategy, verified } = plain(answer);
      assert.equal((await callback(strategy, 'code')).action, 'success');
      assert.deepEqual(verified[0]?.params, params, what);
    }
    for (const accessToken of ['', 42]) {
      assertError(await callback(plain({ accessToken }).strategy, 'code'), /accessToken/);
    }
  });

  it('maps every field of users/me to the portable profile, the unionId as id', async () => {
    const { strategy, profiles } = plain(tokenBody, { ...userMeBody, loginEmail: 'login@example.com' });
    await callback(strategy, 'code');
    const { _raw, ...profile } = profiles()[0] ?? assert.fail('no profile');
    assert.deepEqual(JSON.parse(_raw), { ...userMeBody, loginEmail: 'login@example.com' });
    assert.deepEqual(profile, {
      provider: 'dingtalk',
      id: userMeBody.unionId,
      displayName: '张三',
      unionId: userMeBody.unionId,
      openId: userMeBody.openId,
      corpId: tokenBody.corpId,
      emails: [
        { value: 'zhangsan@example.com', verified: false },
        { value: 'login@example.com', verified: false },
      ],
      photos: [{ value: userMeBody.avatarUrl }],
      phoneNumbers: [{ value: '+8613800000000' }],
      _json: { ...userMeBody, loginEmail: 'login@example.com' },
    });
  });

  it('leaves out what DingTalk did not send, sent masked or of the wrong type, and lists an email once', async () => {
    const none = { displayName: '', emails: undefined, photos: undefined, phoneNumbers: undefined, openId: undefined };
    for (const [what, me, expected] of [
      ['nothing', {}, none],
      [
        'one email twice',
        { email: 'A@example.com', loginEmail: 'a@EXAMPLE.com' },
        { emails: [{ value: 'A@example.com', verified: false }] },
      ],
      [
        'loginEmail only',
        { loginEmail: 'b@example.com', email: '' },
        { emails: [{ value: 'b@example.com', verified: false }] },
      ],
      ['a masked mobile', { mobile: '155****3240', stateCode: '86' }, { phoneNumbers: undefined }],
      ['no state code', { mobile: '13800000000' }, { phoneNumbers: [{ value: '13800000000' }] }],
      ['a state code with +', { mobile: '5550100', stateCode: '+1' }, { phoneNumbers: [{ value: '+15550100' }] }],
      ['wrong types', { nick: {}, email: 42, loginEmail: 7, avatarUrl: [], mobile: null }, none],
    ] as const) {
      const { strategy, profiles } = plain({ accessToken: 'a' }, { unionId: 'u1', ...me });
      await callback(strategy, 'code');
      const profile = profiles()[0] as unknown as Json;
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(profile[key], value, `${what}: ${key}`);
      if (Object.keys(me).length === 0)
        assert.deepEqual(Object.keys(profile).sort(), ['_json', '_raw', 'displayName', 'id', 'provider', 'unionId']);
      assert.deepEqual(profile._json, { unionId: 'u1', ...me }, 'the answer stays in _json as sent');
    }
  });
});

describe('memberLookup: who the user is in the organization', () => {
  it('gives verify the member from getbyunionid and user/get, asked with the app’s own token', async () => {
    let details: Json = {};
    const fake = dingtalk({ get: async ({ real }) => (details = await real()) });
    const { strategy, profiles } = strategyOn(fake);
    assert.equal((await callback(strategy)).action, 'success');
    const org = zhangsan().organizations.find((candidate) => candidate.corpId === inClient()) ?? assert.fail();
    const { id, userId, corpId, departmentIds, title, jobNumber, isAdmin, emails, _details } = profiles()[0] ?? {};
    const expected = { id: zhangsan().unionId, userId: org.userId, corpId: inClient(), departmentIds: org.deptIds };
    assert.deepEqual(
      { id, userId, corpId, departmentIds, title, jobNumber, isAdmin },
      { ...expected, title: org.title, jobNumber: org.jobNumber, isAdmin: true },
    );
    assert.deepEqual(_details, details.result, 'user/get’s answer as sent');
    assert.deepEqual(emails?.[0], { value: zhangsan().email, verified: false }, 'users/me’s own email first');
    assert.deepEqual(fake.endpoints(), ['userAccessToken', 'me', 'accessToken', 'getbyunionid', 'get']);
    const [, , appToken, lookup, user] = fake.requests;
    assert.deepEqual(appToken?.body, { appKey: emulator.clientID, appSecret: emulator.clientSecret });
    assert.deepEqual(
      [lookup?.body, user?.body],
      [{ unionid: zhangsan().unionId }, { userid: org.userId, language: 'zh_CN' }],
    );
    assert.ok(lookup?.query.get('access_token'));
    assert.equal(user?.query.get('access_token'), lookup?.query.get('access_token'));
    const shown = `${inspect(strategy, { depth: 10 })}${JSON.stringify(strategy)}`;
    assert.equal(shown.includes(emulator.clientSecret), false);
  });

  it('fills emails, photos and phone numbers from the details where users/me had none', async () => {
    const details = {
      userid: 'm1',
      avatar: 'https://a.example/m.jpg',
      org_email: 'm@corp',
      mobile: '1380',
      state_code: '86',
    };
    const fake = dingtalk({
      me: async ({ real }) => ({ unionId: (await real()).unionId }),
      get: () => ({ errcode: 0, errmsg: 'ok', result: details }),
    });
    const { strategy, profiles } = strategyOn(fake);
    assert.equal((await callback(strategy)).action, 'success');
    const { emails, photos, phoneNumbers } = profiles()[0] ?? assert.fail();
    assert.deepEqual(emails, [{ value: details.org_email, verified: false }]);
    assert.deepEqual([photos, phoneNumbers], [[{ value: details.avatar }], [{ value: '+861380' }]]);
  });

  it('with skipUserDetails asks getbyunionid only; without memberLookup asks nothing more', async () => {
    for (const [extra, endpoints, userId] of [
      [{ skipUserDetails: true }, ['userAccessToken', 'me', 'accessToken', 'getbyunionid'], 'zhangsan'],
      [{ memberLookup: false }, ['userAccessToken', 'me'], undefined],
    ] as const) {
      const fake = dingtalk();
      const { strategy, profiles } = strategyOn(fake, extra);
      assert.equal((await callback(strategy)).action, 'success');
      const profile = profiles()[0] ?? assert.fail();
      assert.deepEqual(
        [profile.userId, 'isAdmin' in profile, profile._details, fake.endpoints()],
        [userId, false, undefined, endpoints],
      );
    }
  });

  it('refuses who is not a member with 403 not_a_member, before verify', async () => {
    const thirdParty = { allowedCorpIds: undefined, getAccessToken: () => emulator.issueAppAccessToken(inClient()) };
    const noCorpId: Answers = { userAccessToken: async ({ real }) => ({ ...(await real()), corpId: undefined }) };
    const contact = (result: object): Answers => ({ getbyunionid: () => ({ errcode: 0, errmsg: 'ok', result }) });
    for (const [what, nick, extra, answers, asked] of [
      ['unknown to the organization (60121)', '李四', thirdParty, {}, ['getbyunionid']],
      ['an external contact (contact_type 1)', '王五', thirdParty, {}, ['getbyunionid']],
      ['an answer without contact_type', '张三', {}, contact({ userid: 'zhangsan' }), ['getbyunionid']],
      [
        '60121 with an English errmsg',
        '张三',
        {},
        { getbyunionid: () => ({ errcode: 60121, errmsg: 'user not found' }) },
        ['getbyunionid'],
      ],
      ['no organization in the token answer', '张三', thirdParty, noCorpId, []],
    ] as const) {
      const fake = dingtalk(answers);
      const { strategy, verified } = strategyOn(fake, extra);
      assertRefused(await callback(strategy, codeFor(nick)), 'not_a_member', /not a member/);
      assert.equal(verified.length, 0, what);
      const asking = [fake.count('me'), fake.count('getbyunionid'), fake.count('get')];
      assert.deepEqual(asking, asked.length ? [1, 1, 0] : [0, 0, 0], what);
    }
  });

  it('with allowedCorpIds lets in the organizations listed, and refuses any other before the profile', async () => {
    const listed = { memberLookup: false, scope: 'openid corpid', allowedCorpIds: [inClient(), 'dingsomeothercorp'] };
    for (const [extra, code, outcome] of [
      [listed, codeFor('张三', inClient()), 'success'],
      [listed, codeFor('李四'), /^The organization dingemulatorcorp0003 may not log in to this app\.$/],
      [listed, codeFor('张三', undefined, 'openid'), /needs the scope "openid corpid"/],
      [{}, codeFor('李四'), /may not log in/],
      [{}, codeFor('张三', undefined, 'openid'), /needs the scope "openid corpid"/],
    ] as const) {
      const fake = dingtalk();
      const { strategy, profiles } = strategyOn(fake, extra);
      const result = await callback(strategy, code);
      if (outcome === 'success') {
        assert.equal(result.action, 'success');
        assert.equal(profiles()[0]?.corpId, inClient());
        continue;
      }
      assertRefused(result, 'organization_not_allowed', outcome);
      assert.deepEqual([profiles().length, fake.endpoints()], [0, ['userAccessToken']]);
    }
  });

  it('fetches a refused app token (88/40014, 42001) again once for all the logins refused; a second refusal is a 502', async () => {
    for (const refusal of [undefined, { errcode: 42001, errmsg: 'access_token expired' }]) {
      const stale = new Set<string | null>();
      const fake = dingtalk({
        getbyunionid: ({ query, real }) => (refusal && stale.has(query.get('access_token')) ? refusal : real()),
      });
      const { strategy, profiles } = strategyOn(fake);
      assert.equal((await callback(strategy)).action, 'success');
      stale.add(fake.requests.at(-2)?.query.get('access_token') ?? null);
      emulator.revokeAppTokens();
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => callback(strategy)));
      assert.deepEqual(new Set(outcomes.map((outcome) => outcome.action)), new Set(['success']), String(refusal));
      assert.deepEqual([fake.count('accessToken'), profiles().length], [2, 11], 'one new token for all');
    }
    const fake = dingtalk({ getbyunionid: () => ({ errcode: 88, sub_code: '40014', errmsg: 'x' }) });
    const error = assertError(await callback(strategyOn(fake).strategy), /40014/) as DingTalkAPIError;
    assert.ok(error instanceof DingTalkAPIError);
    const { endpoint, status, subCode } = error;
    assert.deepEqual([endpoint, status, subCode, fake.count('accessToken')], ['member-lookup', 502, '40014', 2]);
  });

  it('names the permission to request when the app lacks it (60011), for the lookup and the details', async () => {
    for (const endpoint of ['getbyunionid', 'get'] as const) {
      const { strategy } = strategyOn(
        dingtalk({ [endpoint]: () => ({ errcode: 60011, errmsg: '没有调用该接口的权限' }) }),
      );
      const error = assertError(
        await callback(strategy),
        /qyapi_get_member[\s\S]*developer console/,
      ) as DingTalkAPIError;
      assert.ok(error instanceof DingTalkAPIError && error.permissionDenied, endpoint);
      assert.equal(error.status, 502);
    }
  });

  it('for a third-party app, asks getAccessToken for the organization picked, again with the refused token', async () => {
    const asked: Array<[string, AccessTokenRequestContext]> = [];
    const fake = dingtalk();
    const { strategy, profiles } = strategyOn(fake, {
      allowedCorpIds: undefined,
      getAccessToken: async (corpId: string, context: AccessTokenRequestContext) => {
        asked.push([corpId, context]);
        return asked.length === 1 ? 'not-a-token' : emulator.issueAppAccessToken(corpId);
      },
    });
    const lisi = userNamed('李四');
    const organization = lisi.organizations[0] ?? assert.fail();
    assert.equal((await callback(strategy, codeFor('李四', organization.corpId))).action, 'success');
    assert.deepEqual(asked, [
      [organization.corpId, {}],
      [organization.corpId, { rejectedToken: 'not-a-token' }],
    ]);
    assert.deepEqual(
      [profiles()[0]?.userId, profiles()[0]?.corpId, fake.count('accessToken')],
      [organization.userId, organization.corpId, 0],
    );

    const none = strategyOn(dingtalk(), { allowedCorpIds: undefined, getAccessToken: () => undefined });
    assertRefused(await callback(none.strategy), 'unknown_organization', /./);
    assert.equal(none.verified.length, 0);
  });

  it('asks for "openid corpid" by default and keeps a scope with corpid; a login dropping corpid is an error', async () => {
    for (const [scope, expected] of [
      [undefined, 'openid corpid'],
      [['corpid', 'openid'], 'corpid openid'],
    ] as const) {
      const { strategy } = strategyOn(dingtalk(), scope ? { scope } : {});
      const outcome = await callback(strategy, (req) => (req.query = {}));
      assert.equal(new URL(outcome.args[0] as string).searchParams.get('scope'), expected);
    }
    assertError(await callback(strategyOn(dingtalk()).strategy, () => {}, { scope: 'openid' }), /drops "corpid"/);
  });

  it('keeps the client secret, the app token, the user token and the code out of every error', async () => {
    const appToken = 'app+token/with=signs0001';
    const secret = emulator.clientSecret;
    const echo = (errcode: number) => () => ({ errcode, errmsg: `${appToken} ${secret}`, sub_msg: appToken });
    const rows: Array<[Answers, EmulatorFault?, boolean?]> = [
      [{ getbyunionid: echo(60011) }],
      [{ getbyunionid: echo(88) }],
      [{ get: echo(60020) }],
      [{ getbyunionid: () => ({ errcode: 0, result: 'not an object' }) }],
      [{ accessToken: () => ({ code: 'invalidClientIdOrSecret', message: `无效的 ${secret}` }) }],
      [{}, { kind: 'throttle' }],
      [{}, { kind: 'drop' }],
      [{}, { kind: 'malformed-json' }],
      [{}, undefined, true],
    ];
    for (const [answers, fault, throwOnQuery] of rows) {
      let userToken = '';
      const fake = dingtalk({
        userAccessToken: async ({ real }) => {
          const answer = await real();
          userToken = String(answer.accessToken);
          return answer;
        },
        accessToken: () => ({ accessToken: appToken, expireIn: 7200 }),
        ...answers,
      });
      const fetch: FetchFunction = (url, init) =>
        throwOnQuery && url.includes('access_token=')
          ? Promise.reject(new Error(`socket hang up while sending ${new URL(url).search}`))
          : fake.fetch(url, init);
      if (fault) emulator.inject('getbyunionid', { ...fault, times: 1 });
      const code = codeFor('张三', inClient());
      const outcome = await callback(strategyOn({ ...fake, fetch }).strategy, code);
      const shown = `${inspect(outcome.args[0], { depth: 10, showHidden: true })} ${JSON.stringify(outcome.args[0])}`;
      assert.equal(outcome.action, 'error', shown);
      assert.ok(userToken);
      for (const value of [secret, appToken, encodeURIComponent(appToken), code, userToken]) {
        assert.equal(shown.includes(value), false, `${value} in ${shown}`);
      }
      assert.ok((outcome.args[0] as { status: number }).status >= 500);
    }
    emulator.clearFaults();
  });
});

describe('memberLookup with the hooks apps stub and override, and cannot be gone around', () => {
  const stranger = () => dingtalk({ getbyunionid: () => ({ errcode: 60121, errmsg: '找不到该用户' }) });
  const stubProfile = (strategy: Strategy<boolean>, profile: object) => {
    (strategy as unknown as { userProfile: ProfileHook }).userProfile = (_token, done) => done(null, profile);
  };
  const setLookup = (strategy: Strategy<boolean>, hook: unknown) => {
    (strategy as unknown as { lookupMember: unknown }).lookupMember = hook;
  };

  it('still looks up a stubbed userProfile’s user, also with the exchange stubbed, and a subclass’s', async () => {
    const fake = stranger();
    const { strategy, verified } = strategyOn(fake);
    stubProfile(strategy, { provider: 'dingtalk', id: 'union-stubbed', unionId: 'union-stubbed', displayName: '' });
    type Exchange = (code: string, params: object, cb: (...args: unknown[]) => void) => void;
    const client = (strategy as unknown as { _oauth2: { getOAuthAccessToken: Exchange } })._oauth2;
    client.getOAuthAccessToken = (_c, _p, cb) =>
      cb(null, 'stubbed', '', { accessToken: 'stubbed', corpId: inClient() });
    assertRefused(await callback(strategy, 'stubbed-code'), 'not_a_member', /not a member/);
    assert.deepEqual(
      [fake.endpoints(), fake.requests.at(-1)?.body, verified.length],
      [['accessToken', 'getbyunionid'], { unionid: 'union-stubbed' }, 0],
    );

    class CachedProfiles extends Strategy<true> {
      override userProfile(_token: string, done: (err: unknown, profile?: Profile) => void): void {
        done(null, {
          provider: 'dingtalk',
          id: zhangsan().unionId,
          unionId: zhangsan().unionId,
          displayName: '缓存',
          _raw: '',
          _json: userMeBody,
        });
      }
    }
    const subclassed = dingtalk();
    const { strategy: cached, profiles } = strategyOn(subclassed, {}, CachedProfiles);
    assert.equal((await callback(cached)).action, 'success');
    assert.deepEqual([profiles()[0]?.userId, profiles()[0]?.displayName], ['zhangsan', '缓存']);
    assert.deepEqual(subclassed.endpoints(), ['userAccessToken', 'accessToken', 'getbyunionid', 'get']);
  });

  it('takes a stubbed or overriding lookupMember’s answer, by callback or promise, once, on every login', async () => {
    const fake = dingtalk();
    const { strategy, profiles } = strategyOn(fake);
    const asked: string[][] = [];
    strategy.lookupMember = (unionId, corpId, done: LookupMemberCallback) => {
      asked.push([unionId, corpId]);
      done(null, { userId: 'stubbed-member' });
      done(null, false);
      done(new Error('late'));
    };
    assert.equal((await callback(strategy)).action, 'success');
    await settle();
    assert.deepEqual(
      [asked, profiles().map((profile) => profile.userId)],
      [[[zhangsan().unionId, inClient()]], ['stubbed-member']],
    );
    assert.equal(profiles()[0]?.isAdmin, undefined);
    assert.deepEqual(fake.endpoints(), ['userAccessToken', 'me'], 'no request from the stubbed lookup');
    setLookup(strategy, async (): Promise<DingTalkMember> => ({ userId: 'async-member' }));
    assert.equal((await callback(strategy)).action, 'success');
    assert.equal(profiles()[1]?.userId, 'async-member');
    for (const hook of [async () => false, (_u: string, _c: string, done: LookupMemberCallback) => done(null, false)]) {
      setLookup(strategy, hook);
      assertRefused(await callback(strategy), 'not_a_member', /not a member/);
    }
    for (const answer of [{ userId: '' }, { id: 'x' }, 'zhangsan']) {
      setLookup(strategy, async () => answer);
      assertError(await callback(strategy), /lookupMember gave neither a member/);
    }
    for (const [hook, message] of [
      [async () => Promise.reject(new Error('directory down')), /directory down/],
      [undefined, /lookupMember is not a function/],
      [null, /lookupMember is not a function/],
      // biome-ignore lint/suspicious/noThenProperty: a thenable whose then() throws, on purpose.
      [() => ({ then: () => assert.fail('then() throws') }), /then\(\) throws/],
    ] as const) {
      setLookup(strategy, hook);
      assertError(await callback(strategy), message);
    }
    assert.equal(profiles().length, 2, 'verify ran for the members only');
  });

  it('never writes to the profile it was handed, and errors once when the member cannot be added to it', async () => {
    const { unionId } = zhangsan();
    const frozen = Object.freeze({ provider: 'dingtalk', id: unionId, unionId, displayName: '' });
    const shared = strategyOn(dingtalk());
    stubProfile(shared.strategy, frozen);
    assert.equal((await callback(shared.strategy)).action, 'success');
    assert.deepEqual([shared.profiles()[0]?.userId, 'userId' in frozen], ['zhangsan', false]);

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    class ProfileView {
      provider = 'dingtalk';
      id = 'union-ro';
      displayName = '';
      get title(): string {
        return 'fixed';
      }
    }
    const member = { userId: 'ro-member', details: { title: '技术总监' } };
    for (const hook of [
      async () => member,
      (_u: string, _c: string, done: LookupMemberCallback) => done(null, member),
    ]) {
      const { strategy, verified } = strategyOn(dingtalk());
      stubProfile(strategy, new ProfileView());
      setLookup(strategy, hook);
      assertError(await callback(strategy), /title/);
      assert.equal(verified.length, 0);
    }
    await settle();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
  });

  it('never lets a profile that skipped the lookup, hides its id or claims another’s unionId reach verify', async () => {
    const lazyId = Object.defineProperty({ provider: 'dingtalk', displayName: '' }, 'id', {
      get: () => assert.fail('lazy id failed'),
      enumerable: true,
    });
    class CachedProfiles extends Strategy<true> {
      _loadUserProfile(_token: string, done: (err: unknown, profile?: object) => void): void {
        done(null, { provider: 'dingtalk', id: 'union-cached', displayName: '' });
      }
    }
    for (const [what, make, message] of [
      [
        '_skipUserProfile set',
        (s: Strategy<boolean>) => Object.assign(s, { _skipUserProfile: true }),
        /reached verify without it/,
      ],
      ['_loadUserProfile overridden', undefined, /./],
      ['an id getter that throws', (s: Strategy<boolean>) => stubProfile(s, lazyId), /lazy id failed/],
      ['an id getter that throws, no lookup', (s: Strategy<boolean>) => stubProfile(s, lazyId), /lazy id failed/],
      [
        'a unionId that is not its id',
        (s: Strategy<boolean>) =>
          stubProfile(s, { provider: 'dingtalk', id: 'union-attacker', unionId: zhangsan().unionId, displayName: '' }),
        /unionId and id differ/,
      ],
    ] as const) {
      const fake = stranger();
      const extra = what.endsWith('no lookup') ? { memberLookup: false } : {};
      const { strategy, verified } = strategyOn(fake, extra, make ? Strategy : CachedProfiles);
      make?.(strategy);
      assertError(await callback(strategy), message);
      assert.equal(verified.length, 0, what);
      assert.equal(fake.count('getbyunionid'), 0, what);
    }
  });

  it('refuses an organization of a form DingTalk never issues, before asking for its token', async () => {
    for (const odd of ['__proto__', 'ding corp', 'x'.repeat(65)]) {
      const asked: string[] = [];
      const fake = dingtalk({ userAccessToken: async ({ real }) => ({ ...(await real()), corpId: odd }) });
      const { strategy, verified } = strategyOn(fake, {
        allowedCorpIds: undefined,
        getAccessToken: (corpId: string) => asked.push(corpId) && 't',
      });
      assert.equal(assertError(await callback(strategy), /./).status, 502, odd);
      assert.deepEqual([asked, verified.length], [[], 0]);
    }
  });
});

describe('the app token: one per app, kept and renewed', () => {
  const unionId = () => zhangsan().unionId;
  /** A directory whose getbyunionid names the token it was asked with, and whose token endpoint `issue` answers. */
  const directory = (issue: Answer, refused = new Set<string>()) =>
    dingtalk({
      accessToken: issue,
      getbyunionid: ({ query }) => {
        const token = query.get('access_token') ?? '';
        if (refused.has(token)) return { errcode: 88, sub_code: '40014', errmsg: 'ding talk error[subcode=40014]' };
        return { errcode: 0, result: { contact_type: 0, userid: `with-${token}` } };
      },
    });
  const lookup = (strategy: Strategy<boolean>) =>
    new Promise<string>((resolve, reject) =>
      strategy.lookupMember(unionId(), inClient(), (err, member) =>
        err ? reject(err) : resolve(member ? member.userId : 'none'),
      ),
    );
  const app = (fake: FakeDingTalk, extra: object = {}) =>
    strategyOn(fake, { skipUserDetails: true, ...extra }).strategy;
  const lookups = (strategy: Strategy<boolean>, n = 20) =>
    Promise.all(Array.from({ length: n }, () => lookup(strategy)));

  it('asks once for concurrent logins on a cold cache, then reuses the token, in every strategy of the app', async () => {
    const fake = dingtalk();
    const first = strategyOn(fake).strategy;
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => callback(first)));
    assert.deepEqual(new Set(outcomes.map((outcome) => outcome.action)), new Set(['success']));
    const inApp = new InAppStrategy({ ...emulator.inAppStrategyOptions(), fetch: fake.fetch }, (profile, done) =>
      done(null, profile),
    );
    const member = await new Promise<MemberProfile>((resolve, reject) =>
      chai.passport
        .use(inApp)
        .request((req) => {
          req.method = 'POST';
          req.headers['sec-fetch-site'] = 'same-origin';
          req.body = { code: emulator.issueInAppCode({ unionId: unionId() }) };
        })
        .success((user) => resolve(user as MemberProfile))
        .fail(reject)
        .error(reject)
        .authenticate(),
    );
    const browser = (await callback(app(fake, { skipUserDetails: false }))).args[0] as MemberProfile;
    for (const field of ['id', 'userId', 'corpId', 'departmentIds', 'title', 'jobNumber', 'isAdmin'] as const) {
      assert.deepEqual(browser[field], member[field], `the same ${field} through both logins`);
    }
    assert.equal(fake.count('accessToken'), 1, 'one token for 22 logins, two Strategies and an InAppStrategy');
  });

  it('keeps apart the tokens of another app, secret, token endpoint or fetch', async () => {
    let issued = 0;
    const fake = directory(() => ({ accessToken: `token-${++issued}`, expireIn: 7200 }));
    const base = app(fake);
    const token = await lookup(base);
    assert.equal(await lookup(app(fake)), token, 'the same app shares it');
    for (const other of [
      { clientID: 'dingotherapp' },
      { clientSecret: 'another-secret' },
      { accessTokenURL: `${emulator.url}/v1.0/oauth2/accessToken?other` },
      { fetch: (url: string, init: never) => fake.fetch(url, init) },
    ]) {
      assert.notEqual(await lookup(app(fake, other)), token, JSON.stringify(other));
    }
    const [a, b] = [
      app(fake, { clientID: 'a\0b', clientSecret: 'c-secret' }),
      app(fake, { clientID: 'a', clientSecret: 'b\0c-secret' }),
    ];
    assert.notEqual(await lookup(a), await lookup(b), 'parts that would run together are two apps');
  });

  it('renews ten minutes before expiry, halfway through a short-lived token, and never uses an expired one', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    let lifetime = 7200;
    const fake = directory(() => ({ accessToken: `token-${fake.count('accessToken')}`, expireIn: lifetime }));
    const strategy = app(fake);
    // [ms to wait, the token the login uses, token requests so far, the lifetime of the next tokens]
    for (const [wait, token, requests, next = lifetime] of [
      [0, 1, 1],
      [(7200 - 600) * 1000 - 1, 1, 1],
      [1, 1, 2],
      [0, 2, 2, 60],
      [7200 * 1000, 3, 3],
      [29_999, 3, 3],
      [1, 3, 4],
      [0, 4, 4],
    ] as Array<[number, number, number, number?]>) {
      t.mock.timers.tick(wait);
      assert.equal(await lookup(strategy), `with-token-${token}`, `after ${wait} ms`);
      lifetime = next;
      await settle();
      assert.equal(fake.count('accessToken'), requests, `after ${wait} ms`);
    }
  });

  /** A token endpoint the test answers, request by request: a token, or a refusal. */
  function controlled() {
    const waiting: Array<(answer: object) => void> = [];
    const refused = new Set<string>();
    const fake = directory(() => new Promise((resolve) => waiting.push(resolve)), refused);
    const answer = async (accessToken?: string, expireIn = 7200) => {
      await settle();
      const next = waiting.shift() ?? assert.fail('no token request waits');
      next(accessToken ? { accessToken, expireIn } : { code: 'Forbidden.AccessDenied.QpsLimitForApi', message: 'QPS' });
      await settle();
    };
    return { fake, answer, refused, requests: () => fake.count('accessToken') };
  }
  /** `logins`, which must not wait for the token endpoint. */
  const without = (logins: Promise<string[]>) =>
    Promise.race([
      logins.then((tokens) => [...new Set(tokens)]),
      settle().then(() => assert.fail('the logins wait for a token')),
    ]);

  it('keeps the valid token when its renewal fails: one renewal for all logins, none again for 5 s', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const { fake, answer, requests } = controlled();
    const strategy = app(fake);
    const first = lookup(strategy);
    await answer('token-1');
    assert.equal(await first, 'with-token-1');
    t.mock.timers.tick((7200 - 600) * 1000);
    assert.deepEqual(await without(lookups(strategy)), ['with-token-1']);
    await answer();
    assert.deepEqual(await without(lookups(strategy)), ['with-token-1']);
    t.mock.timers.tick(4_999);
    assert.deepEqual(await without(lookups(strategy)), ['with-token-1']);
    assert.equal(requests(), 2, 'one renewal, none sooner than 5 s after its failure');
    t.mock.timers.tick(1);
    assert.deepEqual(await without(lookups(strategy)), ['with-token-1']);
    await answer('token-2');
    assert.deepEqual([await without(lookups(strategy)), requests()], [['with-token-2'], 3]);
  });

  it('replaces an expired or refused token at once, even within 5 s of a failed renewal, and keeps no failure', async (t) => {
    for (const end of ['expired', 'refused'] as const) {
      t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
      const { fake, answer, requests, refused } = controlled();
      const strategy = app(fake);
      const first = lookup(strategy);
      await answer('token-1', 60);
      await first;
      t.mock.timers.tick(59_999);
      assert.equal(await lookup(strategy), 'with-token-1', 'valid for another millisecond');
      await answer();
      if (end === 'expired') t.mock.timers.tick(1);
      else refused.add('token-1');
      const replaced = assert.rejects(lookups(strategy), /without an accessToken/);
      await answer();
      await replaced;
      assert.equal(requests(), 3, `${end}: one request at once for all the logins`);
      const next = lookup(strategy);
      await answer('token-2');
      assert.deepEqual([await next, requests()], ['with-token-2', 4], `${end}: the failure was not kept`);
      t.mock.timers.reset();
    }
  });

  // Expected to fail before the lead's rewrite (a WeakRef registry keeps every live strategy's token).
  it('keeps the tokens of a bounded number of apps: 1,000 per-tenant strategies sharing a fetch do not hold 1,000', async () => {
    let issued = 0;
    const fake = directory(({ body }) => ({ accessToken: `${body.appKey}-token-${++issued}`, expireIn: 7200 }));
    const tenants = Array.from({ length: 1000 }, (_, i) => app(fake, { clientID: `dingtenant${i}` }));
    for (const tenant of tenants) await lookup(tenant);
    assert.equal(fake.count('accessToken'), 1000);
    const tenant = (i: number) => lookup(tenants[i] as Strategy<boolean>);
    assert.equal(await tenant(999), 'with-dingtenant999-token-1000', 'the last app’s token is kept');
    assert.equal(await tenant(0), 'with-dingtenant0-token-1001', 'the first app’s token was let go');
  });
});
