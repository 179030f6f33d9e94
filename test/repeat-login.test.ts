import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { startApp, type TestApp } from './helpers/app';

// DingTalk's "获取用户token" page: within its lifetime, asking again answers the same token and
// renews it (有效期内重复获取返回相同结果并自动续期). Nothing may assume a fresh token per login.
describe('the same user logging in again while their token lives', () => {
  let emulator: DingTalkEmulator;
  let app: TestApp;

  before(async () => {
    emulator = await createDingTalkEmulator();
    app = await startApp({ strategy: { ...emulator.strategyOptions(), callbackURL: '/callback', state: false } });
  });
  after(async () => {
    await app.close();
    await emulator.close();
  });

  type User = { accessToken: string; params: { expireIn: number; corpId?: string } };
  async function logIn(grant: Parameters<DingTalkEmulator['issueAuthCode']>[0]): Promise<User> {
    const answer = await app
      .browser()
      .get('/callback')
      .query({ authCode: emulator.issueAuthCode(grant) });
    assert.equal(answer.status, 200, answer.text);
    return answer.body.user;
  }

  it('gets the same access token, renewed, and both logins succeed; another user or organization gets another', async () => {
    const [zhangsan, lisi] = emulator.users;
    const [corp1, corp2] = zhangsan?.organizations ?? [];
    assert.ok(zhangsan && lisi && corp1 && corp2);
    const first = await logIn({ unionId: zhangsan.unionId });
    const second = await logIn({ unionId: zhangsan.unionId });
    assert.equal(second.accessToken, first.accessToken);
    assert.equal(second.params.expireIn, 7200);
    assert.notEqual((await logIn({ unionId: lisi.unionId })).accessToken, first.accessToken);
    const inCorp = (corpId: string) => logIn({ unionId: zhangsan.unionId, scope: 'openid corpid', corpId });
    const one = await inCorp(corp1.corpId);
    assert.notEqual((await inCorp(corp2.corpId)).accessToken, one.accessToken);
    assert.equal((await inCorp(corp1.corpId)).accessToken, one.accessToken);
    assert.equal(one.params.corpId, corp1.corpId);
    // And the renewed token still reads the profile.
    const me = await fetch(emulator.userProfileURL, { headers: { 'x-acs-dingtalk-access-token': first.accessToken } });
    assert.equal(me.status, 200);
  });
});
