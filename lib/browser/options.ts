import type { Agent as HttpAgent } from 'node:http';

import type OAuth2Strategy = require('passport-oauth2');

import type { FetchFunction, HttpSettings } from '../api/http';
import type { GetAccessTokenFunction } from '../organization/app-tokens';
import {
  isLoopback,
  optionPrefix as prefix,
  readAppCredentials,
  readEndpointURL,
  readFlag,
  readHttpSettings,
  requireText,
  requireTextOption,
} from '../passport/option-readers';
import type { StateStore } from '../passport/state-store';
import { type MemberLookupSettings, readMemberLookup } from './member-lookup-options';

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

/** Options shared by both forms of the constructor. */
export interface StrategyOptionsBase {
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
  /** Milliseconds after which a request to DingTalk is aborted, body included: 1 to 2147483647, default 10000. */
  timeout?: number;
  /** Largest answer body read from DingTalk, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /** A fetch implementation to use instead of node-fetch v2. */
  fetch?: FetchFunction;
  /** The agent for every request to DingTalk (for a proxy, or your own pooling). */
  agent?: HttpAgent;
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

/** The options after validation, with every default filled in. */
export interface ResolvedOptions {
  oauth2: OAuth2Strategy.StrategyOptions | OAuth2Strategy.StrategyOptionsWithRequest;
  clientID: string;
  clientSecret: string;
  tokenURL: URL;
  userProfileURL: URL;
  http: HttpSettings;
  allowHttpCallbackURL: boolean;
  allowedCorpIds: ReadonlySet<string> | undefined;
  memberLookup: MemberLookupSettings | undefined;
}

/**
 * Validates the caller's options and fills in the defaults. The caller's object is only read:
 * the result is built field by field, so nothing unknown reaches passport-oauth2.
 */
export function resolveOptions(options: StrategyOptionsBase & { passReqToCallback?: boolean }): ResolvedOptions {
  const { clientID, clientSecret } = readAppCredentials(options, 'Strategy');
  const callbackURL = requireTextOption(options, 'callbackURL', 'a redirect URL registered for the app');
  const allowHttpCallbackURL = readFlag(options.allowHttpCallbackURL, 'allowHttpCallbackURL');
  const callbackProblem = allowHttpCallbackURL ? undefined : insecureCallbackURL(callbackURL);
  if (callbackProblem) throw new TypeError(callbackProblem);
  const authorizationURL = readURL(options, 'authorizationURL', false);
  // The client secret and tokens travel to these two: never in clear text over a network.
  const tokenURL = readURL(options, 'tokenURL', true);
  const userProfileURL = readURL(options, 'userProfileURL', true);
  const scope = readScope(options.scope, options.memberLookup === true);
  const http = readHttpSettings(options);
  const skipUserProfile = readSkipUserProfile(options.skipUserProfile);
  const passReqToCallback = readFlag(options.passReqToCallback, 'passReqToCallback');
  const allowedCorpIds = readAllowedCorpIds(options.allowedCorpIds, scope);
  const memberLookup = readMemberLookup(options, scope, allowedCorpIds, { clientID, clientSecret }, http);

  const oauth2: OAuth2Strategy.StrategyOptions | OAuth2Strategy.StrategyOptionsWithRequest = {
    clientID,
    clientSecret,
    callbackURL,
    authorizationURL: authorizationURL.href,
    tokenURL: tokenURL.href,
    scope,
    scopeSeparator: ' ',
    skipUserProfile,
    passReqToCallback,
  } as OAuth2Strategy.StrategyOptions | OAuth2Strategy.StrategyOptionsWithRequest;
  if (options.state !== undefined) oauth2.state = options.state;
  if (options.store !== undefined) oauth2.store = options.store as OAuth2Strategy.StateStore;
  if (options.proxy !== undefined) oauth2.proxy = options.proxy;
  if (options.sessionKey !== undefined)
    oauth2.sessionKey = requireText(options.sessionKey, 'sessionKey', 'a session key');
  return {
    oauth2,
    clientID,
    clientSecret,
    tokenURL,
    userProfileURL,
    http,
    allowedCorpIds,
    allowHttpCallbackURL,
    memberLookup,
  };
}

function readURL(options: StrategyOptionsBase, name: keyof typeof defaultURLs, carriesSecrets: boolean): URL {
  return readEndpointURL(options[name], name, defaultURLs[name], carriesSecrets);
}

/**
 * Why an absolute callback URL may not be used, if it may not: DingTalk redirects the browser to
 * it with the authorization code, which plain http would show to the network. Loopback is fine
 * (development, the emulator); a relative URL is checked once resolved, per request.
 */
export function insecureCallbackURL(callbackURL: string): string | undefined {
  // Most callback URLs are https: no parsing for them (a relative one is checked on every login).
  if (!/^http:/i.test(callbackURL)) return undefined;
  let url: URL;
  try {
    url = new URL(callbackURL);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || isLoopback(url.hostname)) return undefined;
  return (
    `${prefix} the callback URL ${url.origin}${url.pathname} uses plain http, which would show DingTalk's ` +
    'authorization code to the network: use https (behind a TLS proxy, make the app trust it: ' +
    "Express app.set('trust proxy', 1), Koa app.proxy = true, Fastify trustProxy: true), " +
    'or set allowHttpCallbackURL: true for an intranet reached over http only'
  );
}

function readScope(scope: unknown, memberLookup: boolean): string[] {
  if (scope === undefined) return memberLookup ? ['openid', 'corpid'] : ['openid'];
  const scopes = typeof scope === 'string' ? scope.split(' ') : scope;
  if (!Array.isArray(scopes) || !scopes.every((item) => typeof item === 'string')) {
    throw new TypeError(`${prefix} the "scope" option must be a string or an array of strings`);
  }
  const cleaned = scopes.map((item) => item.trim()).filter((item) => item.length > 0);
  // DingTalk separates scopes with spaces; a comma makes it reject or ignore the scope.
  if (cleaned.length === 0 || cleaned.some((item) => item.includes(','))) {
    throw new TypeError(`${prefix} the "scope" option lists scopes separated by spaces, such as "openid corpid"`);
  }
  return cleaned;
}

function readAllowedCorpIds(allowed: unknown, scope: readonly string[]): ReadonlySet<string> | undefined {
  if (allowed === undefined) return undefined;
  if (!Array.isArray(allowed) || allowed.length === 0 || !allowed.every((id) => typeof id === 'string' && id !== '')) {
    throw new TypeError(`${prefix} the "allowedCorpIds" option must be a non-empty array of corpIds`);
  }
  // Without corpid in the scope DingTalk never says which organization the user picked.
  if (!scope.includes('corpid')) {
    throw new TypeError(`${prefix} the "allowedCorpIds" option needs the scope "openid corpid"`);
  }
  return new Set(allowed as string[]);
}

function readSkipUserProfile(skip: unknown): boolean | SkipUserProfileFunction {
  if (skip === undefined) return false;
  if (typeof skip === 'boolean') return skip;
  if (typeof skip === 'function' && skip.length >= 2) return skip as SkipUserProfileFunction;
  if (typeof skip === 'function') {
    // passport-oauth2 calls the one-parameter form with no argument; this package passes the token,
    // and waits for an async function's answer (a promise is not a yes).
    const decide = skip as (accessToken: string) => unknown;
    return (accessToken: string, done: (err: unknown, skip?: boolean) => void) => {
      let answer: unknown;
      try {
        answer = decide(accessToken);
      } catch (error) {
        return done(error);
      }
      if (answer instanceof Promise) {
        answer.then(
          (result) => done(null, Boolean(result)),
          (error: unknown) => done(error || new Error('skipUserProfile rejected')),
        );
      } else {
        done(null, Boolean(answer));
      }
    };
  }
  throw new TypeError(`${prefix} the "skipUserProfile" option must be a boolean or a function`);
}
