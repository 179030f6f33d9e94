// The in-client login's parts, one by one: the app token cache, reading the posted code, the
// profile mapping and the options.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import { AppTokenCache } from '../lib/in-app/app-token-cache';
import { crossSiteRefusal, readInAppCode } from '../lib/in-app/code-request';
import { parseInAppProfile } from '../lib/in-app/profile';
import { InAppStrategy } from '../lib/index';

describe('AppTokenCache', () => {
  it('asks once for any number of concurrent logins, then reuses the token', async () => {
    let requests = 0;
    let release: (token: { accessToken: string; expireIn: number }) => void = () => {};
    const cache = new AppTokenCache(() => {
      requests += 1;
      return new Promise((resolve) => {
        release = resolve;
      });
    });
    const waiting = Array.from({ length: 100 }, () => cache.get());
    release({ accessToken: 'app-token-1', expireIn: 7200 });
    assert.deepEqual(new Set(await Promise.all(waiting)), new Set(['app-token-1']));
    assert.equal(await cache.get(), 'app-token-1');
    assert.equal(requests, 1);
  });

  it('renews ten minutes before expiry, and halfway through a short-lived token', async () => {
    let now = 1_000_000;
    let issued = 0;
    let lifetime = 7200;
    const cache = new AppTokenCache(
      async () => ({ accessToken: `app-token-${++issued}`, expireIn: lifetime }),
      () => now,
    );
    assert.equal(await cache.get(), 'app-token-1');
    now += (7200 - 600) * 1000 - 1;
    assert.equal(await cache.get(), 'app-token-1');
    assert.equal(issued, 1);
    now += 1;
    const renewing = cache.get();
    assert.equal(issued, 2, 'renewed ten minutes before expiry');
    await renewing;
    await settled();
    assert.equal(await cache.get(), 'app-token-2');
    lifetime = 60;
    now += 7200 * 1000;
    assert.equal(await cache.get(), 'app-token-3', 'an expired token is not used');
    now += 29_999;
    assert.equal(await cache.get(), 'app-token-3');
    assert.equal(issued, 3);
    now += 1;
    await cache.get();
    assert.equal(issued, 4, 'renewed halfway through');
    await settled();
    assert.equal(await cache.get(), 'app-token-4');
  });

  /** A token endpoint whose answers the test gives, one by one, while logins wait for them. */
  function controlledEndpoint() {
    const answers: Array<{ resolve(token: { accessToken: string; expireIn: number }): void; reject(e: Error): void }> =
      [];
    const fetchToken = () =>
      new Promise<{ accessToken: string; expireIn: number }>((resolve, reject) => {
        answers.push({ resolve, reject });
      });
    const last = () => {
      const answer = answers.at(-1);
      assert.ok(answer, 'a request was made');
      return answer;
    };
    return {
      fetchToken,
      get requests() {
        return answers.length;
      },
      succeed: (accessToken: string, expireIn = 7200) => last().resolve({ accessToken, expireIn }),
      fail: () => last().reject(new Error('403 QPS limit')),
    };
  }
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  const logins = (cache: AppTokenCache, n = 50) => Promise.all(Array.from({ length: n }, () => cache.get()));
  /** `tokens`, which must not wait for the token endpoint. */
  const without = <T>(tokens: Promise<T>) =>
    Promise.race([
      tokens,
      settled().then(() => {
        throw new Error('the logins wait for the token endpoint');
      }),
    ]);

  it('keeps the valid token when its renewal fails, with one renewal for all logins and none again for 5 s', async () => {
    let now = 1_000_000;
    const endpoint = controlledEndpoint();
    const cache = new AppTokenCache(endpoint.fetchToken, () => now);
    const first = cache.get();
    endpoint.succeed('app-token-1');
    assert.equal(await first, 'app-token-1');

    now += (7200 - 600) * 1000;
    const duringRenewal = logins(cache);
    assert.equal(endpoint.requests, 2, 'one renewal for all the logins');
    endpoint.fail();
    assert.deepEqual(new Set(await duringRenewal), new Set(['app-token-1']));
    await settled();
    assert.deepEqual(new Set(await without(logins(cache))), new Set(['app-token-1']));
    now += 4_999;
    assert.deepEqual(new Set(await without(logins(cache))), new Set(['app-token-1']));
    assert.equal(endpoint.requests, 2, 'no renewal sooner than 5 s after the failure');

    now += 1;
    // A login in the window goes on with the valid token; it does not wait for the renewal.
    assert.deepEqual(new Set(await without(logins(cache))), new Set(['app-token-1']));
    assert.equal(endpoint.requests, 3, 'one renewal 5 s after the failure');
    endpoint.succeed('app-token-2');
    await settled();
    assert.deepEqual(new Set(await logins(cache)), new Set(['app-token-2']));
    assert.equal(endpoint.requests, 3);
  });

  it('after expiry, fetches at once, even 5 s after a failed renewal, and fails without caching it', async () => {
    let now = 1_000_000;
    const endpoint = controlledEndpoint();
    const cache = new AppTokenCache(endpoint.fetchToken, () => now);
    const first = cache.get();
    endpoint.succeed('app-token-1', 60);
    await first;
    now += 59_999;
    const lastValid = cache.get();
    endpoint.fail();
    assert.equal(await lastValid, 'app-token-1', 'valid for another millisecond');
    await settled();

    now += 1;
    const expired = logins(cache);
    assert.equal(endpoint.requests, 3, 'the expired token is replaced at once, by one request');
    endpoint.fail();
    await assert.rejects(expired, /403 QPS limit/);
    const next = cache.get();
    assert.equal(endpoint.requests, 4, 'the failure is not cached');
    endpoint.succeed('app-token-2');
    assert.equal(await next, 'app-token-2');
  });

  it('after forget, fetches at once, even 5 s after a failed renewal, and fails without caching it', async () => {
    let now = 1_000_000;
    const endpoint = controlledEndpoint();
    const cache = new AppTokenCache(endpoint.fetchToken, () => now);
    const first = cache.get();
    endpoint.succeed('app-token-1');
    await first;
    now += (7200 - 600) * 1000;
    const renewing = cache.get();
    endpoint.fail();
    assert.equal(await renewing, 'app-token-1');
    await settled();

    cache.forget('app-token-1');
    const refused = logins(cache);
    assert.equal(endpoint.requests, 3, 'the refused token is replaced at once, by one request');
    endpoint.fail();
    await assert.rejects(refused, /403 QPS limit/);
    const next = cache.get();
    assert.equal(endpoint.requests, 4, 'the failure is not cached');
    endpoint.succeed('app-token-2');
    assert.equal(await next, 'app-token-2');
  });

  it('does not cache a failure, even one thrown synchronously', async () => {
    let attempt = 0;
    const cache = new AppTokenCache(() => {
      attempt += 1;
      if (attempt === 1) throw new Error('DingTalk is down');
      return Promise.resolve({ accessToken: 'app-token-ok', expireIn: 7200 });
    });
    await assert.rejects(cache.get(), /DingTalk is down/);
    assert.equal(await cache.get(), 'app-token-ok');
  });

  it('forgets a refused token but keeps one fetched since', async () => {
    let issued = 0;
    const cache = new AppTokenCache(async () => ({ accessToken: `app-token-${++issued}`, expireIn: 7200 }));
    assert.equal(await cache.get(), 'app-token-1');
    cache.forget('app-token-1');
    assert.equal(await cache.get(), 'app-token-2');
    cache.forget('app-token-1');
    assert.equal(await cache.get(), 'app-token-2');
  });
});

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
