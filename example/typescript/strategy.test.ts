// Testing your strategy's settings and verify callback in-process with chai-passport-strategy, in TypeScript:
// the token exchange and the profile are stubbed, so no request leaves the process. chai-passport-strategy
// has no types of its own: chai-passport-strategy.d.ts, in the same folder, declares them.
// npm install passport-dingtalk-oauth2
// npm install --save-dev typescript @types/node chai@4 @types/chai@4 chai-passport-strategy
// npx tsc -p . && node --test dist/strategy.test.js
import { before, describe, it } from 'node:test';
import chai from 'chai';
import chaiPassportStrategy from 'chai-passport-strategy';
import {
  type DingTalkAuthenticateInfo,
  type DingTalkTokenResponse,
  type Profile,
  Strategy,
} from 'passport-dingtalk-oauth2';

chai.use(chaiPassportStrategy);
const { expect } = chai;

/**
 * The two hooks a test stubs, and nothing else: `_oauth2` is protected, and `userProfile` expects a whole
 * Profile where the stub gives the fields the verify reads. Cast the strategy to this type to reach them.
 */
interface StubbableHooks {
  _oauth2: {
    getOAuthAccessToken(
      code: string,
      params: object,
      callback: (err: unknown, accessToken?: string, refreshToken?: string, results?: DingTalkTokenResponse) => void,
    ): void;
  };
  userProfile(accessToken: string, done: (err: unknown, profile?: Pick<Profile, 'provider' | 'id'>) => void): void;
}

/** What the strategy did with the request: one of these is set. */
interface Outcome {
  redirect?: string;
  success?: { user: unknown; info: unknown };
  fail?: { challenge: DingTalkAuthenticateInfo; status: number | undefined };
  error?: unknown;
}

/** The app's strategy, with DingTalk's answers stubbed: the token answer names the organization `corpId`. */
function createStrategy({ corpId = 'ding0123456789abcdef' } = {}): Strategy {
  const strategy = new Strategy(
    {
      clientID: 'ding-client-id',
      clientSecret: 'ding-client-secret',
      // Absolute: chai-passport-strategy's request has no Host header to resolve a relative URL.
      callbackURL: 'https://app.example.com/auth/dingtalk/callback',
      scope: 'openid corpid',
      allowedCorpIds: ['ding0123456789abcdef'],
    },
    (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id, corpId: profile.corpId }),
  );
  // No request leaves the process: the token exchange and the profile are stubbed.
  const hooks = strategy as unknown as StubbableHooks;
  hooks._oauth2.getOAuthAccessToken = (_code, _params, callback) =>
    callback(null, 'access-token', 'refresh-token', { accessToken: 'access-token', corpId });
  hooks.userProfile = (_accessToken, done) => done(null, { provider: 'dingtalk', id: 'union-1234' });
  return strategy;
}

/** Runs the strategy on a request with `query`; resolves with what it did: success, fail, redirect or error. */
function authenticate(strategy: Strategy, query: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    chai.passport
      .use(strategy)
      .request((req) => {
        req.query = query;
      })
      .success((user, info) => resolve({ success: { user, info } }))
      // This strategy fails with a DingTalkChallenge (`reason`, `message`), or with your verify's `info`.
      .fail((challenge, status) => resolve({ fail: { challenge: challenge as DingTalkAuthenticateInfo, status } }))
      .redirect((url) => resolve({ redirect: url }))
      .error((err) => resolve({ error: err }))
      .authenticate();
  });
}

describe('DingTalk login', () => {
  describe('when the user starts a login', () => {
    let result: Outcome;
    before(async () => {
      result = await authenticate(createStrategy());
    });

    it('sends the browser to DingTalk, asking for the organization', () => {
      chai.assert.exists(result.redirect, 'the strategy did not redirect');
      const url = new URL(result.redirect);
      expect(`${url.origin}${url.pathname}`).to.equal('https://login.dingtalk.com/oauth2/auth');
      expect(url.searchParams.get('client_id')).to.equal('ding-client-id');
      expect(url.searchParams.get('scope')).to.equal('openid corpid');
      expect(url.searchParams.get('prompt')).to.equal('consent');
    });
  });

  describe('when DingTalk sends the user back with an authCode', () => {
    let result: Outcome;
    before(async () => {
      result = await authenticate(createStrategy(), { authCode: 'SplxlOBeZQQYbYS6WxSbIA' });
    });

    it('logs the user in', () => {
      expect(result.success?.user).to.deep.equal({ id: 'union-1234', corpId: 'ding0123456789abcdef' });
    });
  });

  describe('when the user picked an organization that is not allowed', () => {
    let result: Outcome;
    before(async () => {
      result = await authenticate(createStrategy({ corpId: 'dingsomeothercompany' }), { authCode: 'SplxlOBeZQQYbYS6' });
    });

    it('fails with status 403 and reason organization_not_allowed', () => {
      expect(result.fail?.status).to.equal(403);
      expect(result.fail?.challenge.reason).to.equal('organization_not_allowed');
    });
  });

  describe('when the user presses Cancel', () => {
    let result: Outcome;
    before(async () => {
      result = await authenticate(createStrategy(), { error: 'access_denied' });
    });

    it('fails with reason access_denied', () => {
      expect(result.fail?.challenge.reason).to.equal('access_denied');
    });
  });
});
