import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProfile } from '../lib/api/profile';
import type { DingTalkUserInfo } from '../lib/api/wire';
import { userMeBody } from './fixtures/dingtalk';

const raw = JSON.stringify(userMeBody);

describe('profile mapping', () => {
  it('maps every field of the "me" answer to the portable Passport profile', () => {
    const profile = parseProfile(userMeBody, raw, 'dingCorp01');
    assert.deepEqual(profile, {
      provider: 'dingtalk',
      id: 'unionIdZhangSan0001',
      displayName: '张三',
      unionId: 'unionIdZhangSan0001',
      openId: 'openIdZhangSan0001',
      corpId: 'dingCorp01',
      emails: [{ value: 'zhangsan@example.com', verified: false }],
      photos: [{ value: userMeBody.avatarUrl }],
      phoneNumbers: [{ value: '+8613800000000' }],
      _raw: raw,
      _json: userMeBody,
    });
  });

  it('uses the unionId, never the openId, as the id', () => {
    const profile = parseProfile({ ...userMeBody, openId: 'other' }, raw);
    assert.equal(profile.id, userMeBody.unionId);
  });

  it('never marks an email as verified', () => {
    const profile = parseProfile(userMeBody, raw);
    assert.equal(profile.emails?.[0]?.verified, false);
  });

  it('adds loginEmail after email, unverified, and lists one address once', () => {
    const both = parseProfile({ unionId: 'u1', email: 'a@example.com', loginEmail: 'b@example.com' }, '');
    assert.deepEqual(both.emails, [
      { value: 'a@example.com', verified: false },
      { value: 'b@example.com', verified: false },
    ]);
    const same = parseProfile({ unionId: 'u1', email: 'A@example.com', loginEmail: 'a@EXAMPLE.com' }, '');
    assert.deepEqual(same.emails, [{ value: 'A@example.com', verified: false }]);
    const onlyLogin = parseProfile({ unionId: 'u1', loginEmail: 'b@example.com' }, '');
    assert.deepEqual(onlyLogin.emails, [{ value: 'b@example.com', verified: false }]);
    const odd = parseProfile({ unionId: 'u1', email: '', loginEmail: 7 } as unknown as DingTalkUserInfo, '');
    assert.equal(odd.emails, undefined);
  });

  it('leaves out emails, photos, phone numbers, openId and corpId when DingTalk sends none', () => {
    const profile = parseProfile({ unionId: 'u1' }, '{"unionId":"u1"}');
    assert.deepEqual(Object.keys(profile).sort(), ['_json', '_raw', 'displayName', 'id', 'provider', 'unionId']);
    assert.equal(profile.displayName, '');
  });

  it('leaves out the phone number when DingTalk masks it (third-party apps: 155****3240)', () => {
    const json = { unionId: 'u1', mobile: '155****3240', stateCode: '86' };
    const profile = parseProfile(json, JSON.stringify(json));
    assert.equal(profile.phoneNumbers, undefined, 'no broken +86155****3240');
    assert.equal(profile._json.mobile, '155****3240', 'the masked value stays in _json');
  });

  it('gives the mobile without a prefix when the state code is missing', () => {
    const profile = parseProfile({ unionId: 'u1', mobile: '13800000000' }, '');
    assert.deepEqual(profile.phoneNumbers, [{ value: '13800000000' }]);
  });

  it('does not double a plus sign already in the state code', () => {
    const profile = parseProfile({ unionId: 'u1', mobile: '5550100', stateCode: '+1' }, '');
    assert.deepEqual(profile.phoneNumbers, [{ value: '+15550100' }]);
  });

  it('drops fields of the wrong type instead of passing them on', () => {
    const odd = { unionId: 'u1', nick: {}, email: 42, avatarUrl: [], mobile: null } as unknown as DingTalkUserInfo;
    const profile = parseProfile(odd, '');
    assert.equal(profile.displayName, '');
    assert.equal(profile.emails, undefined);
    assert.equal(profile.photos, undefined);
    assert.equal(profile.phoneNumbers, undefined);
  });
});
