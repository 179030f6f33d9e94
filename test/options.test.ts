import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import OAuth2Strategy = require('passport-oauth2');

import { Strategy, type StrategyOptions } from '../lib/index';

const verify = (_a: string, _r: string, _p: unknown, done: (err: null, user: object) => void) => done(null, {});
const required = { clientID: 'dingClientId', clientSecret: 'clientSecretValue', callbackURL: 'https://app.example/cb' };

function construct(options: unknown): Strategy {
  return new Strategy(options as StrategyOptions, verify);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

describe('constructing the strategy', () => {
  it('is named dingtalk', () => {
    assert.equal(construct(required).name, 'dingtalk');
  });

  it('refuses a plain-http callbackURL off loopback, saying how to fix it, unless allowHttpCallbackURL is set', () => {
    assert.throws(
      () => construct({ ...required, callbackURL: 'http://app.example.com/auth/dingtalk/callback' }),
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /plain http/);
        assert.match(error.message, /use https/);
        assert.match(error.message, /allowHttpCallbackURL: true/);
        return true;
      },
    );
    assert.doesNotThrow(() =>
      construct({ ...required, callbackURL: 'http://intranet.corp/cb', allowHttpCallbackURL: true }),
    );
    for (const callbackURL of [
      'http://127.0.0.1:3000/cb',
      'http://localhost/cb',
      '/relative/cb',
      'https://app.example/cb',
    ]) {
      assert.doesNotThrow(() => construct({ ...required, callbackURL }), callbackURL);
    }
    assert.throws(() => construct({ ...required, allowHttpCallbackURL: 'yes' }), /"allowHttpCallbackURL" option/);
  });

  for (const name of ['clientID', 'clientSecret', 'callbackURL'] as const) {
    it(`throws a TypeError naming ${name} when it is missing or empty`, () => {
      for (const value of [undefined, '', '  ', 42]) {
        assert.throws(
          () => construct({ ...required, [name]: value }),
          (error: Error) => {
            assert.ok(error instanceof TypeError);
            assert.match(error.message, new RegExp(`"${name}" option is required`));
            return true;
          },
        );
      }
    });
  }

  it("names a look-alike key when an option is left out: clientId (DingTalk's spelling), AppKey, callbackUrl", () => {
    const { clientID, clientSecret, ...rest } = required;
    const cases: Array<[object, RegExp]> = [
      [
        { ...rest, clientSecret, clientId: clientID },
        /"clientID" option is required: .*\. The options have "clientId" \(DingTalk's spelling\): did you mean clientID\?$/,
      ],
      [
        { ...rest, clientSecret, appKey: clientID },
        /"clientID" option is required: .*"appKey": did you mean clientID\?$/,
      ],
      [
        { ...rest, clientID, clientsecret: clientSecret },
        /"clientSecret" .*"clientsecret": did you mean clientSecret\?$/,
      ],
      [{ ...rest, clientID, AppSecret: clientSecret }, /"clientSecret" .*"AppSecret": did you mean clientSecret\?$/],
      [
        { clientID, clientSecret, callbackUrl: required.callbackURL },
        /"callbackURL" .*"callbackUrl": did you mean callbackURL\?$/,
      ],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => construct(options),
        (error: Error) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, message);
          assert.ok(!error.message.includes(clientID) && !error.message.includes(clientSecret), 'no value echoed');
          return true;
        },
      );
    }
    // An empty clientID is the mistake, not the spelling: no hint then.
    assert.throws(
      () => construct({ ...required, clientID: '', clientId: 'dingClientId' }),
      (error: Error) => !error.message.includes('did you mean'),
    );
  });

  it('throws without an options object or a verify function', () => {
    assert.throws(() => construct(undefined), /needs an options object/);
    assert.throws(() => new Strategy(required, undefined as unknown as typeof verify), /needs a verify function/);
  });

  it('never puts the client secret in a construction error', () => {
    assert.throws(
      () => construct({ ...required, tokenURL: 'http://api.example/token' }),
      (error: Error) => {
        assert.doesNotMatch(String(error), /clientSecretValue/);
        return true;
      },
    );
  });

  it('refuses a token or profile URL over plain http outside loopback', () => {
    for (const name of ['tokenURL', 'userProfileURL']) {
      assert.throws(() => construct({ ...required, [name]: 'http://api.dingtalk.com/x' }), /must use https/);
      assert.doesNotThrow(() => construct({ ...required, [name]: 'http://127.0.0.1:8080/x' }));
      assert.doesNotThrow(() => construct({ ...required, [name]: 'http://localhost:8080/x' }));
    }
    assert.throws(() => construct({ ...required, authorizationURL: 'not a url' }), /absolute URL/);
    assert.throws(() => construct({ ...required, tokenURL: 'ftp://x/y' }), /http\(s\) URL/);
  });

  it('refuses a comma-separated scope, which DingTalk does not understand', () => {
    assert.throws(() => construct({ ...required, scope: 'openid,corpid' }), /separated by spaces/);
    assert.throws(() => construct({ ...required, scope: [] }), /separated by spaces/);
    assert.throws(() => construct({ ...required, scope: [42] }), /string or an array of strings/);
  });

  it('refuses a timeout, size bound, fetch, agent or skipUserProfile of the wrong type', () => {
    assert.throws(() => construct({ ...required, timeout: 0 }), /"timeout" option must be a positive number/);
    assert.throws(() => construct({ ...required, timeout: '10' }), /"timeout"/);
    assert.throws(() => construct({ ...required, maxResponseBytes: -1 }), /"maxResponseBytes"/);
    assert.throws(() => construct({ ...required, fetch: 'node-fetch' }), /"fetch" option must be a function/);
    assert.throws(() => construct({ ...required, agent: true }), /"agent" option/);
    assert.throws(() => construct({ ...required, skipUserProfile: 'yes' }), /"skipUserProfile"/);
    assert.throws(() => construct({ ...required, passReqToCallback: 'yes' }), /"passReqToCallback"/);
  });

  it('refuses a timeout setTimeout cannot hold, which would abort every request after 1 ms', () => {
    assert.throws(() => construct({ ...required, timeout: 2 ** 31 }), {
      name: 'TypeError',
      message: /"timeout" option must be a positive number of milliseconds, at most 2147483647/,
    });
    assert.doesNotThrow(() => construct({ ...required, timeout: 2 ** 31 - 1 }));
  });

  it('never mutates the caller’s options object', () => {
    const options = deepFreeze({ ...required, scope: ['openid', 'corpid'], state: true, timeout: 500 });
    const copy = structuredClone(options);
    construct(options);
    assert.deepEqual(options, copy);
  });

  it('changes nothing about OAuth2Strategy or other strategies in the process', () => {
    const prototypeBefore = Object.getOwnPropertyNames(OAuth2Strategy.prototype).map((name) => [
      name,
      Object.getOwnPropertyDescriptor(OAuth2Strategy.prototype, name)?.value,
    ]);
    const other = new OAuth2Strategy(
      {
        authorizationURL: 'https://a.example/auth',
        tokenURL: 'https://a.example/token',
        clientID: 'c',
        clientSecret: 's',
      },
      () => undefined,
    );
    const otherGetToken = (other as unknown as { _oauth2: { getOAuthAccessToken: unknown } })._oauth2
      .getOAuthAccessToken;
    const dingtalk = construct(required);
    const prototypeAfter = Object.getOwnPropertyNames(OAuth2Strategy.prototype).map((name) => [
      name,
      Object.getOwnPropertyDescriptor(OAuth2Strategy.prototype, name)?.value,
    ]);
    assert.deepEqual(prototypeAfter, prototypeBefore);
    const internals = (s: object) => (s as { _oauth2: { getOAuthAccessToken: unknown } })._oauth2;
    assert.equal(internals(other).getOAuthAccessToken, otherGetToken);
    assert.notEqual(internals(dingtalk).getOAuthAccessToken, otherGetToken);
    assert.equal(other.name, 'oauth2');
  });
});
