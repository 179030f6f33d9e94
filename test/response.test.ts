import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DingTalkAPIError, DingTalkResponseError } from '../lib/api/errors';
import { interpretResponse, type ReceivedResponse } from '../lib/api/response';
import { invalidAuthenticationBody, permissionDeniedBody, userMeBody } from './fixtures/dingtalk';

function answer(status: number, body: unknown, headers: Record<string, string> = {}): ReceivedResponse {
  const all = new Headers({ 'content-type': 'application/json;charset=utf-8', ...headers });
  return { status, headers: all, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

describe('response classification', () => {
  it('decides throttling at oapi by errcode and sub_code only, never by the errmsg', () => {
    const oapi = (body: object) => new DingTalkAPIError('userinfo', { dingtalkStatus: 200, ...body } as never);
    const wrapped = oapi({ code: '88', subCode: '90018', description: 'ding talk error', subDescription: 'x' });
    assert.equal(wrapped.throttled, true);
    assert.equal(wrapped.status, 503);
    for (const code of ['40078', '60011']) {
      const worded = oapi({ code, description: 'request toofast, QpsLimit' });
      assert.equal(worded.throttled, false, code);
      assert.equal(worded.status, 502, code);
    }
    // The v1.0 gateway's message still counts (its codes are words).
    const gateway = new DingTalkAPIError('profile', { dingtalkStatus: 403, code: 'Forbidden', description: 'toofast' });
    assert.equal(gateway.throttled, true);
  });

  it('takes systemBusy, at any status, and an egress-IP block for throttling, and nothing else with a status field', () => {
    const busy = thrown(() => interpretResponse('token', answer(500, { code: 'systemBusy', message: '系统繁忙' }), []));
    assert.ok(busy instanceof DingTalkAPIError);
    assert.equal(busy.throttled, true);
    assert.equal(busy.status, 503);
    const block = { status: 1111, wait: 5, source: 'x5', punish: 'deny', uuid: 'u' };
    const blocked = thrown(() => interpretResponse('profile', answer(200, block), []));
    assert.ok(blocked instanceof DingTalkAPIError);
    assert.equal(blocked.throttled, true);
    const blockedText = thrown(() => interpretResponse('profile', answer(403, { ...block, status: '1111' }), []));
    assert.ok(blockedText instanceof DingTalkAPIError && blockedText.throttled);
    // A profile that happens to carry a status field is a profile.
    const profile = { nick: 'a', unionId: 'u', status: 1111 };
    assert.deepEqual(interpretResponse('profile', answer(200, profile), []), profile);
  });

  it('returns the parsed object of a 200 JSON answer', () => {
    assert.deepEqual(interpretResponse('profile', answer(200, userMeBody), []), userMeBody);
  });

  describe('a DingTalk error body', () => {
    it('becomes a DingTalkAPIError with DingTalk’s status, string code, message and request id', () => {
      const error = thrown(() => interpretResponse('profile', answer(400, invalidAuthenticationBody), []));
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.dingtalkStatus, 400);
      assert.equal(error.status, 502, 'the app answers a bad gateway, not DingTalk’s 400');
      assert.equal(error.statusCode, 502);
      assert.equal(error.code, 'InvalidAuthentication');
      assert.equal(error.description, '不合法的access_token');
      assert.equal(error.requestId, invalidAuthenticationBody.requestid);
      assert.equal(error.endpoint, 'profile');
      assert.match(error.message, /HTTP 400 InvalidAuthentication: 不合法的access_token/);
    });

    it('names the missing permission and where to enable it on a 403', () => {
      const error = thrown(() => interpretResponse('profile', answer(403, permissionDeniedBody), []));
      assert.ok(error instanceof DingTalkAPIError);
      assert.deepEqual(error.requiredScopes, ['Contact.User.Read']);
      assert.equal(error.permissionDenied, true);
      assert.match(error.message, /Contact\.User\.Read/);
      assert.match(error.message, /developer console/);
    });

    it('keeps a numeric code as a string instead of losing it', () => {
      const error = thrown(() => interpretResponse('token', answer(429, { code: 90018, message: 'toofast' }), []));
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.code, '90018');
      assert.equal(error.throttled, true);
    });

    it('reads the legacy errcode shape even on HTTP 200', () => {
      const error = thrown(() =>
        interpretResponse('token', answer(200, { errcode: 40078, errmsg: '不存在的临时授权码' }), []),
      );
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.code, '40078');
      assert.equal(error.description, '不存在的临时授权码');
    });

    it('takes the request id from the x-acs-request-id header when the body has none', () => {
      const error = thrown(() =>
        interpretResponse('token', answer(500, { code: 'ServiceUnavailable' }, { 'x-acs-request-id': 'REQ-1' }), []),
      );
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.requestId, 'REQ-1');
    });

    it('reads Retry-After in seconds', () => {
      const error = thrown(() =>
        interpretResponse('token', answer(429, { code: 'Throttling' }, { 'retry-after': '3' }), []),
      );
      assert.ok(error instanceof DingTalkAPIError);
      assert.equal(error.retryAfterSeconds, 3);
      assert.equal(error.throttled, true);
    });

    it('cuts the secrets sent with the request out of what DingTalk says back', () => {
      const body = { code: 'invalidAuthCode', message: 'code SECRETCODE123 is invalid for secret CLIENTSECRET9' };
      const error = thrown(() => interpretResponse('token', answer(400, body), ['SECRETCODE123', 'CLIENTSECRET9']));
      assert.ok(error instanceof DingTalkAPIError);
      assert.doesNotMatch(error.message, /SECRETCODE123|CLIENTSECRET9/);
      assert.match(error.message, /\[redacted\]/);
    });
  });

  describe('a body that is not DingTalk JSON', () => {
    it('is a DingTalkResponseError that keeps the status, for an HTML error page', () => {
      const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
      const error = thrown(() => interpretResponse('token', answer(502, html, { 'content-type': 'text/html' }), []));
      assert.ok(error instanceof DingTalkResponseError);
      assert.equal(error.dingtalkStatus, 502);
      assert.match(error.message, /text\/html/);
      assert.doesNotMatch(error.message, /Bad Gateway/);
    });

    it('is a DingTalkResponseError for an empty 200 body', () => {
      const error = thrown(() => interpretResponse('profile', answer(200, ''), []));
      assert.ok(error instanceof DingTalkResponseError);
      assert.match(error.message, /empty body/);
    });

    it('is a DingTalkResponseError for invalid JSON and for JSON that is not an object', () => {
      for (const body of ['{"accessToken":', '[1,2]', '"text"', 'null']) {
        const error = thrown(() => interpretResponse('token', answer(200, body), []));
        assert.ok(error instanceof DingTalkResponseError, body);
        assert.equal(error.dingtalkStatus, 200);
        assert.equal(error.status, 502);
      }
    });

    it('is a DingTalkResponseError for a JSON error without a code', () => {
      const error = thrown(() => interpretResponse('token', answer(500, { oops: true }), []));
      assert.ok(error instanceof DingTalkResponseError);
      assert.equal(error.dingtalkStatus, 500);
    });
  });
});
