/**
 * The errors this package raises. Every one is an `Error` subclass with a message that says what
 * happened and what to do, and none ever carries the client secret, a token or an auth code.
 *
 * `status` and `statusCode` are what the app should answer, not what DingTalk answered: Express,
 * Koa and Fastify answer an error with its `status`/`statusCode`, and a failure between the app
 * and DingTalk is the server's (5xx), never the user's (DingTalk's own 4xx). DingTalk's own HTTP
 * status is kept on `dingtalkStatus`.
 */

/**
 * Which DingTalk endpoint a request went to: `token` and `profile` for the browser login;
 * `app-token`, `userinfo` and `user-details` for the login inside the DingTalk client;
 * `app-token`, `member-lookup` and `user-details` for the browser login's `memberLookup`.
 */
export type DingTalkEndpoint = 'token' | 'profile' | 'app-token' | 'userinfo' | 'member-lookup' | 'user-details';

// Each endpoint's label in messages, and the permission (权限点) it needs, named as the developer
// console lists it: the profile's Contact.User.Read (personal permission), qyapi_base for
// getuserinfo, qyapi_get_member (成员信息读权限) for getbyunionid and user/get (DingTalk's page of
// each; docs/dingtalk-answers.md).
const endpoints: Record<DingTalkEndpoint, readonly [label: string, permission?: string]> = {
  token: ['token exchange (POST /v1.0/oauth2/userAccessToken)'],
  profile: ['profile request (GET /v1.0/contact/users/me)', 'Contact.User.Read'],
  'app-token': ['app access token request (POST /v1.0/oauth2/accessToken)'],
  userinfo: ['in-client code exchange (POST /topapi/v2/user/getuserinfo)', 'qyapi_base'],
  'member-lookup': ['member lookup (POST /topapi/user/getbyunionid)', 'qyapi_get_member (成员信息读权限)'],
  'user-details': ['user details request (POST /topapi/v2/user/get)', 'qyapi_get_member (成员信息读权限)'],
};

/** 502 Bad Gateway: DingTalk failed or answered something unusable. */
const badGateway = 502;

/** Base class of every error this package raises, so one `instanceof` check catches them all. */
export class DingTalkError extends Error {
  /** The DingTalk endpoint involved. */
  readonly endpoint: DingTalkEndpoint;
  /** The HTTP status the app should answer with: 502, 503 when throttled, 504 on a timeout. */
  readonly status: number;
  /** Same as `status`, for frameworks that read `statusCode` (Fastify). */
  readonly statusCode: number;

  /** `message` is prefixed with the endpoint; `options.cause` keeps the underlying error. */
  constructor(endpoint: DingTalkEndpoint, message: string, options?: { cause?: unknown; status?: number }) {
    super(`DingTalk ${endpoints[endpoint][0]}: ${message}`, options);
    this.name = new.target.name;
    this.endpoint = endpoint;
    this.status = options?.status ?? badGateway;
    this.statusCode = this.status;
  }
}

// DingTalk's gateway reports throttling with these numeric codes or a "toofast" message, its v1.0
// gateway with 403 Forbidden.AccessDenied.QpsLimitForApi, QpsLimitForAppkeyAndApi or QpmLimit…,
// or 429 systemBusy, and the block of an egress IP that called too often with {"status":1111}
// (DingTalk's "调用频率限制" page, docs/dingtalk-answers.md); the oapi's errcode -1 is 系统繁忙,
// to be retried ("服务端API错误码").
const throttleCodes = new Set(['90002', '90006', '90018', '1111', 'systemBusy', '-1']);
// The oapi's "没有调用该接口的权限" (60011) and 88 "鉴权异常" with a permission sub-code.
const permissionCodes = new Set(['60011']);
const throttleWords = /toofast|Qp[sm]Limit/i;

/** DingTalk answered with an error of its own (a JSON body carrying `code`, or `errcode`). */
export class DingTalkAPIError extends DingTalkError {
  /** HTTP status of DingTalk's answer (the app answers with `status`, a 5xx). */
  readonly dingtalkStatus!: number;
  /** DingTalk's error code, always a string (`"InvalidAuthentication"`, `"90018"`). */
  readonly code!: string;
  /** DingTalk's own message, often in Chinese; empty when DingTalk sent none. */
  readonly description!: string;
  /** DingTalk's request id, to quote when asking DingTalk support. */
  readonly requestId?: string;
  /** With the oapi's errcode 88 (鉴权异常): the actual problem, such as `"40014"`. */
  readonly subCode?: string;
  /** DingTalk's message for `subCode`. */
  readonly subDescription?: string;
  /** Permissions the app lacks, from `accessdenieddetail.requiredScopes` on a 403. */
  readonly requiredScopes?: string[];
  /** Seconds to wait before retrying, from a `Retry-After` header. */
  readonly retryAfterSeconds?: number;
  /** True when DingTalk refused because the app calls too often; retry later (`status` is 503). */
  readonly throttled: boolean;
  /** True when DingTalk refused because the app lacks a permission. */
  readonly permissionDenied: boolean;

