/**
 * The public shapes of the DingTalk emulator (`passport-dingtalk-oauth2/testing`). The emulator plays
 * DingTalk's hosts at once: the login page (`login.dingtalk.com`), the v1.0 API (`api.dingtalk.com`),
 * the older API of in-client login (`oapi.dingtalk.com`), and the DingTalk client's JSAPI, as
 * described in the shared references.
 */

/**
 * A member's role as `/topapi/v2/user/getuserinfo` answers it (`sys_level`): 0 other (其他),
 * 1 primary administrator (主管理员), 2 sub-administrator (子管理员), 100 owner (老板).
 */
export type EmulatorSysLevel = 0 | 1 | 2 | 100;

/** An organization (企业/组织) a test user belongs to, and what it records of that member. */
export interface EmulatorOrganization {
  /** The organization's corpId, returned by the token exchange when the scope contains `corpid`. */
  corpId: string;
  /** Display name shown on the consent page. */
  name: string;
  /**
   * The member's `userid` in this organization, as in-client login answers it; unique within the
   * organization. Default: the user's `unionId`.
   */
  userId?: string;
  /** The member's role (`sys_level`). Default 0 (other). */
  sysLevel?: EmulatorSysLevel;
  /** Job title (职位), answered by `/topapi/v2/user/get`; left out when absent. */
  title?: string;
  /** Employee number (工号), answered as `job_number`; left out when absent. */
  jobNumber?: string;
  /** Ids of the departments the member is in (`dept_id_list`). Default `[1]`, the root department. */
  deptIds?: number[];
  /**
   * The departments, among `deptIds`, the member leads (主管). When given (even empty),
   * `leader_in_dept` lists every department of the member with `leader` true or false; left out
   * when absent.
   */
  leaderInDeptIds?: number[];
  /** The member's roles (角色), answered as `role_list`; left out when absent. */
  roles?: EmulatorRole[];
  /**
   * The member's mailbox at the organization (企业邮箱), answered as `org_email`, except to a
   * third-party enterprise app; left out when absent.
   */
  orgEmail?: string;
  /** When the member joined (入职时间), in epoch milliseconds, answered as `hired_date`; left out when absent. */
  hiredDate?: number;
  /**
   * The userid of the member's manager (直属主管) in this organization, answered as
   * `manager_userid`, except to a third-party enterprise app; left out when absent.
   */
  managerUserId?: string;
}

/** A role (角色) in an organization, as `role_list` of `/topapi/v2/user/get` answers it. */
export interface EmulatorRole {
  /** The role's id, a positive integer. */
  id: number;
  /** The role's name, such as `'主管理员'`. */
  name: string;
  /** The name of the role's group (角色组), answered as `group_name`, such as `'管理员'`. */
  groupName: string;
}

/**
 * An organization that keeps the user as an external contact (外部联系人): someone it deals
 * with, not a member. `/topapi/user/getbyunionid` answers them with `contact_type` 1; nothing
 * else treats them as the organization's (no in-client login, no consent-page choice, no
 * `user/get`).
 */
export interface EmulatorExternalContact {
  /** The organization's corpId. */
  corpId: string;
  /**
   * The contact's `userid` in that organization, as getbyunionid answers it; no member nor other
   * contact of the organization may have it. Default: the user's `unionId`.
   */
  userId?: string;
}

/** A DingTalk account the emulator can log in as. */
export interface EmulatorUser {
  /** The stable id across one developer's apps; what `/v1.0/contact/users/me` calls `unionId`. */
  unionId: string;
  /** The per-app id. */
  openId: string;
  /** Nickname, such as `'张三'`. */
  nick: string;
  /**
   * Avatar image URL; omitted from the profile answer when absent. A path such as
   * `/avatars/<unionId>.svg` is served by the emulator and answered as an absolute URL.
   */
  avatarUrl?: string;
  /** Mobile number without country code; sent only when the app has `Contact.User.mobile`. */
  mobile?: string;
  /** Country calling code of `mobile`, such as `'86'`. */
  stateCode?: string;
  /** Email address; DingTalk does not verify it, and often has none. */
  email?: string;
  /**
   * The email address the user logs in to DingTalk with (登录邮箱), answered as `loginEmail` after
   * `email` when present; most users have none. Like `email`, not verified.
   */
  loginEmail?: string;
  /** True for a guest rather than a member. Answered as `false` when absent. */
  visitor?: boolean;
  /**
   * The organizations the user is a member of: offered on the consent page when the scope
   * contains `corpid`, and the ones in-client login and the member lookups know them in.
   */
  organizations: EmulatorOrganization[];
  /**
   * The organizations that keep the user as an external contact (外部联系人), none of which may
   * also be one of `organizations`. Default: none.
   */
  externalContactOf?: EmulatorExternalContact[];
}

