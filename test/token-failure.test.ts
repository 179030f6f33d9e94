import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactSecrets } from '../lib/api/response';
import { isRejectedAuthCode } from '../lib/api/token-failure';
import { DingTalkAPIError, DingTalkNetworkError } from '../lib/index';

// [DingTalk's status, code, message]
type Answer = [number, string, string?];

describe('a failed token exchange: the user’s stale code, or the developer’s problem', () => {
  const rejectedCodes: Answer[] = [
    // A 4xx answer that names the code.
    [400, 'invalidCode', 'code无效'],
    [400, 'invalidAuthCode'],
    [400, 'authCodeExpired'],
    [400, 'InvalidParameter', '不存在的临时授权码'],
    [404, 'NotFound', 'the code has been used'],
    // The captured invalidParameter.authCode.notFound, by its code alone, in any letter case.
    [400, 'invalidParameter.authCode.notFound', '不合法的临时授权码'],
    [400, 'invalidParameter.authCode.notFound'],
    [400, 'InvalidParameter.AuthCode.Expired', 'expired'],
    [400, 'invalidParameter.code.notFound'],
  ];
  const developers: Answer[] = [
    // A dotted code about something else; one about the client never is the user's, nor is a 401.
    [400, 'invalidParameter.grantType.notFound'],
    [400, 'invalidParameter.clientId.notFound', '授权码'],
    [401, 'invalidParameter.authCode.notFound'],
    // The code parameter missing or misnamed: the request went wrong, not the user.
    [400, 'invalidParameter.authCode.missing'],
    [400, 'MissingParameter.code'],
    [400, 'Missing.authCode'],
    [400, 'paramError.code'],
    [400, 'invalidParameter.code'],
    // About the client or its secret, even if it names a code.
    [400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret'],
    [400, 'invalidCode', 'the clientSecret does not match this code'],
    [401, 'invalidAuthCode'],
    // A permission, throttling, a 5xx, or what it cannot place ("code" inside another word).
    [403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', 'code'],
    [403, 'Forbidden.AccessDenied.QpsLimitForApi', 'code'],
    [429, 'systemBusy', 'code'],
    [500, 'invalidCode'],
    [400, 'Missingbody', 'body is mandatory for this action.'],
    [400, 'InvalidParameter', 'request body decode failed'],
    [400, 'MissingParameter', 'statusCode 400: grantType is mandatory'],
    [400, 'errcodeUnknown'],
  ];
  it('is a rejected code only when a 4xx answer is about the code itself, never the client', () => {
    for (const [answers, expected] of [
      [rejectedCodes, true],
      [developers, false],
    ] as const) {
      for (const [dingtalkStatus, code, description = ''] of answers) {
        const error = new DingTalkAPIError('token', { dingtalkStatus, code, description });
        assert.equal(isRejectedAuthCode(error), expected, `${dingtalkStatus} ${code} ${description}`);
      }
    }
    assert.equal(isRejectedAuthCode(new DingTalkNetworkError('token', 'reset')), false);
    assert.equal(isRejectedAuthCode(new Error('anything else')), false);
  });
});

describe('redacting secrets from what DingTalk says back', () => {
  it('removes each secret in any letter case, and leaves short values and other text alone', () => {
    assert.equal(
      redactSecrets('code AbCdEf123 not found; secret abcdef123 (S3cret-Value)', ['abcdef123', 's3cret-value', 'ab']),
      'code [redacted] not found; secret [redacted] ([redacted])',
    );
    assert.equal(redactSecrets('a.b*c a-b-c', ['a.b*c']), '[redacted] a-b-c');
  });
});