  /** The message is built from `details`, which must already be stripped of secrets. */
  constructor(endpoint: DingTalkEndpoint, details: DingTalkAPIErrorDetails) {
    const throttled = isThrottling(endpoint, details);
    super(endpoint, describeAPIError(endpoint, details, throttled), { status: throttled ? 503 : badGateway });
    // Each field is declared above, so one DingTalk did not send stays an own property, undefined.
    Object.assign(this, details);
    this.throttled = throttled;
    this.permissionDenied =
      !throttled &&
      (details.dingtalkStatus === 403 ||
        details.code.startsWith('Forbidden') ||
        permissionCodes.has(details.code) ||
        (details.subCode !== undefined && permissionCodes.has(details.subCode)));
  }
}

/**
 * What DingTalk said in an error answer, already stripped of secrets: the fields of
 * `DingTalkAPIError` that come from DingTalk, writable (derived, so the two never drift apart).
 */
export type DingTalkAPIErrorDetails = { -readonly [K in keyof FromDingTalk]: FromDingTalk[K] };
type FromDingTalk = Omit<DingTalkAPIError, keyof DingTalkError | 'throttled' | 'permissionDenied'>;

// What to do about the oapi errors an app meets with an app token ("服务端API错误码").
const oapiHints = new Map(
  Object.entries({
    60020:
      "The server's egress IP is not in the app's IP allow-list (开发者后台 → 开发配置 → 安全设置 → 服务器出口IP).",
    40001: 'The app access token is not valid: check clientID and clientSecret.',
    40014: 'DingTalk refused the app access token (不合法的access_token).',
    42001: 'The app access token has expired.',
    40079:
      'DingTalk has no authorization for this user (不存在的授权信息): the user may be outside the app’s visible ' +
      'range (可见范围), or the app is not published or not installed in the organization.',
    33012: 'DingTalk has no member with this userid in the organization.',
    60121: 'DingTalk has no member with this userid in the organization (找不到该用户).',
  }),
);

// The oapi answers in errcode/sub_code; its errmsg varies (English in some answers) and decides nothing.
const oapiEndpoints: ReadonlySet<DingTalkEndpoint> = new Set(['userinfo', 'member-lookup', 'user-details']);

function isThrottling(endpoint: DingTalkEndpoint, details: DingTalkAPIErrorDetails): boolean {
  const { dingtalkStatus, code, subCode, description } = details;
  return (
    dingtalkStatus === 429 ||
    throttleCodes.has(code) ||
    (subCode !== undefined && throttleCodes.has(subCode)) ||
    throttleWords.test(code) ||
    (!oapiEndpoints.has(endpoint) && throttleWords.test(description))
  );
}

function describeAPIError(endpoint: DingTalkEndpoint, details: DingTalkAPIErrorDetails, throttled: boolean): string {
  const parts = [`HTTP ${details.dingtalkStatus} ${details.code}: ${details.description || '(no message)'}`];
  if (details.subCode !== undefined)
    parts.push(`(sub_code ${details.subCode}: ${details.subDescription || 'no message'})`);
  const hint = oapiHints.get(details.subCode ?? details.code);
  if (throttled) {
    parts.push('DingTalk limits how often the app may call it: retry later.');
  } else if (details.requiredScopes?.length) {
    parts.push(
      `The app lacks the permission ${details.requiredScopes.join(', ')}: enable it in the DingTalk developer console ` +
        `(开发者后台 → 权限管理 → 个人权限), then log in again.`,
    );
  } else if (hint) {
    parts.push(hint);
  } else if (details.dingtalkStatus === 403 || permissionCodes.has(details.subCode ?? details.code)) {
    const permission = endpoints[endpoint][1];
    const which = permission ? `the permission ${permission}` : 'a permission';
    const orSkip = endpoint === 'user-details' ? ', or set skipUserDetails: true' : '';
    parts.push(`The app lacks ${which}: add it under 权限管理 in the DingTalk developer console${orSkip}.`);
  }
  if (details.requestId) parts.push(`(requestid ${details.requestId})`);
  return parts.join(' ');
}

/** DingTalk (or a proxy in front of it) answered with something that is not the expected JSON. */
export class DingTalkResponseError extends DingTalkError {
  /** HTTP status of the answer (the app answers with `status`, 502). */
  readonly dingtalkStatus: number;

  /** `message` says what came instead of the JSON, such as "answered with an empty body". */
  constructor(endpoint: DingTalkEndpoint, dingtalkStatus: number, message: string) {
    super(endpoint, `${message} (HTTP ${dingtalkStatus})`);
    this.dingtalkStatus = dingtalkStatus;
  }
}

/**
 * The request never got an answer: DNS, refused or reset connection, TLS failure. Its `cause` is a
 * copy of the error the HTTP client raised (its `name`, message, stack, `code` such as
 * `'ECONNRESET'`, `errno`, `type`, `syscall` and causes), with the request's secrets and the query
 * strings of the URLs it quotes cut out.
 */
export class DingTalkNetworkError extends DingTalkError {}

/** DingTalk did not answer within the strategy's `timeout` (`status` is 504). */
export class DingTalkTimeoutError extends DingTalkNetworkError {
  /** The timeout that ran out, in milliseconds. */
  readonly timeoutMs: number;

  /** `timeoutMs` is the strategy's `timeout` option. */
  constructor(endpoint: DingTalkEndpoint, timeoutMs: number) {
    super(endpoint, `no complete answer within ${timeoutMs} ms (the strategy's \`timeout\` option)`, { status: 504 });
    this.timeoutMs = timeoutMs;
  }
}
