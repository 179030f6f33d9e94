import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactSecrets } from '../lib/api/response';
import { isRejectedAuthCode } from '../lib/api/token-failure';
import { DingTalkAPIError, DingTalkNetworkError } from '../lib/index';

const answer = (dingtalkStatus: number, code: string, description = '') =>
  new DingTalkAPIError('token', { dingtalkStatus, code, description });

describe('a failed token exchange: the user’s stale code, or the developer’s problem', () => {
  it('is a rejected code when a 4xx answer names the code', () => {
    for (const error of [
      answer(400, 'invalidCode', 'code无效'),
      answer(400, 'invalidAuthCode'),
      answer(400, 'authCodeExpired'),
      answer(400, 'InvalidParameter', '不存在的临时授权码'),
      answer(404, 'NotFound', 'the code has been used'),
    ]) {
      assert.equal(isRejectedAuthCode(error), true, `${error.code} ${error.description}`);
    }
  });

  it('is a rejected code for the captured invalidParameter.authCode.notFound, by its code alone', () => {
    // The captured answer, and the same code with a message that names nothing: the identifier decides.
    assert.equal(isRejectedAuthCode(answer(400, 'invalidParameter.authCode.notFound', '不合法的临时授权码')), true);
    assert.equal(isRejectedAuthCode(answer(400, 'invalidParameter.authCode.notFound')), true);
    assert.equal(isRejectedAuthCode(answer(400, 'InvalidParameter.AuthCode.Expired', 'expired')), true);
    // A dotted code about something else is not about the code; one about the client never is.
    assert.equal(isRejectedAuthCode(answer(400, 'invalidParameter.grantType.notFound')), false);
    assert.equal(isRejectedAuthCode(answer(400, 'invalidParameter.clientId.notFound', '授权码')), false);
    assert.equal(isRejectedAuthCode(answer(401, 'invalidParameter.authCode.notFound')), false);
  });

  it('is the developer’s when the code parameter is missing or misnamed: the request went wrong, not the user', () => {
    for (const code of [
      'invalidParameter.authCode.missing',
      'MissingParameter.code',
      'Missing.authCode',
      'paramError.code',
      'invalidParameter.code',
    ]) {
      assert.equal(isRejectedAuthCode(answer(400, code)), false, code);
    }
    assert.equal(isRejectedAuthCode(answer(400, 'invalidParameter.code.notFound')), true);
  });

  it('is the developer’s when the answer is about the client or its secret, even if it names a code', () => {
    assert.equal(isRejectedAuthCode(answer(400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret')), false);
    assert.equal(isRejectedAuthCode(answer(400, 'invalidCode', 'the clientSecret does not match this code')), false);
    assert.equal(isRejectedAuthCode(answer(401, 'invalidAuthCode')), false);
  });

  it('is the developer’s for a permission, throttling, a 5xx, a network failure, or what it cannot place', () => {
    for (const error of [
      answer(403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', 'code'),
      answer(403, 'Forbidden.AccessDenied.QpsLimitForApi', 'code'),
      answer(429, 'systemBusy', 'code'),
      answer(500, 'invalidCode'),
      answer(400, 'Missingbody', 'body is mandatory for this action.'),
      answer(400, 'InvalidParameter', 'request body decode failed'),
      answer(400, 'MissingParameter', 'statusCode 400: grantType is mandatory'),
      answer(400, 'errcodeUnknown'),
      new DingTalkNetworkError('token', 'reset'),
      new Error('anything else'),
    ]) {
      assert.equal(isRejectedAuthCode(error), false, error.message);
    }
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
