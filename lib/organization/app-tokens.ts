import { createHash } from 'node:crypto';

import type { Settings } from '../passport/settings';
import { isRejectedAppToken, type OrganizationClient } from './client';

/** What the strategy tells `getAccessToken` when DingTalk refused the token it gave last time. */
export interface AccessTokenRequestContext {
  /** The token DingTalk just called invalid or expired: do not return it again. */
  rejectedToken?: string;
}

/**
 * Supplies the access token for `corpId` itself, instead of the strategy asking
 * `POST /v1.0/oauth2/accessToken` (which only gives an internal app its own organization's
 * token). A third-party (ISV) app gets the authorizing organization's token from
 * `POST https://api.dingtalk.com/v1.0/oauth2/corpAccessToken` with `{ suiteKey, suiteSecret,
 * authCorpId, suiteTicket }`, answering `{ accessToken, expireIn }`. Cache it: the strategy calls
 * this on every login, and once more with `rejectedToken` when DingTalk refuses the token.
 * Answer `undefined` for an organization the app does not serve: the login then fails (403,
 * `unknown_organization`).
 */
export type GetAccessTokenFunction = (
  corpId: string,
  context: AccessTokenRequestContext,
) => string | undefined | Promise<string | undefined>;

/** An app access token and its lifetime in seconds, as DingTalk answered (`expireIn`). */
export type AppToken = { accessToken: string; expireIn: number };

/** Where a login's app access token comes from; `rejected` is the one DingTalk just refused. */
export type AppTokenSource = (corpId: string, rejected: string | undefined) => Promise<string>;

// DingTalk asks apps to cache the token and to renew it before it expires ("建议…过期前10分钟"
// 刷新, server API calling guide). A short-lived token is renewed once half its life is gone.
const renewBeforeMs = 10 * 60 * 1000;
// A failed renewal (the 403 QPS limit, a network blip) is not tried again sooner than this while
// the token still works: one request per 5 s at most, however many logins arrive.
const retryRenewalAfterMs = 5 * 1000;
/** The most apps whose own token is kept per `fetch`: a process that builds strategies per tenant stays bounded. */
const maxCachedApps = 256;
const cachesByFetch = new WeakMap<object, Map<string, AppTokenCache>>();

/**
 * The app's `getAccessToken` when it has one (a third-party app), otherwise the internal app's own
 * token from DingTalk, cached once per app (its credentials and token URL, by a hash: the key
 * never holds the secret) for every strategy that shares the `fetch`. The cache is looked up on
 * each use, so the least recently used apps are the ones forgotten.
 */
export function appTokenSource(client: OrganizationClient, settings: Settings): AppTokenSource {
  if (settings.getAccessToken) return suppliedTokens(settings.getAccessToken);
  const apps = cachesByFetch.get(settings.fetch) ?? new Map<string, AppTokenCache>();
  cachesByFetch.set(settings.fetch, apps);
  const key = createHash('sha256')
    .update(JSON.stringify([settings.clientID, settings.clientSecret, settings.accessTokenURL.href]))
    .digest('base64');
  const fetchToken = () => client.fetchAppToken();
  return (_corpId, rejected) => {
    // Taken out and put back last: the Map's first key is the least recently used app.
    const cache = apps.get(key) ?? new AppTokenCache();
    apps.delete(key);
    if (apps.size >= maxCachedApps) apps.delete(apps.keys().next().value as string);
    apps.set(key, cache);
    if (rejected !== undefined) cache.forget(rejected);
    return cache.get(fetchToken);
  };
}

/**
 * One app's own access token, shared by every login of every strategy with the same credentials:
 * fetched once, reused until shortly before it expires, and fetched by one request however many
 * logins wait for it (single flight). DingTalk throttles apps that ask for it often.
 *
 * The cache holds no way to fetch: each caller brings its own (its strategy's timeout, agent and
 * fetch), and the one whose call starts a request is the one that makes it.
 */
