// The in-client login's parts, one by one: the app token cache, reading the posted code, the
// profile mapping and the options.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import { crossSiteRefusal, readInAppCode } from '../lib/in-app/code-request';
import { parseInAppProfile } from '../lib/in-app/profile';
import { InAppStrategy } from '../lib/index';

function request(method: string, body?: unknown, headers: Record<string, string | string[]> = {}): Request {
  return { method, body, headers, query: {} } as unknown as Request;
}

describe('readInAppCode', () => {
  it('reads one code from a POST body', () => {
    assert.deepEqual(readInAppCode(request('POST', { code: 'c0ffee1234' })), { ok: true, code: 'c0ffee1234' });
  });

  const refused: Array<[string, Request, RegExp]> = [
    ['a GET, even with a code in the query', request('GET', undefined), /POSTed/],
    ['no body parser', request('POST', undefined), /no request body/],
    ['no code', request('POST', {}), /no "code"/],
    [
      'a form where only JSON is parsed (Express 5: no body)',
      request('POST', undefined, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '15' }),
      /^Invalid in-client login request: no parsed request body reached the strategy: the request's Content-Type is application\/x-www-form-urlencoded; add a body parser for it \(express\.urlencoded\(\)/,
    ],
    [
      "a form @koa/bodyparser left as {} (enableTypes: ['json'])",
      request(
        'POST',
        {},
        { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'transfer-encoding': 'chunked' },
      ),
      /no parsed request body reached the strategy: the request's Content-Type is application\/x-www-form-urlencoded;/,
    ],
    [
      'JSON with no JSON parser',
      request('POST', undefined, { 'content-type': 'application/json', 'content-length': '20' }),
      /no parsed request body reached the strategy: the request's Content-Type is application\/json; add a JSON body parser/,
    ],
    [
      'an empty object with JSON, perhaps {} itself',
      request('POST', {}, { 'content-type': 'application/json', 'content-length': '2' }),
      /no parsed request body reached the strategy \(or the JSON posted was \{\}, with no "code"\)/,
    ],
    [
      'multipart (FormData)',
      request('POST', {}, { 'content-type': 'multipart/form-data; boundary=x', 'content-length': '99' }),
      /Content-Type is multipart\/form-data; post the code as JSON/,
    ],
    [
      'a body without a Content-Type',
      request('POST', undefined, { 'content-length': '5' }),
      /has a body but no Content-Type/,
    ],
    [
      'a Content-Type not worth naming',
      request('POST', undefined, { 'content-type': 'text/<script>', 'content-length': '5' }),
      /Content-Type is not one a body parser reads; post the code as JSON/,
    ],
    [
      'a parsed body without a code',
      request('POST', { other: 'x' }, { 'content-type': 'application/json', 'content-length': '13' }),
      /the request body has no "code"/,
    ],
    ['an empty code', request('POST', { code: '' }), /no "code"/],
    ['a repeated code', request('POST', { code: ['a1b2c3d4', 'e5f6a7b8'] }), /more than once/],
    ['a nested code', request('POST', { code: { $gt: '' } }), /must be a string/],
    ['a PUT', request('PUT', { code: 'c0ffee1234' }), /POSTed .*not sent with a PUT/],
    ['a body whose code is inherited', request('POST', Object.create({ code: 'c0ffee1234' })), /no "code"/],
    ['an over-long code', request('POST', { code: 'a'.repeat(257) }), /longer than 256/],
    ['a code with a space', request('POST', { code: 'abc def' }), /characters/],
    ['a code with a line break', request('POST', { code: 'abc\r\nSet-Cookie: x' }), /characters/],
  ];
  for (const [what, req, message] of refused) {
    it(`refuses ${what}`, () => {
      const read = readInAppCode(req);
      assert.equal(read.ok, false);
      assert.match((read as { message: string }).message, message);
    });
  }

  it('accepts a code of 256 characters', () => {
    assert.equal(readInAppCode(request('POST', { code: 'a'.repeat(256) })).ok, true);
  });
});

