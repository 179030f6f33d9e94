import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import nodeFetch from 'node-fetch';

import type { FetchFunction, HttpSettings } from '../api/http';
import type { CorpIdFunction } from '../in-app/options';
import type { GetAccessTokenFunction } from '../organization/app-tokens';
import type { StateStore } from './state-store';

/** What every option error starts with, so a stack trace names the package. */
export const optionPrefix = 'passport-dingtalk-oauth2:';
const prefix = optionPrefix;

/** Where DingTalk lives unless the options say otherwise. */
export const dingtalkURLs = {
  authorizationURL: 'https://login.dingtalk.com/oauth2/auth',
  tokenURL: 'https://api.dingtalk.com/v1.0/oauth2/userAccessToken',
  userProfileURL: 'https://api.dingtalk.com/v1.0/contact/users/me',
  accessTokenURL: 'https://api.dingtalk.com/v1.0/oauth2/accessToken',
  getByUnionIdURL: 'https://oapi.dingtalk.com/topapi/user/getbyunionid',
  userDetailsURL: 'https://oapi.dingtalk.com/topapi/v2/user/get',
  userInfoURL: 'https://oapi.dingtalk.com/topapi/v2/user/getuserinfo',
} as const;

type SkipUserProfile = boolean | ((accessToken: string, done: (err: unknown, skip?: boolean) => void) => void);

/**
 * Both strategies' options, checked, with their defaults: what the strategies, the DingTalk
 * clients and the transport (it is an {@link HttpSettings}) take as they are.
 */
export interface Settings extends HttpSettings {
  clientID: string;
  clientSecret: string;
  passReqToCallback: boolean;
  skipUserDetails: boolean;
  getAccessToken: GetAccessTokenFunction | undefined;
  accessTokenURL: URL;
  userDetailsURL: URL;
  // The browser Strategy's.
  callbackURL: string;
  authorizationURL: URL;
  tokenURL: URL;
  userProfileURL: URL;
  getByUnionIdURL: URL;
  scope: string[];
  skipUserProfile: SkipUserProfile;
  allowHttpCallbackURL: boolean;
  allowedCorpIds: ReadonlySet<string> | undefined;
  memberLookup: boolean;
  state: boolean | undefined;
  store: StateStore | boolean | undefined;
  proxy: boolean | undefined;
  sessionKey: string | undefined;
  // InAppStrategy's.
  corpId: string | CorpIdFunction;
  userInfoURL: URL;
}

type Options = Record<string, unknown>;
/** Reads one option: its value (undefined when left out), its name, and the whole options object. */
type Reader = (value: unknown, name: string, options: Options) => unknown;
type Owner = 'Strategy' | 'InAppStrategy';
const both: readonly Owner[] = ['Strategy', 'InAppStrategy'];
const browser: readonly Owner[] = ['Strategy'];
const inApp: readonly Owner[] = ['InAppStrategy'];

/** Each option once: which constructors take it, and how it is read. */
const table: Record<string, [readonly Owner[], Reader]> = {
  clientID: [both, text('the ClientId (AppKey) from the DingTalk developer console')],
  clientSecret: [both, text('the ClientSecret (AppSecret) from the DingTalk developer console')],
  callbackURL: [browser, text('a redirect URL registered for the app')],
  corpId: [inApp, readCorpId],
  passReqToCallback: [both, flag],
  allowHttpCallbackURL: [browser, flag],
  memberLookup: [browser, flag],
  skipUserDetails: [both, flag],
  // The client secret and tokens travel to all but the authorize page: never in clear text.
  authorizationURL: [browser, endpoint(false)],
  tokenURL: [browser, endpoint(true)],
  userProfileURL: [browser, endpoint(true)],
  accessTokenURL: [both, endpoint(true)],
  getByUnionIdURL: [browser, endpoint(true)],
  userDetailsURL: [both, endpoint(true)],
  userInfoURL: [inApp, endpoint(true)],
  scope: [browser, readScope],
  skipUserProfile: [browser, readSkipUserProfile],
  allowedCorpIds: [browser, readAllowedCorpIds],
  getAccessToken: [both, functionOption('a function (corpId) => Promise<string>')],
  // setTimeout's largest delay: a longer one overflows and fires after 1 ms, aborting every request.
  timeout: [both, positive(10_000, 'milliseconds', 2 ** 31 - 1)],
  maxResponseBytes: [both, positive(1024 * 1024, 'bytes', Number.MAX_VALUE)],
  fetch: [both, (value) => functionOption('a function')(value, 'fetch') ?? nodeFetch],
  agent: [both, readAgent],
  // passport-oauth2's own, passed to it as they are.
  state: [browser, (value) => value],
  store: [browser, (value) => value],
  proxy: [browser, (value) => value],
  sessionKey: [browser, (value) => (value === undefined ? undefined : text('a session key')(value, 'sessionKey', {}))],
};

/** The options that only have a meaning with `memberLookup: true`. */
const memberLookupOptions = [
  'skipUserDetails',
  'accessTokenURL',
  'getByUnionIdURL',
  'userDetailsURL',
  'getAccessToken',
];

