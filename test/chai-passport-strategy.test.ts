// The way apps and Passport strategies test a login: chai-passport-strategy runs authenticate() on
// Object.create(strategy), as passport does, with `_oauth2.getOAuthAccessToken` and `userProfile`
// stubbed, so no request leaves the process. docs/testing.md shows the same.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import chai from 'chai';
import chaiPassportStrategy, { type PassportTest, type PassportTestRequest } from 'chai-passport-strategy';
import {
  DingTalkAPIError,
  type FetchFunction,
  type Profile,
  Strategy,
  type VerifyFunctionWithRequest,
} from '../lib/index';

chai.use(chaiPassportStrategy);

type TokenHook = (
  code: string,
  params: Record<string, unknown>,
  callback: (err: unknown, accessToken?: string, refreshToken?: string, results?: object) => void,
) => void;
type ProfileHook = (accessToken: string, done: (err: unknown, profile?: object) => void) => void;

const options = {
  clientID: 'ding-client-id',
  clientSecret: 'ding-client-secret',
  callbackURL: 'https://www.example.com/auth/dingtalk/callback',
};

// The strategy's own requests to DingTalk: none may happen while its hooks are stubbed.
const requestsToDingTalk: string[] = [];
const noNetwork: FetchFunction = async (url) => {
  requestsToDingTalk.push(url);
  throw new Error('the test reached the network');
};

/** A strategy whose token exchange and profile are stubbed, as users stub them. */
function stubbed(strategy: Strategy, profile: object = { provider: 'dingtalk', id: 'union-1234' }) {
  const hooks = strategy as unknown as { _oauth2: { getOAuthAccessToken: TokenHook }; userProfile: ProfileHook };
  const seen: { code?: string; params?: Record<string, unknown>; accessToken?: string } = {};
  hooks._oauth2.getOAuthAccessToken = (code, params, callback) => {
    Object.assign(seen, { code, params });
    callback(null, 'access-token-2YotnFZF', 'refresh-token-tGzv3JOk', { accessToken: 'access-token-2YotnFZF' });
  };
  hooks.userProfile = (accessToken, done) => {
    seen.accessToken = accessToken;
    done(null, profile);
  };
  return seen;
}

/** Runs one chai-passport-strategy test and resolves with the action the strategy took. */
function run(test: PassportTest, options?: object): Promise<{ action: string; args: unknown[] }> {
  return new Promise((resolve) => {
    const settle =
      (action: string) =>
      (...args: unknown[]) =>
        resolve({ action, args });
    test.success(settle('success')).fail(settle('fail')).error(settle('error')).redirect(settle('redirect'));
    test.authenticate(options);
  });
}

