import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import nodeFetch from 'node-fetch';

import type { FetchFunction, HttpSettings } from '../api/http';
import { defaultURLs, type SkipUserProfileFunction } from '../browser/options';
import { type CorpIdFunction, inAppDefaultURLs } from '../in-app/options';
import type { GetAccessTokenFunction } from '../organization/app-tokens';
import type { StateStore } from './state-store';

/** What every option error starts with, so a stack trace names the package. */
const prefix = 'passport-dingtalk-oauth2:';

type Options = Record<string, unknown>;
/** Reads one option: its value (undefined when left out), its name, and the whole options object. */
type Reader<T = unknown> = (value: unknown, name: string, options: Options) => T;
type Owner = 'Strategy' | 'InAppStrategy';
const isFunction = (value: unknown) => typeof value === 'function';
const flag: Reader<boolean> = optional((value) => typeof value === 'boolean', 'true or false', false);

/** Each option once: which constructors take it, and how it is read. */
const table = {
  clientID: ['both', text('the ClientId (AppKey) from the DingTalk developer console')],
  clientSecret: ['both', text('the ClientSecret (AppSecret) from the DingTalk developer console')],
  callbackURL: ['Strategy', text('a redirect URL registered for the app')],
  corpId: ['InAppStrategy', readCorpId],
  passReqToCallback: ['both', flag],
  allowHttpCallbackURL: ['Strategy', flag],
  memberLookup: ['Strategy', flag],
  skipUserDetails: ['both', flag],
  // The client secret and tokens travel to all but the authorize page: never in clear text.
  authorizationURL: ['Strategy', endpoint(defaultURLs.authorizationURL, false)],
  tokenURL: ['Strategy', endpoint(defaultURLs.tokenURL)],
  userProfileURL: ['Strategy', endpoint(defaultURLs.userProfileURL)],
  accessTokenURL: ['both', endpoint(inAppDefaultURLs.accessTokenURL)],
  getByUnionIdURL: ['Strategy', endpoint('https://oapi.dingtalk.com/topapi/user/getbyunionid')],
  userDetailsURL: ['both', endpoint(inAppDefaultURLs.userDetailsURL)],
  userInfoURL: ['InAppStrategy', endpoint(inAppDefaultURLs.userInfoURL)],
  scope: ['Strategy', readScope],
  skipUserProfile: ['Strategy', readSkipUserProfile],
  allowedCorpIds: ['Strategy', readAllowedCorpIds],
  getAccessToken: ['both', optional<GetAccessTokenFunction>(isFunction, 'a function (corpId) => Promise<string>')],
  // setTimeout's largest delay: a longer one overflows and fires after 1 ms, aborting every request.
  timeout: ['both', positive(10_000, 'milliseconds', 2 ** 31 - 1)],
  maxResponseBytes: ['both', positive(1024 * 1024, 'bytes')],
  fetch: ['both', optional<FetchFunction>(isFunction, 'a function', nodeFetch)],
  agent: ['both', readAgent],
  // passport-oauth2's own, passed to it as they are.
  state: ['Strategy', (value) => value as boolean | undefined],
  store: ['Strategy', (value) => value as StateStore | boolean | undefined],
  proxy: ['Strategy', (value) => value as boolean | undefined],
  sessionKey: [
    'Strategy',
    (value, name, options) => (value === undefined ? undefined : text('a session key')(value, name, options)),
  ],
} satisfies Record<string, [Owner | 'both', Reader]>;

/**
 * Both strategies' options, checked, with their defaults: what the strategies, the DingTalk
 * clients and the transport (it is an {@link HttpSettings}) take as they are. The other
 * strategy's options are left undefined.
 */
export type Settings = HttpSettings & { -readonly [Name in keyof typeof table]: ReturnType<(typeof table)[Name][1]> };

