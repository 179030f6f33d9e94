import { DingTalkAPIError } from './errors';

// DingTalk publishes no error code for a stale or used authCode at /v1.0/oauth2/userAccessToken,
// so an answer is placed by what it is about. Each rule says where it comes from.
//
// One answer is captured, by third parties only (no DingTalk page lists it; docs/dingtalk-answers.md):
// a used or unknown authCode gets 400 `{"code":"invalidParameter.authCode.notFound","message":"不合法的临时授权码"}`,
// as public projects' notes and code quote it (one refreshes its callback page and gets it).
// Its code is dotted: the parameter, then what is wrong with its value. Only a value that is
// unknown, invalid, expired or used is the user's code; a parameter missing or misnamed is this
// package's request gone wrong, for the developer to see. The message is not needed.
//
// About the client or its secret: DingTalk documents 400 `invalidClientIdOrSecret` for its sibling
// token endpoints (/v1.0/oauth2/accessToken, ssoAccessToken, suiteAccessToken); the other words
// (appkey, suite, credential) are inferred from the names DingTalk gives these credentials.
const aboutTheClient = /client|secret|appkey|app_key|appsecret|suite|credential/i;
// About the code: DingTalk documents 400 `invalidCode` for the sibling /v1.0/oauth2/ssoUserInfo,
// and errcode 40078 "不存在的临时授权码" on oapi; that userAccessToken names the code in the same
// words is inferred. DingTalk's error code is an identifier such as `invalidCode`, `invalidAuthCode`
// or `authCodeExpired`, or dotted parts such as `invalidParameter.authCode.notFound`; its message may say "code" or "授权码" as a word (not "decode", "errcode"
// or "statusCode").
const codeIdentifier =
  /^(invalid|illegal|expired|unknown|used|bad)?(auth)?code(invalid|illegal|expired|used|notfound|notexists?)?$/i;
const codeInMessage = /授权码|\bauth\s?code\b|\bcode\b/i;

/**
 * True when DingTalk refused the authCode itself (expired, used twice, made up): the user should
 * simply log in again. Anything else (bad client credentials, a missing permission, throttling,
 * a 5xx, a network failure, or an answer this cannot place) is the developer's to see.
 */
export function isRejectedAuthCode(error: unknown): error is DingTalkAPIError {
  if (!(error instanceof DingTalkAPIError)) return false;
  const { dingtalkStatus, code, description } = error;
  // 401 is inferred to be about the caller (the app), never about a code the user brought.
  if (dingtalkStatus < 400 || dingtalkStatus >= 500 || dingtalkStatus === 401) return false;
  if (error.throttled || error.permissionDenied) return false;
  if (aboutTheClient.test(code) || aboutTheClient.test(description) || /missing/i.test(code)) return false;
  return namesTheCode(code) || codeInMessage.test(description);
}

const codeParameter = /^(auth)?code$/i;
const badValue = /^(notfound|notexists?|invalid|illegal|expired|used)$/i;

/** The code is an identifier about the code, or a dotted `…(auth)Code.<what is wrong with it>`. */
function namesTheCode(code: string): boolean {
  if (!code.includes('.')) return codeIdentifier.test(code.replace(/[^A-Za-z]/g, ''));
  const parts = code.split('.');
  const parameter = parts.findIndex((part) => codeParameter.test(part));
  return parameter >= 0 && badValue.test(parts[parameter + 1] ?? '');
}