/** The kind of DingTalk app the emulator plays (应用类型). */
export type EmulatorApp =
  /** Any DingTalk user may log in (an app for logging in to a third-party website). */
  | { type: 'login' }
  /** 企业内部应用: only members of the owning organization `corpId` may log in. */
  | { type: 'internal'; corpId: string }
  /** 第三方企业应用: the profile's mobile number is masked, such as `155****3240`. */
  | { type: 'third-party-enterprise' };

/** The errcode of `user/get` for an unknown userid; see {@link DingTalkEmulatorOptions.unknownUserIdError}. */
export type EmulatorUnknownUserIdError = 60121 | 33012;

/** Options of {@link createDingTalkEmulator}; every one has a default. */
export interface DingTalkEmulatorOptions {
  /** The app's ClientId. Default `'dingemulatorclientid'`. */
  clientID?: string;
  /** The app's ClientSecret. Default `'emulator-client-secret-change-me'`. */
  clientSecret?: string;
  /**
   * Registered redirect URLs (安全设置 → 重定向URL). A `redirect_uri` must equal one of them once
   * both are normalised by the WHATWG URL parser. Default: any http(s) URL on a loopback host
   * (`127.0.0.1`, `localhost`, `[::1]`).
   */
  redirectURIs?: string[];
  /** The accounts offered on the consent page. Default: {@link defaultEmulatorUsers}. */
  users?: EmulatorUser[];
  /**
   * Permissions (权限点) granted to the app. Without `Contact.User.Read` the profile call
   * answers 403; without `Contact.User.mobile` the profile lacks `mobile` and `stateCode`. Without
   * `qyapi_base` in-client login's `getuserinfo` answers errcode 60011, and without
   * `qyapi_get_member` so do `user/get` and `getbyunionid`.
   * Default `['Contact.User.Read', 'Contact.User.mobile', 'qyapi_base', 'qyapi_get_member']`.
   */
  permissions?: string[];
  /** The kind of app. Default `{ type: 'login' }`: any user may log in. */
  app?: EmulatorApp;
  /**
   * The organization the app is installed in for in-client login (免登): the one whose app access
   * token `/v1.0/oauth2/accessToken` hands out, and whose members the DingTalk client page offers.
   * Default: an internal app's own `corpId`, otherwise the first organization of the first user
   * who has one (`'dingemulatorcorp0001'` with the default users). Must be an internal app's own
   * organization, and have at least one member.
   */
  corpId?: string;
  /**
   * The `error` value of the redirect when the user presses Cancel. DingTalk publishes none: the
   * default `'access_denied'` is a guess (docs/dingtalk-answers.md).
   */
  cancelError?: string;
  /**
   * The error `code` (HTTP 400) for an authCode that is unknown, used or expired; the message is
   * always "不合法的临时授权码". DingTalk publishes none for this endpoint: the default
   * `'invalidParameter.authCode.notFound'` is a third-party capture of a real answer; another value
   * (such as `'invalidCode'`, which the sibling `ssoUserInfo` documents, or `'invalidAuthCode'`)
   * lets a test check that the app does not depend on one (docs/dingtalk-answers.md).
   */
  usedCodeError?: string;
  /**
   * The language of the `errmsg` (and `sub_msg`) texts at oapi (`getuserinfo`, `user/get`,
   * `getbyunionid`): `'zh'`, DingTalk's Chinese ones, or `'en'`, English ones as some real answers
   * carry (40078 "nonexistent temp auth code"; most other English texts are guesses,
   * docs/dingtalk-answers.md). Lets an app test that it decides by `errcode`/`sub_code`, never by
   * the text. Default `'zh'`.
   */
  oapiMessages?: 'zh' | 'en';
  /**
   * The errcode `user/get` answers for a userid that names no member of the token's organization:
   * 60121 "找不到该用户", as a public capture shows and Casdoor's client checks, or 33012
   * "无效的USERID", as DingTalk's page for the endpoint lists. Default 60121.
   */
  unknownUserIdError?: EmulatorUnknownUserIdError;
  /**
   * What the JSAPI stand-in (`/emulator/dd.js`) does when a page whose User-Agent lacks `DingTalk`
   * calls `dd.requestAuthCode`: `'silent'` (the default) calls no callback and returns a promise
   * that never settles, as the real JSAPI may outside the client, so a page needs its own timeout;
   * `'reject'` calls `fail`/`onFail` and `complete` and rejects at once, with errorCode -1.
   */
  jsapiOutsideClient?: 'silent' | 'reject';
  /** Lifetime in seconds of an authCode and of an in-client (免登) code. Default 300. */
  authCodeTTLSeconds?: number;
  /**
   * Lifetime in seconds of an access token (the user's and the app's alike), answered as
   * `expireIn`. Default 7200.
   */
  accessTokenTTLSeconds?: number;
  /** Interface to listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** The clock, in milliseconds, that codes and tokens expire by. Default `Date.now`. */
  now?: () => number;
}

