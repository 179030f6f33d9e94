import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DingTalkAPIError, DingTalkResponseError } from '../lib/api/errors';
import { interpretResponse } from '../lib/api/response';
import { invalidAuthenticationBody, permissionDeniedBody, userMeBody } from './fixtures/dingtalk';

/** What interpretResponse returns or throws for this answer. */
function outcome(status: number, body: unknown, headers: Record<string, string> = {}, secrets: string[] = []) {
  const all = new Headers({ 'content-type': 'application/json;charset=utf-8', ...headers });
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  try {
    return interpretResponse('token', { status, headers: all, body: text }, secrets);
  } catch (error) {
    return error;
  }
}

/** The named fields of `value`, to compare at once. */
const pick = (value: unknown, keys: string[]) =>
  Object.fromEntries(keys.map((key) => [key, (value as Record<string, unknown>)[key]]));

describe('response classification', () => {
  it('decides throttling at oapi by errcode and sub_code only, never by the errmsg', () => {
    const oapi = (body: object) => new DingTalkAPIError('userinfo', { dingtalkStatus: 200, ...body } as never);
    const wrapped = oapi({ code: '88', subCode: '90018', description: 'ding talk error', subDescription: 'x' });
    assert.deepEqual([wrapped.throttled, wrapped.status], [true, 503]);
    for (const code of ['40078', '60011']) {
      const worded = oapi({ code, description: 'request toofast, QpsLimit' });
      assert.deepEqual([worded.throttled, worded.status], [false, 502], code);
    }
    // The v1.0 gateway's message still counts (its codes are words).
    const gateway = new DingTalkAPIError('profile', { dingtalkStatus: 403, code: 'Forbidden', description: 'toofast' });
    assert.equal(gateway.throttled, true);
  });

  it('returns the parsed object of a 200 JSON answer, even one with a status field', () => {
    assert.deepEqual(outcome(200, userMeBody), userMeBody);
    const profile = { nick: 'a', unionId: 'u', status: 1111 };
    assert.deepEqual(outcome(200, profile), profile);
  });

  const block = { status: 1111, wait: 5, source: 'x5', punish: 'deny', uuid: 'u' };
  const inOneMinute = new Date(Date.now() + 60_000).toUTCString();
  // [DingTalk's status, body, what the error says, headers]
  const apiErrors: [number, unknown, Record<string, unknown>, Record<string, string>?][] = [
    // DingTalk's status, string code, message and request id; the app answers a bad gateway.
    [400, invalidAuthenticationBody, { dingtalkStatus: 400, status: 502, statusCode: 502, endpoint: 'token' }],
    [400, invalidAuthenticationBody, { code: 'InvalidAuthentication', description: '不合法的access_token' }],
    [400, invalidAuthenticationBody, { requestId: invalidAuthenticationBody.requestid }],
    [403, permissionDeniedBody, { requiredScopes: ['Contact.User.Read'], permissionDenied: true }],
    // A numeric code is kept as a string.
    [429, { code: 90018, message: 'toofast' }, { code: '90018', throttled: true }],
    // The legacy errcode shape, even on HTTP 200, a string errcode too.
    [200, { errcode: '040078', errmsg: '不存在的临时授权码' }, { code: '40078', description: '不存在的临时授权码' }],
    [200, { errcode: 90002, errmsg: 'api调用频率过高' }, { throttled: true, status: 503 }],
    // systemBusy at any status, and an egress-IP block, are throttling.
    [500, { code: 'systemBusy', message: '系统繁忙' }, { throttled: true, status: 503 }],
    [200, block, { code: '1111', throttled: true }],
    [403, { ...block, status: '1111' }, { throttled: true }],
    [500, { code: 'Busy' }, { requestId: 'REQ-1' }, { 'x-acs-request-id': 'REQ-1' }],
    [429, { code: 'Throttling' }, { retryAfterSeconds: 3 }, { 'retry-after': '3' }],
  ];
  for (const [status, body, expected, headers] of apiErrors) {
    it(`reads a DingTalk error body as a DingTalkAPIError: ${status} ${JSON.stringify(expected)}`, () => {
      const error = outcome(status, body, headers);
      assert.ok(error instanceof DingTalkAPIError, String(error));
      assert.deepEqual(pick(error, Object.keys(expected)), expected);
    });
  }

  it('names the missing permission and where to enable it, and the error, in the message', () => {
    assert.match((outcome(403, permissionDeniedBody) as Error).message, /Contact\.User\.Read.*developer console/s);
    assert.match((outcome(400, invalidAuthenticationBody) as Error).message, /HTTP 400 InvalidAuthentication: 不合法/);
    const later = outcome(429, { code: 'Throttling' }, { 'retry-after': inOneMinute }) as DingTalkAPIError;
    assert.ok(
      Number(later.retryAfterSeconds) > 55 && Number(later.retryAfterSeconds) <= 60,
      'a date is seconds from now',
    );
  });

  it('cuts the secrets sent with the request out of what DingTalk says back', () => {
    const body = { code: 'invalidAuthCode', message: 'code SECRETCODE123 is invalid for secret CLIENTSECRET9' };
    const error = outcome(400, body, {}, ['SECRETCODE123', 'CLIENTSECRET9']) as Error;
    assert.doesNotMatch(error.message, /SECRETCODE123|CLIENTSECRET9/);
    assert.match(error.message, /\[redacted\]/);
  });

  it('gives a DingTalkResponseError that keeps the status for a body that is not DingTalk JSON', () => {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    for (const [status, body, type, message] of [
      [502, html, 'text/html', /an error page that is not DingTalk JSON \(text\/html\)/],
      [200, '', 'application/json', /empty body/],
      [200, '{"accessToken":', 'application/json', /not a JSON object/],
      [200, '[1,2]', 'application/json', /not a JSON object/],
      [200, '"text"', 'application/json', /not a JSON object/],
      [200, 'null', 'application/json', /not a JSON object/],
      [500, { oops: true }, 'application/json', /not DingTalk JSON/],
    ] as const) {
      const error = outcome(status, body, { 'content-type': type });
      assert.ok(error instanceof DingTalkResponseError, String(body));
      assert.deepEqual([error.dingtalkStatus, error.status], [status, 502]);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /Bad Gateway/, 'the page is not quoted');
    }
  });
});
