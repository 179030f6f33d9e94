import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTokenResponse } from '../lib/api/token';
import { tokenBody } from './fixtures/dingtalk';

describe('token answer parsing', () => {
  it('keeps accessToken, refreshToken, expireIn and corpId as DingTalk sent them', () => {
    assert.deepEqual(parseTokenResponse({ ...tokenBody }), tokenBody);
  });

  it('keeps fields DingTalk may add later', () => {
    assert.equal(parseTokenResponse({ ...tokenBody, newField: 'x' })?.newField, 'x');
  });

  it('refuses an answer without a usable accessToken', () => {
    assert.equal(parseTokenResponse({ refreshToken: 'r' }), undefined);
    assert.equal(parseTokenResponse({ accessToken: '' }), undefined);
    assert.equal(parseTokenResponse({ accessToken: 42 }), undefined);
  });

  it('reads a numeric expireIn sent as a string, and drops one that is not a number', () => {
    assert.equal(parseTokenResponse({ accessToken: 'a', expireIn: '7200' })?.expireIn, 7200);
    assert.equal(parseTokenResponse({ accessToken: 'a', expireIn: 'x' })?.expireIn, undefined);
    assert.equal('expireIn' in (parseTokenResponse({ accessToken: 'a', expireIn: null }) ?? {}), false);
  });

  it('drops a refreshToken or corpId of the wrong type', () => {
    const token = parseTokenResponse({ accessToken: 'a', refreshToken: {}, corpId: 7 });
    assert.deepEqual(token, { accessToken: 'a' });
  });
});