/**
 * The endpoints a fault can be injected into: the login page (`authorize`), the OAuth token
 * exchange (`token`), the current user (`profile`), in-client login's app token
 * (`app-token`, `/v1.0/oauth2/accessToken`), `userinfo` (`/topapi/v2/user/getuserinfo`) and
 * `user-details` (`/topapi/v2/user/get`), and the member lookup's `getbyunionid`
 * (`/topapi/user/getbyunionid`).
 */
export type EmulatorEndpoint =
  | 'authorize'
  | 'token'
  | 'profile'
  | 'app-token'
  | 'userinfo'
  | 'user-details'
  | 'getbyunionid';

/** Canned misbehaviours; see {@link EmulatorFault.kind}. */
export type EmulatorFaultKind = 'html' | 'malformed-json' | 'empty' | 'drop' | 'hang' | 'throttle' | 'ip-ban';

/**
 * A misbehaviour of one endpoint, applied before the request is processed. Without `status`,
 * `body` or `kind` the request is answered normally (after `latencyMs`, with `headers` added).
 */
export interface EmulatorFault {
  /** Milliseconds to wait before answering, normally or with the forced answer. */
  latencyMs?: number;
  /** Forces an answer with this status (200 when only `body` is given); overrides a `kind`'s status. */
  status?: number;
  /** Forces an answer with this body: a string as is, an object as JSON. Not combinable with `kind`. */
  body?: string | object;
  /** Headers added to the answer, forced or normal. */
  headers?: Record<string, string>;
  /**
   * `html`: a 502 gateway HTML page. `malformed-json`: 200 with a truncated JSON body.
   * `empty`: 200 with an empty body. `drop`: the socket is destroyed without an answer.
   * `hang`: no answer at all until `close()`. `throttle`: DingTalk's 403
   * `Forbidden.AccessDenied.QpsLimitForApi` (the app called this API too often); on `userinfo`,
   * `user-details` and `getbyunionid` the oapi way instead, HTTP 200 with errcode 90002. `ip-ban`: the
   * block of an egress IP that called too often, `{"status":1111,...}` (DingTalk's "调用频率限制").
   */
  kind?: EmulatorFaultKind;
  /** Applies to the next `times` requests to the endpoint only. Default: until `clearFaults()`. */
  times?: number;
}

/** What {@link DingTalkEmulator.issueAuthCode} grants. */
export interface IssueAuthCodeOptions {
  /** The user who "authorized". Default: the first user. */
  unionId?: string;
  /** The authorized scope, space-separated. Default `'openid'`. */
  scope?: string;
  /** The organization picked, only with `corpid` in the scope. Default: the user's first one. */
  corpId?: string;
}

/** What {@link DingTalkEmulator.issueInAppCode} mints a code for. */
export interface IssueInAppCodeOptions {
  /** The user the code identifies. Default: the user signed in to the DingTalk client. */
  unionId?: string;
  /** The organization the code is for; the user must be a member. Default: the in-client organization. */
  corpId?: string;
}

