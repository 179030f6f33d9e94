import type { Agent as HttpAgent } from 'node:http';

import type { FetchFunction } from '../api/http';
import type { GetAccessTokenFunction } from '../organization/app-tokens';
import type { StateStore } from '../passport/state-store';

/** Where DingTalk's browser OAuth lives unless the options say otherwise. */
export const defaultURLs = {
  authorizationURL: 'https://login.dingtalk.com/oauth2/auth',
  tokenURL: 'https://api.dingtalk.com/v1.0/oauth2/userAccessToken',
  userProfileURL: 'https://api.dingtalk.com/v1.0/contact/users/me',
} as const;

/**
 * Decides per login whether to skip the profile request: `(accessToken, done)` calling
 * `done(err, skip)`, or `(accessToken)` returning `skip`.
 */
export type SkipUserProfileFunction =
  | ((accessToken: string, done: (err: unknown, skip?: boolean) => void) => void)
  | ((accessToken: string) => boolean | Promise<boolean>);

/** How both strategies send their requests to DingTalk. */
export interface TransportOptions {
  /** Milliseconds after which a request to DingTalk is aborted, body included: 1 to 2147483647, default 10000. */
  timeout?: number;
  /** Largest answer body read from DingTalk, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /**
   * A fetch to use instead of node-fetch v2, such as Node's global fetch. It must honour `signal`
   * and `redirect: 'manual'` (both of those do); a redirect is refused and the timeout holds anyway.
   */
  fetch?: FetchFunction;
  /** The agent for every request to DingTalk (for a proxy, or your own pooling). */
  agent?: HttpAgent;
}

/** Options shared by both forms of the constructor. */
export interface StrategyOptionsBase extends TransportOptions {
  /** The app's ClientId (AppKey) from the DingTalk developer console. */
  clientID: string;
  /** The app's ClientSecret. Sent only to `tokenURL`, never logged. */
  clientSecret: string;
  /** The callback URL, registered under 安全设置 → 重定向URL. May be relative to the request's host. */
  callbackURL: string;
  /**
   * `openid` (the default), or `openid corpid` to learn the organization the user picked (the
   * default with `memberLookup`, which needs it).
   */
  scope?: string | string[];
  /** `true` keeps a random state in the session and checks it on the callback (CSRF protection). */
  state?: boolean;
  /** A custom passport-oauth2 state store, or `true` for its session store. */
  store?: StateStore | boolean;
  /** Skip the profile request (`profile` is then undefined), always or per login. */
  skipUserProfile?: boolean | SkipUserProfileFunction;
  /** DingTalk's authorize page. */
  authorizationURL?: string;
  /** DingTalk's token endpoint. Must be https unless it is on loopback (an emulator). */
  tokenURL?: string;
  /** DingTalk's current-user endpoint. Must be https unless it is on loopback. */
  userProfileURL?: string;
  /**
   * Allow a plain-http `callbackURL` on a host other than loopback, for an intranet reached over
   * http only. DingTalk sends the authorization code to the callback URL, so this exposes it to
   * anyone on the network path; the default refuses it.
   */
  allowHttpCallbackURL?: boolean;
  /** Trust `X-Forwarded-Proto`/`X-Forwarded-Host` when resolving a relative `callbackURL`. */
  proxy?: boolean;
  /** The session key the state is kept under. Default `oauth2:login.dingtalk.com`. */
  sessionKey?: string;
  /**
   * Only users who pick one of these organizations may log in; others end in `fail()` before
   * the verify callback runs. Needs `corpid` in the scope, such as `'openid corpid'`.
   */
  allowedCorpIds?: readonly string[];
  /**
   * After the profile, ask the organization the user picked who they are in it
   * (`topapi/user/getbyunionid`, then `topapi/v2/user/get`): the profile gains `userId` and the
   * member's details, and anyone who is not a member ends in `fail()` (403, `not_a_member`).
   * Needs the `corpid` scope (the default then), the permission qyapi_get_member, and either
   * `allowedCorpIds: [the app's own corpId]` (the app's own token answers for that organization
   * only) or `getAccessToken` (a third-party app).
   */
  memberLookup?: boolean;
  /** With `memberLookup`: don't fetch the member's details (`topapi/v2/user/get`), one request less. */
  skipUserDetails?: boolean;
  /** With `memberLookup`: DingTalk's app token endpoint. Must be https unless it is on loopback. */
  accessTokenURL?: string;
  /** With `memberLookup`: DingTalk's unionId lookup. Must be https unless it is on loopback. */
  getByUnionIdURL?: string;
  /** With `memberLookup`: DingTalk's member details endpoint. Must be https unless it is on loopback. */
  userDetailsURL?: string;
  /**
   * With `memberLookup`, for a third-party app: supplies the access token of the organization the
   * user picked, as on `InAppStrategy` (see {@link GetAccessTokenFunction}).
   */
  getAccessToken?: GetAccessTokenFunction;
}

/**
 * Options for a verify callback without `req`, which always receives the profile. `TLookup` is
 * what `memberLookup` is, as TypeScript reads it from the options: with `true`, verify's profile
 * is a {@link MemberProfile}.
 */
export interface StrategyOptions<TLookup extends boolean = false> extends StrategyOptionsBase {
  /** Left out or `false`: verify does not receive `req`. */
  passReqToCallback?: false;
  /** Left out or `false`: the profile is always loaded. */
  skipUserProfile?: false;
  /** `true`: ask the organization who the user is; verify's profile is then a `MemberProfile`. */
  memberLookup?: TLookup;
}

/** Options for a verify callback that receives `req` first, and always the profile. */
export interface StrategyOptionsWithRequest<TLookup extends boolean = false> extends StrategyOptionsBase {
  /** `true`: verify receives `req` as its first argument. */
  passReqToCallback: true;
  /** Left out or `false`: the profile is always loaded. */
  skipUserProfile?: false;
  /** `true`: ask the organization who the user is; verify's profile is then a `MemberProfile`. */
  memberLookup?: TLookup;
}

/** Options that may skip the profile request: verify's `profile` is then `Profile | undefined`. */
export interface StrategyOptionsSkippingProfile extends StrategyOptionsBase {
  /** Left out or `false`: verify does not receive `req`. */
  passReqToCallback?: false;
  /** `true`, or a function deciding per login: `profile` is undefined when skipped. */
  skipUserProfile: boolean | SkipUserProfileFunction;
  /** Not with `skipUserProfile`: the lookup starts from the profile's unionId. */
  memberLookup?: false;
}

/** `passReqToCallback: true` with `skipUserProfile`: verify's `profile` is `Profile | undefined`. */
export interface StrategyOptionsWithRequestSkippingProfile extends StrategyOptionsBase {
  /** `true`: verify receives `req` as its first argument. */
  passReqToCallback: true;
  /** `true`, or a function deciding per login: `profile` is undefined when skipped. */
  skipUserProfile: boolean | SkipUserProfileFunction;
  /** Not with `skipUserProfile`: the lookup starts from the profile's unionId. */
  memberLookup?: false;
}
