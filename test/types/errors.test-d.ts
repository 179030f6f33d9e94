// The exported error classes and the fields an error handler reads.
import { expectTypeOf } from 'expect-type';
import {
  DingTalkAPIError,
  type DingTalkAPIErrorDetails,
  type DingTalkEndpoint,
  DingTalkError,
  DingTalkNetworkError,
  DingTalkResponseError,
  DingTalkTimeoutError,
} from 'passport-dingtalk-oauth2';

expectTypeOf<DingTalkEndpoint>().toEqualTypeOf<
  'token' | 'profile' | 'app-token' | 'userinfo' | 'member-lookup' | 'user-details'
>();

expectTypeOf<DingTalkError>().toExtend<Error>();
expectTypeOf<DingTalkError['endpoint']>().toEqualTypeOf<DingTalkEndpoint>();
expectTypeOf<DingTalkError['status']>().toEqualTypeOf<number>();
expectTypeOf<DingTalkError['statusCode']>().toEqualTypeOf<number>();

expectTypeOf<DingTalkAPIError>().toExtend<DingTalkError>();
expectTypeOf<DingTalkAPIError['dingtalkStatus']>().toEqualTypeOf<number>();
expectTypeOf<DingTalkAPIError['code']>().toEqualTypeOf<string>();
expectTypeOf<DingTalkAPIError['description']>().toEqualTypeOf<string>();
expectTypeOf<DingTalkAPIError['requestId']>().toEqualTypeOf<string | undefined>();
expectTypeOf<DingTalkAPIError['requiredScopes']>().toEqualTypeOf<string[] | undefined>();
expectTypeOf<DingTalkAPIError['retryAfterSeconds']>().toEqualTypeOf<number | undefined>();
expectTypeOf<DingTalkAPIError['throttled']>().toEqualTypeOf<boolean>();
expectTypeOf<DingTalkAPIError['permissionDenied']>().toEqualTypeOf<boolean>();

expectTypeOf<DingTalkResponseError>().toExtend<DingTalkError>();
expectTypeOf<DingTalkResponseError['dingtalkStatus']>().toEqualTypeOf<number>();

expectTypeOf<DingTalkNetworkError>().toExtend<DingTalkError>();
expectTypeOf<DingTalkNetworkError['cause']>().toEqualTypeOf<unknown>();
expectTypeOf<DingTalkTimeoutError>().toExtend<DingTalkNetworkError>();
expectTypeOf<DingTalkTimeoutError['timeoutMs']>().toEqualTypeOf<number>();

// An error handler narrows with instanceof, most specific first.
function describe(error: unknown): string {
  if (error instanceof DingTalkAPIError) {
    if (error.permissionDenied) return `enable ${error.requiredScopes?.join(', ') ?? 'the permission'}`;
    return `${error.endpoint} ${error.dingtalkStatus} ${error.code} (requestid ${error.requestId ?? '-'})`;
  }
  if (error instanceof DingTalkTimeoutError) return `slower than ${error.timeoutMs} ms`;
  if (error instanceof DingTalkNetworkError) return `unreachable: ${String(error.cause)}`;
  if (error instanceof DingTalkResponseError) return `unexpected answer, HTTP ${error.dingtalkStatus}`;
  return error instanceof DingTalkError ? error.message : 'not from DingTalk';
}

// The classes can be built, for example to test an app's error handler.
const details: DingTalkAPIErrorDetails = { dingtalkStatus: 403, code: 'Forbidden.AccessDenied', description: '' };
const apiError = new DingTalkAPIError('profile', { ...details, requiredScopes: ['Contact.User.Read'] });
new DingTalkResponseError('token', 502, 'answered with an HTML page');
new DingTalkNetworkError('token', 'the request failed', { cause: new Error('ECONNRESET') });
new DingTalkTimeoutError('profile', 10_000);
// @ts-expect-error the endpoint is one of DingTalk's five
new DingTalkAPIError('oauth', details);
new DingTalkAPIError('userinfo', { dingtalkStatus: 200, code: '88', description: '鉴权异常', subCode: '40014' });
// @ts-expect-error the details need a code
new DingTalkAPIError('token', { dingtalkStatus: 400, description: '' });
// @ts-expect-error the fields are read-only
apiError.status = 500;

export { describe };