export const missingCorpIdScope =
  'memberLookup needs the scope "corpid" (such as "openid corpid"): the organization to ask comes from it';

/**
 * Reads a constructor's options in one pass, then the rules between them. The caller's object is
 * only read: nothing unknown reaches passport-oauth2.
 */
export function readSettings(options: unknown, owner: Owner): Settings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${prefix} new ${owner}(options, verify) needs an options object`);
  }
  const given = options as Options;
  const settings: Options = {};
  for (const [name, [owners, read]] of Object.entries(table)) {
    if (owners.includes(owner)) settings[name] = read(given[name], name, given);
  }
  const read = settings as unknown as Settings;
  read.timeoutMs = settings.timeout as number;
  read.agentFor = settings.agent as HttpSettings['agentFor'];
  if (owner === 'Strategy') checkBrowserRules(read, given);
  // A strategy shown or logged (`%o`, JSON.stringify) must not print the secret.
  Object.defineProperty(read, 'clientSecret', { enumerable: false });
  return read;
}

function checkBrowserRules(settings: Settings, given: Options): void {
  const insecure = settings.allowHttpCallbackURL ? undefined : insecureCallbackURL(settings.callbackURL);
  if (insecure) throw new TypeError(insecure);
  const hasCorpId = settings.scope.includes('corpid');
  // Without corpid in the scope DingTalk never says which organization the user picked.
  if (settings.allowedCorpIds && !hasCorpId) {
    throw new TypeError(`${prefix} the "allowedCorpIds" option needs the scope "openid corpid"`);
  }
  if (!settings.memberLookup) {
    const stray = memberLookupOptions.find((name) => given[name] !== undefined);
    if (stray) throw new TypeError(`${prefix} the "${stray}" option only has a meaning with memberLookup: true`);
    return;
  }
  if (settings.skipUserProfile !== false) {
    throw new TypeError(
      `${prefix} memberLookup needs the profile's unionId, so it cannot go with skipUserProfile: remove one of them`,
    );
  }
  if (!hasCorpId) throw new TypeError(`${prefix} ${missingCorpIdScope}`);
  // The app's own token answers for the app's own organization, whichever one the user picked:
  // looked up with it, a member of another organization would get this one's userId and roles
  // under the other's corpId. The login is pinned to the organization the token answers for.
  if (!settings.getAccessToken && settings.allowedCorpIds?.size !== 1) {
    throw new TypeError(
      `${prefix} memberLookup with the app's own access token needs allowedCorpIds: [the app's own corpId], ` +
        'since that token answers for its own organization only; a third-party app passes getAccessToken instead',
    );
  }
}

/**
 * The names an option is often given by mistake, in lower case: DingTalk's own spelling (its
 * console says ClientId, and AppKey/AppSecret before that) and other casings of the name.
 */
const misspellings: Readonly<Record<string, readonly string[]>> = {
  clientID: ['clientid', 'appkey', 'client_id'],
  clientSecret: ['clientsecret', 'appsecret', 'client_secret'],
  callbackURL: ['callbackurl', 'callback_url', 'redirecturi', 'redirect_uri'],
  corpId: ['corpid', 'corp_id'],
};

/**
 * A required, non-blank text option. When it is left out, the `TypeError` names the look-alike
 * key the options do have (`clientId` for `clientID`, say): only the key, never a value (it may
 * be the secret).
 */
function text(what: string): Reader {
  return (value, name, options) => {
    if (typeof value === 'string' && value.trim() !== '') return value;
    const candidates = misspellings[name] ?? [];
    const found =
      value === undefined
        ? Object.keys(options).find((key) => key !== name && candidates.includes(key.toLowerCase()))
        : undefined;
    const hint = found
      ? `. The options have "${found}"${found === 'clientId' ? " (DingTalk's spelling)" : ''}: did you mean ${name}?`
      : '';
    throw new TypeError(`${prefix} the "${name}" option is required: ${what}${hint}`);
  };
}

function flag(value: unknown, name: string): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${prefix} the "${name}" option must be true or false`);
  }
  return value === true;
}

function functionOption(what: string) {
  return (value: unknown, name: string) => {
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`${prefix} the "${name}" option must be ${what}`);
    }
    return value;
  };
}

function positive(fallback: number, unit: string, max: number): Reader {
  return (value, name) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
      const most = max < Number.MAX_VALUE ? `, at most ${max}` : '';
      throw new TypeError(`${prefix} the "${name}" option must be a positive number of ${unit}${most}`);
    }
    return value;
  };
}

/**
 * An absolute http(s) URL option, DingTalk's own by default. One that `carriesSecrets` (the
 * client secret, a token or a code travels to it) must be https unless it is on loopback.
 */
function endpoint(carriesSecrets: boolean): Reader {
  return (value, name) => {
    const given = value ?? dingtalkURLs[name as keyof typeof dingtalkURLs];
    let url: URL;
    try {
      if (typeof given !== 'string') throw new TypeError('not a string');
      url = new URL(given);
    } catch {
      throw new TypeError(`${prefix} the "${name}" option must be an absolute URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`${prefix} the "${name}" option must be an http(s) URL`);
    }
    if (carriesSecrets && url.protocol === 'http:' && !isLoopback(url.hostname)) {
      throw new TypeError(`${prefix} the "${name}" option must use https (plain http is allowed only on loopback)`);
    }
    return url;
  };
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
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
  if (isLoopback(url.hostname)) return undefined;
  return (
    `${prefix} the callback URL ${url.origin}${url.pathname} uses plain http, which would show DingTalk's ` +
    'authorization code to the network: use https (behind a TLS proxy, make the app trust it: ' +
    "Express app.set('trust proxy', 1), Koa app.proxy = true, Fastify trustProxy: true), " +
    'or set allowHttpCallbackURL: true for an intranet reached over http only'
  );
}

