import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { createDingTalkEmulator, type DingTalkEmulator } from '../../lib/testing/index';
import { startApp, type TestApp } from '../helpers/app';
import { CookieClient } from '../helpers/cookie-client';
import { type RunningRedis, startRedis } from './redis-server';

const logins = Number(process.env.REDIS_LOGINS ?? 300);

describe('several app instances sharing sessions in a real Redis', () => {
  let redis: RunningRedis;
  let client: ReturnType<typeof createClient>;
  let emulator: DingTalkEmulator;
  const instances: TestApp[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  before(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url });
    await client.connect();
    emulator = await createDingTalkEmulator();
    for (let i = 0; i < 3; i++) {
      instances.push(
        await startApp({
          strategy: { ...emulator.strategyOptions(), callbackURL: '/callback', state: true },
          sessionStore: new RedisStore({ client, prefix: 'sess:' }),
        }),
      );
    }
  });
  after(async () => {
    agent.destroy();
    await Promise.all(instances.map((instance) => instance.close()));
    await emulator.close();
    await client.quit();
    await redis.stop();
  });

  const on = (index: number) => instances[index % instances.length] as TestApp;

  /** Login i starts on instance i, comes back on instance i+1, and is looked at on instance i+2. */
  async function crossInstanceLogin(i: number) {
    const browser = new CookieClient('', agent);
    const user = emulator.users[i % emulator.users.length];
    assert.ok(user);
    const start = await browser.get(`${on(i).url}/login`);
    const state = new URL(start.location ?? '').searchParams.get('state') ?? '';
    const code = emulator.issueAuthCode({ unionId: user.unionId });
    const callback = await browser.get(`${on(i + 1).url}/callback?authCode=${code}&state=${encodeURIComponent(state)}`);
    const me = JSON.parse((await browser.get(`${on(i + 2).url}/me`)).body);
    return { browser, state, callback, me, unionId: user.unionId };
  }

  it(`completes ${logins} logins that each cross three instances, every one with the right user`, async (t) => {
    const results = await Promise.all(Array.from({ length: logins }, (_, i) => crossInstanceLogin(i)));
    results.forEach(({ callback, me, unionId }, i) => {
      assert.equal(callback.status, 200, `login ${i}: ${callback.body.slice(0, 200)}`);
      assert.equal(me.user?.profile.id, unionId, `login ${i}`);
    });
    for (const instance of instances) assert.deepEqual(instance.errors, []);
    t.diagnostic(`${logins} cross-instance logins succeeded`);
  });

  it('fails a state replayed on a third instance', async () => {
    const { browser, state } = await crossInstanceLogin(0);
    const replay = await browser.get(`${on(2).url}/callback?authCode=${emulator.issueAuthCode()}&state=${state}`);
    assert.equal(replay.status, 302);
    assert.equal(replay.location, '/failed');
    const messages = JSON.parse((await browser.get(`${on(2).url}/failed`)).body).messages;
    assert.match(messages.join(), /Unable to verify authorization request state/);
  });

  it('fails a callback on another instance when the session is not shared (the mistake this avoids)', async () => {
    const alone = await startApp({
      strategy: { ...emulator.strategyOptions(), callbackURL: '/callback', state: true },
    });
    try {
      const browser = new CookieClient('', agent);
      const start = await browser.get(`${on(0).url}/login`);
      const state = new URL(start.location ?? '').searchParams.get('state') ?? '';
      const callback = await browser.get(`${alone.url}/callback?authCode=${emulator.issueAuthCode()}&state=${state}`);
      assert.equal(callback.location, '/failed');
    } finally {
      await alone.close();
    }
  });
});
