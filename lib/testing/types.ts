/**
 * The public shapes of the DingTalk emulator (`passport-dingtalk-oauth2/testing`). The emulator plays
 * both DingTalk hosts at once: the login page (`login.dingtalk.com`) and the v1.0 API
 * (`api.dingtalk.com`), as described in the shared reference.
 */

/** An organization (企业/组织) a test user belongs to. */
export interface EmulatorOrganization {
  /** The organization's corpId, returned by the token exchange when the scope contains `corpid`. */
  corpId: string;
  /** Display name shown on the consent page. */
  name: string;
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
  /** True for a guest rather than a member. Answered as `false` when absent. */
  visitor?: boolean;
  /** The organizations offered on the consent page when the scope contains `corpid`. */
  organizations: EmulatorOrganization[];
}

/** The kind of DingTalk app the emulator plays (应用类型). */
export type EmulatorApp =
  /** Any DingTalk user may log in (an app for logging in to a third-party website). */
  | { type: 'login' }
  /** 企业内部应用: only members of the owning organization `corpId` may log in. */
  | { type: 'internal'; corpId: string }
  /** 第三方企业应用: the profile's mobile number is masked, such as `155****3240`. */
  | { type: 'third-party-enterprise' };

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
   * Personal permissions (个人权限) granted to the app. Without `Contact.User.Read` the profile call
   * answers 403; without `Contact.User.mobile` the profile lacks `mobile` and `stateCode`.
   * Default `['Contact.User.Read', 'Contact.User.mobile']`.
   */
  permissions?: string[];
  /** The kind of app. Default `{ type: 'login' }`: any user may log in. */
  app?: EmulatorApp;
  /**
   * The `error` value of the redirect when the user presses Cancel. DingTalk publishes none: the
   * default `'access_denied'` is a guess (docs/dingtalk-answers.md).
   */
  cancelError?: string;
  /**
   * The error `code` (HTTP 400) for an authCode that is unknown, used or expired. DingTalk
   * publishes none for this endpoint: the default `'invalidAuthCode'` is a guess; its sibling
   * `ssoUserInfo` documents `'invalidCode'` (docs/dingtalk-answers.md).
   */
  usedCodeError?: string;
  /** Lifetime of an authCode in seconds. Default 300. */
  authCodeTTLSeconds?: number;
  /** Lifetime of an access token in seconds, answered as `expireIn`. Default 7200. */
  accessTokenTTLSeconds?: number;
  /** Interface to listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** The clock, in milliseconds, that codes and tokens expire by. Default `Date.now`. */
  now?: () => number;
}

/** The endpoints a fault can be injected into. */
export type EmulatorEndpoint = 'authorize' | 'token' | 'profile';

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
   * `Forbidden.AccessDenied.QpsLimitForApi` (the app called this API too often). `ip-ban`: the
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
  /** The accounts offered on the consent page (frozen copies). */
  readonly users: readonly EmulatorUser[];
  /** The app's ClientId. */
  readonly clientID: string;
  /** The app's ClientSecret. */
  readonly clientSecret: string;
  /** A snapshot of the request and connection counts, taken when read. */
  readonly counters: EmulatorCounters;
  /** The options that point a `Strategy` at this emulator (add `callbackURL`). */
  strategyOptions(): EmulatorStrategyOptions;
  /**
   * Mints an authCode as if the user had authorized the app, skipping the browser. Throws a
   * `TypeError` for an unknown user, an invalid scope or an organization the user is not in.
   */
  issueAuthCode(options?: IssueAuthCodeOptions): string;
  /** Sets every count back to zero. */
  resetCounters(): void;
  /** Makes an endpoint misbehave, replacing any fault already set on it. */
  inject(endpoint: EmulatorEndpoint, fault: EmulatorFault): void;
  /** Removes every fault. */
  clearFaults(): void;
  /** Stops listening and destroys every open connection (keep-alive or hanging); resolves once closed. */
  close(): Promise<void>;
}