/** The options that only have a meaning with `memberLookup: true`. */
const lookupOnly = ['skipUserDetails', 'accessTokenURL', 'getByUnionIdURL', 'userDetailsURL', 'getAccessToken'];

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
  for (const [name, [takenBy, read]] of Object.entries(table)) {
    if (takenBy === owner || takenBy === 'both') settings[name] = read(given[name], name, given);
  }
  const read = settings as unknown as Settings;
  read.timeoutMs = read.timeout;
  read.agentFor = read.agent;
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
  if (settings.allowedCorpIds && !hasCorpId) throw optionError('allowedCorpIds', 'needs the scope "openid corpid"');
  if (!settings.memberLookup) {
    const stray = lookupOnly.find((name) => given[name] !== undefined);
    if (stray) throw optionError(stray, 'only has a meaning with memberLookup: true');
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

/** The error of an option that is not as it must be, naming it. */
function optionError(name: string, problem: string): TypeError {
  return new TypeError(`${prefix} the "${name}" option ${problem}`);
}

/**
 * A required, non-blank text option. When it is left out, the `TypeError` names the look-alike
 * key the options do have (`clientId` for `clientID`, say): only the key, never a value (it may
 * be the secret).
 */
function text(what: string): Reader<string> {
  return (value, name, options) => {
    if (typeof value === 'string' && value.trim() !== '') return value;
    const lookAlikes = value === undefined ? (misspellings[name] ?? []) : [];
    const found = Object.keys(options).find((key) => key !== name && lookAlikes.includes(key.toLowerCase()));
    if (!found) throw optionError(name, `is required: ${what}`);
    const spelling = found === 'clientId' ? " (DingTalk's spelling)" : '';
    throw optionError(name, `is required: ${what}. The options have "${found}"${spelling}: did you mean ${name}?`);
  };
}

/** An option that may be left out (`fallback` then), and is otherwise taken as it is. */
function optional<T>(isValid: (value: unknown) => boolean, what: string): Reader<T | undefined>;
function optional<T>(isValid: (value: unknown) => boolean, what: string, fallback: T): Reader<T>;
function optional<T>(isValid: (value: unknown) => boolean, what: string, fallback?: T): Reader<T | undefined> {
  return (value, name) => {
    if (value === undefined) return fallback;
    if (!isValid(value)) throw optionError(name, `must be ${what}`);
    return value as T;
  };
}

function positive(fallback: number, unit: string, max = Number.MAX_VALUE): Reader<number> {
  const most = max < Number.MAX_VALUE ? `, at most ${max}` : '';
  // NaN and Infinity fail the comparisons.
  const isValid = (value: unknown) => typeof value === 'number' && value > 0 && value <= max;
  return optional(isValid, `a positive number of ${unit}${most}`, fallback);
}

/**
 * An absolute http(s) URL option, DingTalk's own by default. One that `carriesSecrets` (the
 * client secret, a token or a code travels to it) must be https unless it is on loopback.
 */
function endpoint(fallback: string, carriesSecrets = true): Reader<URL> {
  return (value, name) => {
    const given = value ?? fallback;
    if (typeof given !== 'string' || !URL.canParse(given)) throw optionError(name, 'must be an absolute URL');
    const url = new URL(given);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw optionError(name, 'must be an http(s) URL');
    if (carriesSecrets && url.protocol === 'http:' && !isLoopback(url.hostname)) {
      throw optionError(name, 'must use https (plain http is allowed only on loopback)');
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
  if (!/^http:/i.test(callbackURL) || !URL.canParse(callbackURL)) return undefined;
  const url = new URL(callbackURL);
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
    throw optionError(name, 'must be a string or an array of strings');
  }
  const cleaned = scopes.map((item) => item.trim()).filter((item) => item.length > 0);
  // DingTalk separates scopes with spaces; a comma makes it reject or ignore the scope.
  if (cleaned.length === 0 || cleaned.some((item) => item.includes(','))) {
    throw optionError(name, 'lists scopes separated by spaces, such as "openid corpid"');
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
    throw optionError(name, 'must be a non-empty array of corpIds');
  }
  return new Set(allowed as string[]);
}

function readSkipUserProfile(skip: unknown, name: string): boolean | SkipUserProfileFunction {
  if (skip === undefined || typeof skip === 'boolean') return skip === true;
  if (typeof skip !== 'function') throw optionError(name, 'must be a boolean or a function');
  if (skip.length >= 2) return skip as SkipUserProfileFunction;
  // passport-oauth2 calls the one-parameter form with no argument; this package passes the token,
  // and waits for an async function's answer (a promise is not a yes). A throw is an error too.
  return (accessToken, done) => {
    new Promise((resolve) => resolve(skip(accessToken))).then(
      (result) => done(null, Boolean(result)),
      (error: unknown) => done(error || new Error('skipUserProfile rejected')),
    );
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
  if (!isCorpId(corpId)) throw optionError(name, 'is not a DingTalk corpId');
  return corpId;
}

/** A corpId as DingTalk issues them, and never a name that means something on a plain object. */
export function isCorpId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value) && !objectKeyNames.has(value);
}
const objectKeyNames = new Set(['__proto__', 'constructor', 'prototype']);

function readAgent(agent: unknown, name: string): HttpSettings['agentFor'] {
  if (agent !== undefined) {
    if (typeof agent !== 'object' || agent === null) throw optionError(name, 'must be an http.Agent or https.Agent');
    return () => agent as HttpAgent;
  }
  // One keep-alive pool per strategy: a login then costs no new TLS handshake.
  const httpAgent = new HttpAgent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({ keepAlive: true });
  return (url) => (url.protocol === 'http:' ? httpAgent : httpsAgent);
}