function readScope(scope: unknown, name: string, options: Options): string[] {
  if (scope === undefined) return options.memberLookup === true ? ['openid', 'corpid'] : ['openid'];
  const scopes = typeof scope === 'string' ? scope.split(' ') : scope;
  if (!Array.isArray(scopes) || !scopes.every((item) => typeof item === 'string')) {
    throw new TypeError(`${prefix} the "${name}" option must be a string or an array of strings`);
  }
  const cleaned = scopes.map((item) => item.trim()).filter((item) => item.length > 0);
  // DingTalk separates scopes with spaces; a comma makes it reject or ignore the scope.
  if (cleaned.length === 0 || cleaned.some((item) => item.includes(','))) {
    throw new TypeError(`${prefix} the "${name}" option lists scopes separated by spaces, such as "openid corpid"`);
  }
  return cleaned;
}

/** True when a scope option (a string or an array, as passport-oauth2 takes it) names `corpid`. */
export function scopeHasCorpId(scope: unknown): boolean {
  const scopes = typeof scope === 'string' ? scope.split(' ') : Array.isArray(scope) ? scope : [];
  return scopes.some((item) => typeof item === 'string' && item.trim() === 'corpid');
}

function readAllowedCorpIds(allowed: unknown, name: string): ReadonlySet<string> | undefined {
  if (allowed === undefined) return undefined;
  if (!Array.isArray(allowed) || allowed.length === 0 || !allowed.every((id) => typeof id === 'string' && id !== '')) {
    throw new TypeError(`${prefix} the "${name}" option must be a non-empty array of corpIds`);
  }
  return new Set(allowed as string[]);
}

function readSkipUserProfile(skip: unknown, name: string): SkipUserProfile {
  if (skip === undefined) return false;
  if (typeof skip === 'boolean' || (typeof skip === 'function' && skip.length >= 2)) return skip as SkipUserProfile;
  if (typeof skip !== 'function') throw new TypeError(`${prefix} the "${name}" option must be a boolean or a function`);
  // passport-oauth2 calls the one-parameter form with no argument; this package passes the token,
  // and waits for an async function's answer (a promise is not a yes).
  return (accessToken, done) => {
    try {
      Promise.resolve(skip(accessToken)).then(
        (result) => done(null, Boolean(result)),
        (error: unknown) => done(error || new Error('skipUserProfile rejected')),
      );
    } catch (error) {
      done(error);
    }
  };
}

/**
 * InAppStrategy's organization: a corpId, or a function of the request for a third-party app,
 * which the app's own token (an internal app's, valid for one organization) cannot serve.
 */
function readCorpId(value: unknown, name: string, options: Options): string | CorpIdFunction {
  if (typeof value === 'function') {
    if (options.getAccessToken !== undefined) return value as CorpIdFunction;
    throw new TypeError(
      `${prefix} a "corpId" function (a third-party app) needs the "getAccessToken" option: ` +
        "the strategy's own token is an internal app's, valid for its one organization",
    );
  }
  const corpId = text("the organization's corpId, or a function of the request")(value, name, options);
  if (!isCorpId(corpId)) throw new TypeError(`${prefix} the "${name}" option is not a DingTalk corpId`);
  return corpId;
}

/** A corpId as DingTalk issues them, and never a name that means something on a plain object. */
export function isCorpId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value) && !objectKeyNames.has(value);
}
const objectKeyNames = new Set(['__proto__', 'constructor', 'prototype']);

function readAgent(agent: unknown, name: string): HttpSettings['agentFor'] {
  if (agent !== undefined) {
    if (typeof agent !== 'object' || agent === null) {
      throw new TypeError(`${prefix} the "${name}" option must be an http.Agent or https.Agent`);
    }
    return () => agent as HttpAgent;
  }
  // One keep-alive pool per strategy: a login then costs no new TLS handshake.
  let httpsAgent: HttpsAgent | undefined;
  let httpAgent: HttpAgent | undefined;
  return (url) => {
    if (url.protocol === 'http:') {
      httpAgent ??= new HttpAgent({ keepAlive: true });
      return httpAgent;
    }
    httpsAgent ??= new HttpsAgent({ keepAlive: true });
    return httpsAgent;
  };
}