class AppTokenCache {
  #current: { accessToken: string; renewAt: number; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;

  /**
   * The cached token while it is valid, or the one being fetched, or a new one. Past its renewal
   * time, the first login starts the renewal and every login goes on with the cached token: a
   * valid token is not held back by the token endpoint's latency, nor by its failure.
   */
  get(fetchToken: () => Promise<AppToken>): Promise<string> {
    const current = this.#current;
    const now = Date.now();
    if (current && now < current.expiresAt) {
      if (now >= current.renewAt && !this.#pending) {
        // No failure is reported: the cached token serves, and the renewal is tried again later.
        this.#start(fetchToken).catch(() => {
          if (this.#current === current) current.renewAt = Date.now() + retryRenewalAfterMs;
        });
      }
      return Promise.resolve(current.accessToken);
    }
    // Expired, forgotten or never fetched: every login waits for the one request, and a failure is
    // not cached (once this request ends, the next login asks again).
    return this.#pending ?? this.#start(fetchToken);
  }

  /**
   * Forgets `token` because DingTalk refused it (40014, 42001). A token fetched since by another
   * login is kept: only the refused one goes.
   */
  forget(token: string): void {
    if (this.#current?.accessToken === token) this.#current = undefined;
  }

  #start(fetchToken: () => Promise<AppToken>): Promise<string> {
    // The token's life is counted from the request: it may have been issued at any time until the answer.
    const askedAt = Date.now();
    const pending = fetchToken().then(({ accessToken, expireIn }) => {
      const lifetimeMs = expireIn * 1000;
      const renewAt = askedAt + Math.max(lifetimeMs - renewBeforeMs, lifetimeMs / 2);
      this.#current = { accessToken, renewAt, expiresAt: askedAt + lifetimeMs };
      return accessToken;
    });
    this.#pending = pending;
    const settled = () => {
      if (this.#pending === pending) this.#pending = undefined;
    };
    pending.then(settled, settled);
    return pending;
  }
}

/**
 * `getAccessToken` answered nothing for the organization: the app does not serve it (a third-party
 * app the organization never installed). The login fails; nobody's server failed.
 */
export class OrganizationNotServed extends Error {
  constructor(corpId: string) {
    super(`This app has no access token for the organization ${corpId}: it does not serve it.`);
    this.name = 'OrganizationNotServed';
  }
}

/** The app's `getAccessToken`, whose answer is checked. */
function suppliedTokens(getAccessToken: GetAccessTokenFunction): AppTokenSource {
  return async (corpId, rejected) => {
    const token: unknown = await getAccessToken(corpId, rejected === undefined ? {} : { rejectedToken: rejected });
    if (token === undefined || token === null) throw new OrganizationNotServed(corpId);
    if (typeof token !== 'string' || token.length === 0) {
      throw new TypeError('passport-dingtalk-oauth2: getAccessToken(corpId) must resolve to the access token string');
    }
    return token;
  };
}

/**
 * One login's requests to an organization, all with one app token. A token DingTalk refuses
 * (40014, 42001) is replaced and the request made again, once per login: a token refused twice is
 * DingTalk's problem, not one more request would fix.
 */
export class OrganizationSession {
  readonly #source: AppTokenSource;
  readonly #corpId: string;
  #token: Promise<string> | undefined;
  #retried = false;

  constructor(source: AppTokenSource, corpId: string) {
    this.#source = source;
    this.#corpId = corpId;
  }

  async call<T>(request: (appToken: string) => Promise<T>): Promise<T> {
    this.#token ??= this.#source(this.#corpId, undefined);
    const token = await this.#token;
    try {
      return await request(token);
    } catch (error) {
      if (this.#retried || !isRejectedAppToken(error)) throw error;
      this.#retried = true;
      this.#token = this.#source(this.#corpId, token);
      return request(await this.#token);
    }
  }
}
