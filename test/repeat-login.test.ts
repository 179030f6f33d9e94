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

  async function logIn(unionId: string): Promise<{ accessToken: string; params: { expireIn: number } }> {
    const answer = await app
      .browser()
      .get('/callback')
      .query({ authCode: emulator.issueAuthCode({ unionId }) });
    assert.equal(answer.status, 200, answer.text);
    return answer.body.user;
  }

  it('gets the same access token, renewed, and both logins succeed', async () => {
    const [zhangsan, lisi] = emulator.users;
    assert.ok(zhangsan && lisi);
    const first = await logIn(zhangsan.unionId);
    const second = await logIn(zhangsan.unionId);
    assert.equal(second.accessToken, first.accessToken);
    assert.equal(second.params.expireIn, 7200);
    // Another user gets a token of their own.
    assert.notEqual((await logIn(lisi.unionId)).accessToken, first.accessToken);
    // Another organization (scope corpid) is another token.
    const [corp1, corp2] = zhangsan.organizations;
    assert.ok(corp1 && corp2);
    const inCorp = async (corpId: string) => {
      const code = emulator.issueAuthCode({ unionId: zhangsan.unionId, scope: 'openid corpid', corpId });
      const answer = await app.browser().get('/callback').query({ authCode: code });
      assert.equal(answer.status, 200, answer.text);
      return answer.body.user as { accessToken: string; params: { corpId: string } };
    };
    const one = await inCorp(corp1.corpId);
    const two = await inCorp(corp2.corpId);
    assert.notEqual(two.accessToken, one.accessToken);
    assert.equal((await inCorp(corp1.corpId)).accessToken, one.accessToken);
    assert.equal(one.params.corpId, corp1.corpId);
    // And the renewed token still reads the profile.
    const me = await fetch(emulator.userProfileURL, { headers: { 'x-acs-dingtalk-access-token': first.accessToken } });
    assert.equal(me.status, 200);
  });
});