/** The options of the in-client login strategy (`InAppStrategy`) that point at an emulator. */
export interface EmulatorInAppStrategyOptions {
  /** The emulator's ClientId (the app's AppKey), also sent to `dd.requestAuthCode`. */
  clientID: string;
  /** The emulator's ClientSecret (the app's AppSecret). */
  clientSecret: string;
  /** The organization the app is installed in for in-client login. */
  corpId: string;
  /** The app access token endpoint: `${url}/v1.0/oauth2/accessToken`. */
  accessTokenURL: string;
  /** The in-client code exchange: `${url}/topapi/v2/user/getuserinfo`. */
  userInfoURL: string;
  /** The member details: `${url}/topapi/v2/user/get`. */
  userDetailsURL: string;
}

/** The Strategy options that point at an emulator; add your own `callbackURL`. */
export interface EmulatorStrategyOptions {
  /** The emulator's ClientId. */
  clientID: string;
  /** The emulator's ClientSecret. */
  clientSecret: string;
  /** The emulator's login page. */
  authorizationURL: string;
  /** The emulator's token endpoint. */
  tokenURL: string;
  /** The emulator's current-user endpoint. */
  userProfileURL: string;
}

/**
 * The Strategy options that point at an emulator with the member lookup on: after a browser login
 * the strategy asks the organization who the user is (`getbyunionid`, then `user/get`) with the
 * app token `accessTokenURL` hands out, the in-client organization's (the emulator's `corpId`
 * option), to which the login is pinned. Add your own `callbackURL`.
 */
export interface EmulatorMemberLookupStrategyOptions extends EmulatorStrategyOptions {
  /** Turns the member lookup on. */
  memberLookup: true;
  /**
   * `[the in-client organization]`: the app token answers for that organization only, so the
   * login is pinned to it (someone who picks another one fails with `organization_not_allowed`).
   */
  allowedCorpIds: string[];
  /** The app access token endpoint: `${url}/v1.0/oauth2/accessToken`. */
  accessTokenURL: string;
  /** The unionId-to-userid call: `${url}/topapi/user/getbyunionid`. */
  getByUnionIdURL: string;
  /** The member details: `${url}/topapi/v2/user/get`. */
  userDetailsURL: string;
}

/** Requests received per endpoint; `consent` counts the consent form's POSTs. */
export interface EmulatorRequestCounters {
  /** `GET /oauth2/auth`: the login and consent page. */
  readonly authorize: number;
  /** `POST` of the consent form (授权 or 取消). */
  readonly consent: number;
  /** `POST /v1.0/oauth2/userAccessToken`. */
  readonly token: number;
  /** `GET /v1.0/contact/users/me`. */
  readonly profile: number;
  /** `POST /v1.0/oauth2/accessToken`: the app access token of in-client login. */
  readonly appToken: number;
  /** `POST /topapi/v2/user/getuserinfo`: an in-client code exchanged. */
  readonly userInfo: number;
  /** `POST /topapi/v2/user/get`: a member's details. */
  readonly userDetails: number;
  /** `POST /topapi/user/getbyunionid`: who a user is in an organization (the member lookup). */
  readonly getByUnionId: number;
  /** The DingTalk client played by the emulator: `/emulator/dd.js`, `/emulator/client` and its code minting. */
  readonly client: number;
  /** Requests to any other path. */
  readonly other: number;
}

/** What the emulator has seen since it started or since `resetCounters()`. */
export interface EmulatorCounters {
  /** Requests received, per endpoint. */
  readonly requests: EmulatorRequestCounters;
  /** TCP connections accepted: a keep-alive client reuses one for many requests. */
  readonly connections: number;
}

