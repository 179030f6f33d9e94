import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthTokenRefresh } from 'passport-oauth2-refresh';
import { DingTalkAPIError, type DingTalkTokenResponse, Strategy } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';

type TokenCallback = (
  err: unknown,
  accessToken?: string,
  refreshToken?: string,
  params?: DingTalkTokenResponse,
) => void;
type TokenGetter = (code: string, params: object, callback: TokenCallback) => void;

describe('refreshing an access token', () => {
  let emulator: DingTalkEmulator;
  let strategy: Strategy;

  before(async () => {
    emulator = await createDingTalkEmulator();
    strategy = new Strategy({ ...emulator.strategyOptions(), callbackURL: '/cb' }, (_a, _r, _p, done) =>
      done(null, {}),
    );
  });
  after(() => emulator.close());

  const getter = () =>
    (strategy as unknown as { _oauth2: { getOAuthAccessToken: TokenGetter } })._oauth2.getOAuthAccessToken;
  const call = (get: TokenGetter, code: string, params: object) =>
    new Promise<{ err: unknown; accessToken?: string; refreshToken?: string; params?: DingTalkTokenResponse }>(
      (resolve) =>
        get(code, params, (err, accessToken, refreshToken, result) =>
          resolve({ err, accessToken, refreshToken, params: result }),
        ),
    );

  async function freshTokens(scope = 'openid') {
    const result = await call(getter(), emulator.issueAuthCode({ scope }), { grant_type: 'authorization_code' });
    assert.equal(result.err, null);
    return result;
  }

  it('posts grantType refresh_token through strategy._oauth2.getOAuthAccessToken', async () => {
    const first = await freshTokens('openid corpid');
    const refreshed = await call(getter(), first.refreshToken ?? '', { grant_type: 'refresh_token' });
    assert.equal(refreshed.err, null);
    assert.notEqual(refreshed.accessToken, first.accessToken);
    assert.ok(refreshed.refreshToken);
    assert.equal(refreshed.params?.expireIn, 7200);
    assert.equal(refreshed.params?.corpId, first.params?.corpId);
  });

  it('calls back with a DingTalkAPIError for a refresh token DingTalk does not know', async () => {
    const refreshed = await call(getter(), 'not-a-refresh-token', { grant_type: 'refresh_token' });
    assert.ok(refreshed.err instanceof DingTalkAPIError);
    assert.equal(refreshed.err.endpoint, 'token');
    assert.equal(refreshed.accessToken, undefined);
  });

  it('works unchanged with the passport-oauth2-refresh package', async () => {
    const refresh = new AuthTokenRefresh();
    refresh.use(strategy);
    const first = await freshTokens();
    const result = await new Promise<{ err: unknown; accessToken?: string; refreshToken?: string }>((resolve) =>
      refresh.requestNewAccessToken('dingtalk', first.refreshToken ?? '', (err, accessToken, refreshToken) =>
        resolve({ err, accessToken, refreshToken }),
      ),
    );
    assert.equal(result.err, null);
    assert.ok(result.accessToken);
    assert.notEqual(result.accessToken, first.accessToken);
    // The refreshed token is real: DingTalk accepts it for the profile.
    const profile = await new Promise<unknown>((resolve, reject) =>
      strategy.userProfile(result.accessToken ?? '', (err, p) => (err ? reject(err) : resolve(p))),
    );
    assert.equal((profile as { id: string }).id, emulator.users[0]?.unionId);
  });
});