describe('tested with chai-passport-strategy, hooks stubbed', () => {
  for (const parameter of ['authCode', 'code'] as const) {
    it(`logs in with the code DingTalk sends as ${parameter}`, async () => {
      const strategy = new Strategy({ ...options, fetch: noNetwork }, (accessToken, refreshToken, profile, done) =>
        done(null, { id: profile.id, accessToken, refreshToken }),
      );
      const seen = stubbed(strategy);
      const outcome = await run(
        chai.passport.use(strategy).request((req) => {
          req.query = { [parameter]: 'SplxlOBeZQQYbYS6WxSbIA' };
        }),
      );
      assert.equal(outcome.action, 'success');
      assert.deepEqual(outcome.args[0], {
        id: 'union-1234',
        accessToken: 'access-token-2YotnFZF',
        refreshToken: 'refresh-token-tGzv3JOk',
      });
      assert.equal(seen.code, 'SplxlOBeZQQYbYS6WxSbIA');
      assert.equal(seen.params?.grant_type, 'authorization_code');
      assert.equal(seen.params?.redirect_uri, options.callbackURL);
      assert.equal(seen.accessToken, 'access-token-2YotnFZF');
      assert.deepEqual(requestsToDingTalk, []);
    });
  }

  it('runs a subclass’s userProfile', async () => {
    interface EmployeeProfile extends Profile {
      employeeNumber: string;
    }
    class WithEmployeeNumber extends Strategy {
      override userProfile(_accessToken: string, done: (err?: unknown, profile?: Profile) => void): void {
        const profile = { provider: 'dingtalk', id: 'union-1234', unionId: 'union-1234', displayName: '张三' };
        done(null, { ...profile, employeeNumber: 'E42' } as EmployeeProfile);
      }
    }
    const strategy = new WithEmployeeNumber({ ...options, fetch: noNetwork }, (_at, _rt, profile, done) =>
      done(null, { id: profile.id, employeeNumber: (profile as EmployeeProfile).employeeNumber }),
    );
    const hooks = strategy as unknown as { _oauth2: { getOAuthAccessToken: TokenHook } };
    hooks._oauth2.getOAuthAccessToken = (_code, _params, callback) => callback(null, 'at', 'rt', {});
    const outcome = await run(
      chai.passport.use(strategy).request((req) => {
        req.query = { authCode: 'c' };
      }),
    );
    assert.equal(outcome.action, 'success');
    assert.deepEqual(outcome.args[0], { id: 'union-1234', employeeNumber: 'E42' });
    assert.deepEqual(requestsToDingTalk, []);
  });

  it('hands the very request to a verify with passReqToCallback', async () => {
    let prepared: PassportTestRequest | undefined;
    const verify: VerifyFunctionWithRequest = (req, _at, _rt, profile, done) => {
      assert.equal(req, prepared);
      done(null, { id: profile.id, tenant: req.headers['x-tenant'] });
    };
    const strategy = new Strategy({ ...options, passReqToCallback: true, fetch: noNetwork }, verify);
    stubbed(strategy);
    const outcome = await run(
      chai.passport.use(strategy).request((req) => {
        prepared = req;
        req.headers['x-tenant'] = 'acme';
        req.query = { authCode: 'c' };
      }),
    );
    assert.equal(outcome.action, 'success');
    assert.deepEqual(outcome.args[0], { id: 'union-1234', tenant: 'acme' });
  });

  it('checks the state kept in the session with state: true', async () => {
    const strategy = new Strategy({ ...options, state: true, fetch: noNetwork }, (_at, _rt, profile, done) =>
      done(null, { id: profile.id }),
    );
    stubbed(strategy);
    const session = { 'oauth2:login.dingtalk.com': { state: 'xyz-state' } };
    const good = await run(
      chai.passport.use(strategy).request((req) => {
        req.session = structuredClone(session);
        req.query = { authCode: 'c', state: 'xyz-state' };
      }),
    );
    assert.equal(good.action, 'success');
    const forged = await run(
      chai.passport.use(strategy).request((req) => {
        req.session = structuredClone(session);
        req.query = { authCode: 'c', state: 'forged' };
      }),
    );
    assert.equal(forged.action, 'fail');
    assert.equal((forged.args[0] as { reason?: string }).reason, 'state_mismatch');
    assert.equal(forged.args[1], 403);
  });

  it('fails with reason access_denied when the user cancels (error=access_denied)', async () => {
    const strategy = new Strategy({ ...options, fetch: noNetwork }, () => assert.fail('verify must not run'));
    const seen = stubbed(strategy);
    const outcome = await run(
      chai.passport.use(strategy).request((req) => {
        req.query = { error: 'access_denied', state: 's' };
      }),
    );
    assert.equal(outcome.action, 'fail');
    assert.deepEqual(outcome.args[0], {
      message: 'DingTalk login was not authorized: access_denied',
      reason: 'access_denied',
      dingtalkError: 'access_denied',
    });
    assert.equal(seen.code, undefined);
  });

  it('fails with code_rejected when the stubbed exchange reports a used code, and errors otherwise', async () => {
    const strategy = new Strategy({ ...options, fetch: noNetwork }, () => assert.fail('verify must not run'));
    const hooks = strategy as unknown as { _oauth2: { getOAuthAccessToken: TokenHook } };
    const usedCode = new DingTalkAPIError('token', { dingtalkStatus: 400, code: 'invalidCode', description: '' });
    hooks._oauth2.getOAuthAccessToken = (_code, _params, callback) => callback(usedCode);
    const rejected = await run(
      chai.passport.use(strategy).request((req) => {
        req.query = { authCode: 'c' };
      }),
    );
    assert.equal(rejected.action, 'fail');
    assert.equal((rejected.args[0] as { reason?: string }).reason, 'code_rejected');
    assert.equal(rejected.args[1], 401);

    const badSecret = new DingTalkAPIError('token', {
      dingtalkStatus: 400,
      code: 'invalidClientIdOrSecret',
      description: '',
    });
    hooks._oauth2.getOAuthAccessToken = (_code, _params, callback) => callback(badSecret);
    const failed = await run(
      chai.passport.use(strategy).request((req) => {
        req.query = { authCode: 'c' };
      }),
    );
    assert.equal(failed.action, 'error');
    assert.equal(failed.args[0], badSecret);
  });

  it('lets an unexpected outcome fail the test at once, as chai-passport-strategy reports it', () => {
    const strategy = new Strategy(
      { ...options, scope: 'openid corpid', allowedCorpIds: ['ding-allowed'], fetch: noNetwork },
      (_at, _rt, profile, done) => done(null, { id: profile.id }),
    );
    const hooks = strategy as unknown as { _oauth2: { getOAuthAccessToken: TokenHook } };
    hooks._oauth2.getOAuthAccessToken = (_code, _params, callback) =>
      callback(null, 'at', 'rt', { corpId: 'ding-other' });
    const test = chai.passport
      .use(strategy)
      .request((req) => {
        req.query = { authCode: 'c' };
      })
      .success(() => assert.fail('another organization must not log in'));
    assert.throws(() => test.authenticate(), /Strategy#fail should not be called/);
  });

  it('redirects to DingTalk’s authorize page when a login starts', async () => {
    const strategy = new Strategy({ ...options, scope: 'openid corpid', fetch: noNetwork }, () => undefined);
    const outcome = await run(chai.passport.use(strategy), { corpId: 'ding-corp' });
    assert.equal(outcome.action, 'redirect');
    const location = new URL(String(outcome.args[0]));
    assert.equal(location.origin + location.pathname, 'https://login.dingtalk.com/oauth2/auth');
    assert.equal(location.searchParams.get('client_id'), options.clientID);
    assert.equal(location.searchParams.get('redirect_uri'), options.callbackURL);
    assert.equal(location.searchParams.get('scope'), 'openid corpid');
    assert.equal(location.searchParams.get('prompt'), 'consent');
    assert.equal(location.searchParams.get('corpId'), 'ding-corp');
  });
});
