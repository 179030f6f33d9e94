// The browser Strategy's options: what it refuses at construction, with the message users see.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import OAuth2Strategy = require('passport-oauth2');

import { Strategy, type StrategyOptions } from '../lib/index';

const verify = (_a: string, _r: string, _p: unknown, done: (err: null, user: object) => void) => done(null, {});
const secret = 'clientSecretValue';
const required = { clientID: 'dingClientId', clientSecret: secret, callbackURL: 'https://app.example/cb' };
const member = { ...required, memberLookup: true, allowedCorpIds: ['ding0123456789abcdef'] };
const construct = (options: unknown) => new Strategy(options as StrategyOptions, verify);

/** Asserts a TypeError matching every one of `messages`, which names no secret and no client ID. */
function assertRefused(options: unknown, ...messages: RegExp[]): void {
  assert.throws(
    () => construct(options),
    (error: Error) => {
      assert.ok(error instanceof TypeError, String(error));
      for (const message of messages) assert.match(error.message, message);
      assert.equal(error.message.includes(secret) || error.message.includes(required.clientID), false, error.message);
      return true;
    },
  );
}

describe('constructing the strategy', () => {
  it('is named dingtalk, and takes callback URLs over https, on loopback, relative, or plain http when allowed', () => {
    assert.equal(construct(required).name, 'dingtalk');
    for (const callbackURL of ['http://127.0.0.1:3000/cb', 'http://localhost/cb', '/relative/cb']) {
      assert.doesNotThrow(() => construct({ ...required, callbackURL }), callbackURL);
    }
    assert.doesNotThrow(() =>
      construct({ ...required, callbackURL: 'http://intranet.corp/cb', allowHttpCallbackURL: true }),
    );
    for (const name of ['tokenURL', 'userProfileURL']) {
      assert.doesNotThrow(() => construct({ ...required, [name]: 'http://127.0.0.1:8080/x' }));
      assert.doesNotThrow(() => construct({ ...required, [name]: 'http://localhost:8080/x' }));
    }
    assert.doesNotThrow(() => construct({ ...required, timeout: 2 ** 31 - 1 }));
  });

  // Each is added to the required options.
  const refusals: Array<[object, ...RegExp[]]> = [
    ...(['clientID', 'clientSecret', 'callbackURL'] as const).flatMap((name) =>
      [undefined, '', '  ', 42].map((value): [object, RegExp] => [
        { [name]: value },
        new RegExp(`"${name}" option is required`),
      ]),
    ),
    [{ callbackURL: 'http://app.example.com/cb' }, /plain http/, /use https/, /allowHttpCallbackURL: true/],
    [{ allowHttpCallbackURL: 'yes' }, /"allowHttpCallbackURL" option/],
    [{ tokenURL: 'http://api.dingtalk.com/x' }, /must use https/],
    [{ userProfileURL: 'http://api.dingtalk.com/x' }, /must use https/],
    [{ authorizationURL: 'not a url' }, /absolute URL/],
    [{ tokenURL: 'ftp://x/y' }, /http\(s\) URL/],
    [{ scope: 'openid,corpid' }, /separated by spaces/],
    [{ scope: [] }, /separated by spaces/],
    [{ scope: [42] }, /string or an array of strings/],
    [{ timeout: 0 }, /"timeout" option must be a positive number/],
    [{ timeout: '10' }, /"timeout"/],
    [{ timeout: 2 ** 31 }, /"timeout" option must be a positive number of milliseconds, at most 2147483647/],
    [{ maxResponseBytes: -1 }, /"maxResponseBytes"/],
    [{ fetch: 'node-fetch' }, /"fetch" option must be a function/],
    [{ agent: true }, /"agent" option/],
    [{ skipUserProfile: 'yes' }, /"skipUserProfile"/],
    [{ passReqToCallback: 'yes' }, /"passReqToCallback"/],
    [{ allowedCorpIds: ['ding1'] }, /needs the scope "openid corpid"/],
    [{ scope: 'openid corpid', allowedCorpIds: [] }, /non-empty array/],
    [{ scope: 'openid corpid', allowedCorpIds: [''] }, /non-empty array/],
    [{ ...member, skipUserProfile: true }, /cannot go with skipUserProfile/],
    [{ ...member, skipUserProfile: () => false }, /skipUserProfile/],
    [{ ...member, scope: 'openid', allowedCorpIds: undefined }, /needs the scope "corpid"/],
    [{ ...member, allowedCorpIds: undefined }, /needs allowedCorpIds: \[the app's own corpId\]/],
    [{ ...member, allowedCorpIds: ['ding1', 'ding2'] }, /answers for its own organization only/],
    [{ memberLookup: 'yes' }, /"memberLookup" option must be true or false/],
    [{ skipUserDetails: true }, /"skipUserDetails" option only has a meaning with memberLookup/],
    [{ getAccessToken: () => 't' }, /"getAccessToken" option only has a meaning/],
    [{ ...member, getAccessToken: 'token' }, /"getAccessToken" option must be a function/],
    ...(['getByUnionIdURL', 'accessTokenURL', 'userDetailsURL'] as const).map((name): [object, RegExp] => [
      { ...member, [name]: 'http://oapi.example.com/x' },
      new RegExp(`"${name}" option must use https`),
    ]),
  ];
  it('refuses bad options with a TypeError saying what is wrong, never showing the secret', () => {
    for (const [extra, ...messages] of refusals) assertRefused({ ...required, ...extra }, ...messages);
    assertRefused(undefined, /needs an options object/);
    assert.throws(() => new Strategy(required, undefined as unknown as typeof verify), /needs a verify function/);
  });

  it("names a look-alike key when an option is left out: clientId (DingTalk's spelling), AppKey, callbackUrl", () => {
    const { clientID, clientSecret, ...rest } = required;
    for (const [options, message] of [
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
    ] as const) {
      assertRefused(options, message);
    }
    // An empty clientID is the mistake, not the spelling: no hint then.
    assert.throws(
      () => construct({ ...required, clientID: '', clientId: 'x' }),
      (e: Error) => !e.message.includes('did you mean'),
    );
  });

  it('never mutates the caller’s options object, nor OAuth2Strategy or other strategies in the process', () => {
    const options = { ...required, scope: ['openid', 'corpid'], state: true, timeout: 500 };
    Object.freeze(options.scope);
    const copy = structuredClone(Object.freeze(options));
    const prototype = () => Object.entries(Object.getOwnPropertyDescriptors(OAuth2Strategy.prototype));
    const before = prototype();
    const other = new OAuth2Strategy(
      {
        authorizationURL: 'https://a.example/auth',
        tokenURL: 'https://a.example/token',
        clientID: 'c',
        clientSecret: 's',
      },
      () => undefined,
    );
    const exchange = (strategy: object) =>
      (strategy as { _oauth2: { getOAuthAccessToken: unknown } })._oauth2.getOAuthAccessToken;
    const otherExchange = exchange(other);
    const dingtalk = construct(options);
    assert.deepEqual(options, copy);
    assert.deepEqual(prototype(), before);
    assert.equal(exchange(other), otherExchange);
    assert.notEqual(exchange(dingtalk), otherExchange);
    assert.equal(other.name, 'oauth2');
  });
});