describe('crossSiteRefusal', () => {
  const refused = (headers: Record<string, string | string[]>) => crossSiteRefusal(request('POST', {}, headers));

  it('believes Sec-Fetch-Site when the browser sends it', () => {
    assert.match(refused({ 'sec-fetch-site': 'cross-site' }) ?? '', /another site/);
    assert.ok(refused({ 'sec-fetch-site': 'Cross-Site', 'content-type': 'application/json' }));
    assert.ok(refused({ 'sec-fetch-site': ['same-origin', 'cross-site'] }));
    for (const value of ['same-origin', 'same-site', 'none']) {
      assert.equal(refused({ 'sec-fetch-site': value }), undefined, value);
    }
  });

  it('without Sec-Fetch-Site, lets through JSON, which another site cannot post without a preflight', () => {
    assert.equal(refused({ 'content-type': 'application/json' }), undefined);
    assert.equal(refused({ 'content-type': 'application/json; charset=utf-8' }), undefined);
    // Another JSON type is no proof: browsers send some (the Reporting API's) cross-site unasked.
    assert.ok(refused({ 'content-type': 'application/reports+json' }));
  });

  it('without Sec-Fetch-Site, refuses any body whose Origin names another host, JSON too', () => {
    const json = { 'content-type': 'application/json', host: 'app.example.com' };
    assert.match(refused({ ...json, origin: 'https://evil.example' }) ?? '', /Origin names another host/);
    assert.equal(refused({ ...json, origin: 'https://app.example.com' }), undefined);
    assert.equal(refused({ ...json, origin: 'null' }), undefined, 'a JSON post needs a preflight whatever its Origin');
  });

  it('matches Origin against Host with or without the default port, behind proxies and over HTTP/2', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const origin = 'https://app.example.com';
    for (const headers of [
      { host: 'app.example.com:443' },
      { host: 'APP.example.com' },
      { host: '10.0.0.5:3000', 'x-forwarded-host': 'app.example.com:443' },
      { host: '10.0.0.5:3000', forwarded: 'for=192.0.2.60;proto=https;host=app.example.com' },
      { host: '10.0.0.5:3000', forwarded: 'for=192.0.2.60, host="app.example.com"' },
      { ':authority': 'app.example.com' },
    ] as Record<string, string>[]) {
      assert.equal(refused({ ...form, ...headers, origin }), undefined, JSON.stringify(headers));
    }
    assert.ok(refused({ ...form, host: 'app.example.com:8443', origin }));
    assert.ok(refused({ ...form, host: 'app.example.com', origin: 'https://app.example.com:8443' }));
  });

  it('without Sec-Fetch-Site, refuses a form or text body unless Origin names this host', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', host: 'app.example.com' };
    assert.match(refused(form) ?? '', /may have been posted from another site/);
    assert.ok(refused({ ...form, origin: 'https://evil.example' }));
    assert.ok(refused({ ...form, origin: 'null' }));
    assert.ok(refused({ ...form, origin: 'not a url' }));
    assert.ok(
      refused({
        'content-type': 'text/plain',
        host: 'app.example.com',
        origin: 'https://app.example.com.evil.example',
      }),
    );
    assert.ok(refused({ 'content-type': 'application/jsonp', host: 'app.example.com' }));
    assert.equal(refused({ ...form, origin: 'https://app.example.com' }), undefined);
    assert.equal(
      refused({
        ...form,
        host: 'internal:3000',
        'x-forwarded-host': 'app.example.com',
        origin: 'https://app.example.com',
      }),
      undefined,
    );
  });
});

describe('parseInAppProfile', () => {
  const info = {
    userid: 'manager4220',
    unionid: 'union-abc',
    name: '张三',
    sys: true,
    sys_level: 1,
    device_id: 'dev-1',
    associated_unionid: '',
  };

  it('maps the code exchange alone', () => {
    const profile = parseInAppProfile(info, '{"raw":1}', 'dingcorp1', undefined);
    assert.deepEqual(
      { ...profile, _json: undefined },
      {
        provider: 'dingtalk',
        id: 'union-abc',
        unionId: 'union-abc',
        userId: 'manager4220',
        corpId: 'dingcorp1',
        displayName: '张三',
        isAdmin: true,
        adminLevel: 1,
        _raw: '{"raw":1}',
        _json: undefined,
      },
    );
    assert.equal(profile._json, info);
  });

  it('adds the details: emails unverified and deduplicated, E.164 phone, avatar, title, departments', () => {
    const details = {
      avatar: 'https://static.example/a.png',
      mobile: '13800000001',
      state_code: '86',
      email: 'z@example.com',
      org_email: 'z@example.com',
      title: '工程师',
      job_number: 'E001',
      dept_id_list: [1, 42],
    };
    const profile = parseInAppProfile({ ...info, sys: false, sys_level: 0 }, '{}', 'dingcorp1', details);
    assert.deepEqual(profile.emails, [{ value: 'z@example.com', verified: false }]);
    assert.deepEqual(profile.phoneNumbers, [{ value: '+8613800000001' }]);
    assert.deepEqual(profile.photos, [{ value: 'https://static.example/a.png' }]);
    assert.equal(profile.title, '工程师');
    assert.equal(profile.jobNumber, 'E001');
    assert.deepEqual(profile.departmentIds, [1, 42]);
    assert.equal(profile.isAdmin, false);
    assert.equal(profile._details, details);
  });

  it('leaves out what is masked, missing or mistyped', () => {
    const profile = parseInAppProfile({ ...info, name: undefined, sys_level: 'x' as never }, '{}', 'dingcorp1', {
      mobile: '138****0001',
      email: 42 as never,
      dept_id_list: ['1'] as never,
    });
    assert.equal(profile.displayName, '');
    assert.equal(profile.adminLevel, 0);
    for (const field of ['phoneNumbers', 'emails', 'photos', 'departmentIds', 'title'] as const) {
      assert.equal(profile[field], undefined, field);
    }
  });
});