/** A running DingTalk emulator. */
export interface DingTalkEmulator {
  /** Base URL, such as `'http://127.0.0.1:43123'`. */
  readonly url: string;
  /** The authorize (login) page: `${url}/oauth2/auth`. */
  readonly authorizationURL: string;
  /** The token endpoint: `${url}/v1.0/oauth2/userAccessToken`. */
  readonly tokenURL: string;
  /** The current-user endpoint: `${url}/v1.0/contact/users/me`. */
  readonly userProfileURL: string;
  /** In-client login's app access token endpoint: `${url}/v1.0/oauth2/accessToken`. */
  readonly appAccessTokenURL: string;
  /** In-client login's code exchange: `${url}/topapi/v2/user/getuserinfo`. */
  readonly userInfoURL: string;
  /** The member details, of in-client login and the member lookup: `${url}/topapi/v2/user/get`. */
  readonly userDetailsURL: string;
  /**
   * The member lookup's unionId-to-userid call: `${url}/topapi/user/getbyunionid`. It answers for
   * the organization of the app token, as `userDetailsURL` does.
   */
  readonly getByUnionIdURL: string;
  /**
   * The DingTalk JSAPI stand-in to load in a page under test, `${url}/emulator/dd.js`: it defines
   * `window.dd` with `requestAuthCode`, which works only when the User-Agent contains `DingTalk`
   * (elsewhere see the `jsapiOutsideClient` option), and `env.platform` from the User-Agent.
   */
  readonly ddScriptURL: string;
  /** The page where a tester picks who is signed in to the DingTalk client: `${url}/emulator/client`. */
  readonly clientPageURL: string;
  /** The accounts offered on the consent page (frozen copies). */
  readonly users: readonly EmulatorUser[];
  /** The app's ClientId. */
  readonly clientID: string;
  /** The app's ClientSecret. */
  readonly clientSecret: string;
  /** A snapshot of the request and connection counts, taken when read. */
  readonly counters: EmulatorCounters;
  /** The options that point a `Strategy` at this emulator (add `callbackURL`). */
  strategyOptions(options?: { memberLookup?: false }): EmulatorStrategyOptions;
  /** The same plus the member lookup's options, `memberLookup: true` among them. */
  strategyOptions(options: { memberLookup: true }): EmulatorMemberLookupStrategyOptions;
  /**
   * The options that point a `Strategy` at this emulator, with the member lookup's when
   * `memberLookup` is true. Throws a `TypeError` for a `memberLookup` other than true or false.
   */
  strategyOptions(options?: { memberLookup?: boolean }): EmulatorStrategyOptions | EmulatorMemberLookupStrategyOptions;
  /**
   * Mints an authCode as if the user had authorized the app, skipping the browser. Throws a
   * `TypeError` for an unknown user, an invalid scope or an organization the user is not in.
   */
  issueAuthCode(options?: IssueAuthCodeOptions): string;
  /** The options that point an `InAppStrategy` (in-client login) at this emulator. */
  inAppStrategyOptions(): EmulatorInAppStrategyOptions;
  /**
   * Mints an app access token for an organization, as a third-party app's per-organization token
   * (corpAccessToken) would be: valid at `getuserinfo` and `user/get` for that organization. Each
   * call mints a new one. Default: the in-client organization. Throws a `TypeError` for an
   * organization no user belongs to, or another than an internal app's own.
   */
  issueAppAccessToken(corpId?: string): string;
  /**
   * Makes every app access token issued so far invalid (errcode 88 with `sub_code` 40014), so the
   * next must be fetched anew.
   */
  revokeAppTokens(): void;
  /**
   * Mints an in-client code (免登码) as `dd.requestAuthCode` would inside the DingTalk client:
   * single use, valid `authCodeTTLSeconds`, bound to this app, the organization and the user.
   * Throws a `TypeError` for an unknown user or one who is not a member of the organization.
   */
  issueInAppCode(options?: IssueInAppCodeOptions): string;
  /**
   * Signs a member of the in-client organization in to the emulated DingTalk client: the codes
   * `dd.requestAuthCode` gets from now on are theirs. Throws a `TypeError` for anyone else.
   */
  signInToClient(unionId: string): void;
  /** Sets every count back to zero. */
  resetCounters(): void;
  /** Makes an endpoint misbehave, replacing any fault already set on it. */
  inject(endpoint: EmulatorEndpoint, fault: EmulatorFault): void;
  /** Removes every fault. */
  clearFaults(): void;
  /** Stops listening and destroys every open connection (keep-alive or hanging); resolves once closed. */
  close(): Promise<void>;
}
