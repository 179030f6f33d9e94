// passport-dingtalk-oauth2/testing: the emulator's options and API.
import { expectTypeOf } from 'expect-type';
import { Strategy } from 'passport-dingtalk-oauth2';
import {
  createDingTalkEmulator,
  type DingTalkEmulator,
  defaultEmulatorUsers,
  type EmulatorCounters,
  type EmulatorStrategyOptions,
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
  expectTypeOf(emulator.url).toEqualTypeOf<string>();
  expectTypeOf(emulator.users).toEqualTypeOf<readonly EmulatorUser[]>();
  expectTypeOf(emulator.counters).toEqualTypeOf<EmulatorCounters>();
  expectTypeOf(emulator.strategyOptions()).toEqualTypeOf<EmulatorStrategyOptions>();
  expectTypeOf(emulator.issueAuthCode({ unionId: 'union-1', scope: 'openid corpid', corpId: 'ding1' })).toBeString();
  expectTypeOf(emulator.close()).toEqualTypeOf<Promise<void>>();
  expectTypeOf(defaultEmulatorUsers).toEqualTypeOf<readonly EmulatorUser[]>();

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