describe('InAppStrategy options', () => {
  const verify = () => {};
  const base = { clientID: 'ding-app-key', clientSecret: 'app-secret-value', corpId: 'dingcorp1' };
  const invalid: Array<[string, object, RegExp]> = [
    ['no clientID', { ...base, clientID: undefined }, /"clientID" option is required/],
    ['no clientSecret', { ...base, clientSecret: ' ' }, /"clientSecret" option is required/],
    ['no corpId', { ...base, corpId: undefined }, /"corpId" option is required/],
    [
      "clientId (DingTalk's spelling) for clientID",
      { clientId: base.clientID, clientSecret: base.clientSecret, corpId: base.corpId },
      /"clientID" option is required: .*"clientId" \(DingTalk's spelling\): did you mean clientID\?$/,
    ],
    [
      'appSecret for clientSecret',
      { clientID: base.clientID, appSecret: base.clientSecret, corpId: base.corpId },
      /"clientSecret" option is required: .*"appSecret": did you mean clientSecret\?$/,
    ],
    [
      'corpID for corpId',
      { clientID: base.clientID, clientSecret: base.clientSecret, corpID: base.corpId },
      /"corpId" option is required: .*"corpID": did you mean corpId\?$/,
    ],
    ['a corpId that is not one', { ...base, corpId: 'ding corp' }, /not a DingTalk corpId/],
    ['the unreplaced $CORPID$ placeholder', { ...base, corpId: '$CORPID$' }, /not a DingTalk corpId/],
    ['__proto__ as the corpId', { ...base, corpId: '__proto__' }, /not a DingTalk corpId/],
    ['a corpId function without getAccessToken', { ...base, corpId: () => 'dingcorp1' }, /needs the "getAccessToken"/],
    ['a getAccessToken that is not a function', { ...base, getAccessToken: 'token' }, /"getAccessToken" option/],
    [
      'plain http to DingTalk',
      { ...base, userInfoURL: 'http://oapi.example.com/x' },
      /"userInfoURL" option must use https/,
    ],
    ['a relative URL', { ...base, accessTokenURL: '/v1.0/oauth2/accessToken' }, /absolute URL/],
    ['a zero timeout', { ...base, timeout: 0 }, /"timeout" option must be a positive number/],
    ['a timeout setTimeout cannot hold', { ...base, timeout: 2 ** 31 }, /"timeout" option must be a positive number/],
    ['a string skipUserDetails', { ...base, skipUserDetails: 'yes' }, /"skipUserDetails" option must be true or false/],
  ];
  for (const [what, options, message] of invalid) {
    it(`refuses ${what}`, () => {
      assert.throws(() => new InAppStrategy(options as never, verify), { name: 'TypeError', message });
    });
  }

  it('refuses a missing verify function', () => {
    assert.throws(() => new InAppStrategy(base, undefined as never), /needs a verify function/);
  });

  it('is named dingtalk-inapp and accepts loopback http (an emulator)', () => {
    const strategy = new InAppStrategy(
      { ...base, userInfoURL: 'http://127.0.0.1:1/topapi/v2/user/getuserinfo' },
      verify,
    );
    assert.equal(strategy.name, 'dingtalk-inapp');
  });
});
