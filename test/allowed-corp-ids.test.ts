import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Strategy, type StrategyOptions, type VerifyFunction } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { startApp, type TestApp } from './helpers/app';

describe('allowedCorpIds: organization allow-list', () => {
  let emulator: DingTalkEmulator;
  let app: TestApp;
  let verifyCalls = 0;
  const allowed = 'dingemulatorcorp0001';
  const verify: VerifyFunction = (_a, _r, profile, done) => {
    verifyCalls++;
    done(null, { id: profile.id, corpId: profile.corpId });
  };

  before(async () => {
    emulator = await createDingTalkEmulator();
    app = await startApp({
      strategy: {
        ...emulator.strategyOptions(),
        callbackURL: '/callback',
        scope: 'openid corpid',
        allowedCorpIds: [allowed, 'dingsomeothercorp'],
      },
      verify,
    });
  });
  beforeEach(() => {
    verifyCalls = 0;
    emulator.resetCounters();
  });
  after(async () => {
    await app.close();
    await emulator.close();
  });

  const callback = (code: string) => {
    const browser = app.browser();
    return { browser, response: browser.get('/callback').query({ authCode: code }).redirects(0) };
  };

  it('lets in a user who picked an allowed organization', async () => {
    const { response } = callback(emulator.issueAuthCode({ scope: 'openid corpid', corpId: allowed }));
    const answer = await response;
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.user, { id: 'union-zhangsan', corpId: allowed });
  });

  it('fails a user who picked another organization, before verify and the profile request', async () => {
    const { browser, response } = callback(
      emulator.issueAuthCode({ scope: 'openid corpid', corpId: 'dingemulatorcorp0002' }),
    );
    assert.equal((await response).headers.location, '/failed');
    assert.deepEqual((await browser.get('/failed')).body.messages, [
      'The organization dingemulatorcorp0002 may not log in to this app.',
    ]);
    assert.equal(verifyCalls, 0);
    assert.equal(emulator.counters.requests.profile, 0);
  });

  it('fails a login whose scope did not ask for the organization', async () => {
    const { browser, response } = callback(emulator.issueAuthCode({ scope: 'openid' }));
    assert.equal((await response).headers.location, '/failed');
    assert.match((await browser.get('/failed')).body.messages[0], /needs the scope "openid corpid"/);
    assert.equal(verifyCalls, 0);
  });

  it('refuses at construction an allow-list without corpid in the scope, or an empty one', () => {
    const base = { ...emulator.strategyOptions(), callbackURL: '/cb' };
    const construct = (options: object) => new Strategy({ ...base, ...options } as StrategyOptions, verify);
    assert.throws(() => construct({ allowedCorpIds: [allowed] }), /needs the scope "openid corpid"/);
    assert.throws(() => construct({ scope: 'openid corpid', allowedCorpIds: [] }), /non-empty array/);
    assert.throws(() => construct({ scope: 'openid corpid', allowedCorpIds: [''] }), /non-empty array/);
  });
});
