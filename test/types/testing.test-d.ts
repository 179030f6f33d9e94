// passport-dingtalk-oauth2/testing: the emulator's options and API.
import { expectTypeOf } from 'expect-type';
import { Strategy } from 'passport-dingtalk-oauth2';
import {
  createDingTalkEmulator,
  type DingTalkEmulator,
  defaultEmulatorUsers,
  type EmulatorCounters,
  type EmulatorInAppStrategyOptions,
  type EmulatorMemberLookupStrategyOptions,
  type EmulatorStrategyOptions,
  type EmulatorSysLevel,
  type EmulatorUnknownUserIdError,
  type EmulatorUser,
} from 'passport-dingtalk-oauth2/testing';

async function emulatorTypes(): Promise<void> {
  const emulator = await createDingTalkEmulator({
    clientID: 'ding-client-id',
    clientSecret: 'client-secret',
    redirectURIs: ['http://127.0.0.1:3000/auth/dingtalk/callback'],
    users: [{ unionId: 'union-1', openId: 'open-1', nick: '张三', organizations: [{ corpId: 'ding1', name: '示例' }] }],
    permissions: ['Contact.User.Read'],
    authCodeTTLSeconds: 60,
    accessTokenTTLSeconds: 600,
    host: '127.0.0.1',
    port: 0,
    now: () => Date.now(),
  });
  expectTypeOf(emulator).toEqualTypeOf<DingTalkEmulator>();
  // oapi's own ways: English errmsg texts, and the errcode of user/get for an unknown userid.
  await createDingTalkEmulator({ oapiMessages: 'en', unknownUserIdError: 33012 });
  await createDingTalkEmulator({ oapiMessages: 'zh', unknownUserIdError: 60121 });
  // @ts-expect-error: only 'zh' or 'en'
  await createDingTalkEmulator({ oapiMessages: 'fr' });
  // @ts-expect-error: only 60121 or 33012
  await createDingTalkEmulator({ unknownUserIdError: 40078 });
  expectTypeOf<EmulatorUnknownUserIdError>().toEqualTypeOf<60121 | 33012>();
  expectTypeOf(emulator.url).toEqualTypeOf<string>();
  expectTypeOf(emulator.users).toEqualTypeOf<readonly EmulatorUser[]>();
  expectTypeOf(emulator.counters).toEqualTypeOf<EmulatorCounters>();
  expectTypeOf(emulator.strategyOptions()).toEqualTypeOf<EmulatorStrategyOptions>();
  expectTypeOf(emulator.strategyOptions({ memberLookup: false })).toEqualTypeOf<EmulatorStrategyOptions>();
  // The member lookup: the literal true survives, for a Strategy that types memberLookup: true.
  const lookup = emulator.strategyOptions({ memberLookup: true });
  expectTypeOf(lookup).toEqualTypeOf<EmulatorMemberLookupStrategyOptions>();
  expectTypeOf(lookup.memberLookup).toEqualTypeOf<true>();
  expectTypeOf(lookup).toMatchTypeOf<EmulatorStrategyOptions>();
  expectTypeOf(lookup.getByUnionIdURL).toBeString();
  const either = emulator.strategyOptions({ memberLookup: Math.random() > 0.5 });
  expectTypeOf(either).toEqualTypeOf<EmulatorStrategyOptions | EmulatorMemberLookupStrategyOptions>();
  // @ts-expect-error memberLookup is true or false
  emulator.strategyOptions({ memberLookup: 'yes' });
  expectTypeOf(emulator.getByUnionIdURL).toBeString();
  expectTypeOf(emulator.counters.requests.getByUnionId).toBeNumber();
  emulator.inject('getbyunionid', { kind: 'throttle', times: 1 });
  expectTypeOf(emulator.issueAuthCode({ unionId: 'union-1', scope: 'openid corpid', corpId: 'ding1' })).toBeString();
  expectTypeOf(emulator.close()).toEqualTypeOf<Promise<void>>();
  expectTypeOf(defaultEmulatorUsers).toEqualTypeOf<readonly EmulatorUser[]>();

  // In-client login (免登).
  const inClient = await createDingTalkEmulator({
    corpId: 'ding1',
    users: [
      {
        unionId: 'union-1',
        openId: 'open-1',
        nick: '张三',
        organizations: [{ corpId: 'ding1', name: '示例', userId: 'zhangsan', sysLevel: 1, deptIds: [1] }],
      },
    ],
  });
  expectTypeOf(inClient.inAppStrategyOptions()).toEqualTypeOf<EmulatorInAppStrategyOptions>();
  expectTypeOf(inClient.issueAppAccessToken('ding1')).toBeString();
  expectTypeOf(inClient.issueInAppCode({ unionId: 'union-1', corpId: 'ding1' })).toBeString();
  expectTypeOf(inClient.revokeAppTokens()).toBeVoid();
  expectTypeOf(inClient.signInToClient('union-1')).toBeVoid();
  expectTypeOf(inClient.ddScriptURL).toBeString();
  expectTypeOf(inClient.counters.requests.userInfo).toBeNumber();
  inClient.inject('userinfo', { body: { errcode: 88, sub_code: '40014' }, times: 1 });
  const level: EmulatorSysLevel = 100;
  // @ts-expect-error sys_level is 0, 1, 2 or 100
  const badLevel: EmulatorSysLevel = 3;
  void [level, badLevel];

  // The emulator's options plus a callbackURL are Strategy options.
  new Strategy({ ...emulator.strategyOptions(), callbackURL: '/cb' }, (_at, _rt, profile, done) => done(null, profile));

  emulator.inject('token', { status: 503, body: { code: 'ServiceUnavailable', message: '' }, times: 1 });
  emulator.inject('profile', { kind: 'hang' });
  emulator.inject('authorize', { latencyMs: 100, headers: { 'x-test': '1' } });
  // @ts-expect-error faults go to 'authorize', 'token' or 'profile'
  emulator.inject('consent', { kind: 'html' });
  // @ts-expect-error an unknown fault kind
  emulator.inject('token', { kind: 'slow' });
  // @ts-expect-error counters are read-only
  emulator.counters.connections = 0;
  // @ts-expect-error a test user needs its organizations
  await createDingTalkEmulator({ users: [{ unionId: 'union-1', openId: 'open-1', nick: '张三' }] });
}

export { emulatorTypes };
