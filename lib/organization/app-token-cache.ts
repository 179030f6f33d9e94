/** An app access token and when it stops being used. */
export interface AppToken {
  accessToken: string;
  /** Lifetime in seconds, as DingTalk answered (`expireIn`). */
  expireIn: number;
}

// DingTalk asks apps to cache the token and to renew it before it expires ("建议…过期前10分钟"
// 刷新, server API calling guide). A short-lived token is renewed once half its life is gone.
const renewBeforeMs = 10 * 60 * 1000;
// A failed renewal (the 403 QPS limit, a network blip) is not tried again sooner than this while
// the token still works: one request per 5 s at most, however many logins arrive.
const retryRenewalAfterMs = 5 * 1000;

/** Asks DingTalk for a new app token. */
export type FetchAppToken = () => Promise<AppToken>;

/**
 * The app's own access token, shared by every login of every strategy with the same credentials
 * (see app-token-registry.ts): fetched once, reused until shortly before it expires, and fetched
 * by one request however many logins wait for it (single flight). DingTalk throttles apps that
 * ask for it often.
 *
 * The cache holds no way to fetch: each caller brings its own (its strategy's timeout, agent and
 * fetch), and the one whose call starts a request is the one that makes it.
 */
export class AppTokenCache {
  readonly #now: () => number;
  #current: { accessToken: string; renewAt: number; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * The cached token while it is valid, or the one being fetched, or a new one. Past its renewal
   * time, the first login starts the renewal and every login goes on with the cached token: a
   * valid token is not held back by the token endpoint's latency, nor by its failure.
   */
  get(fetchToken: FetchAppToken): Promise<string> {
    const current = this.#current;
    const now = this.#now();
    if (current && now < current.expiresAt) {
      if (now >= current.renewAt && !this.#pending) {
        // No failure is reported: the cached token serves, and the renewal is tried again later.
        this.#start(fetchToken).catch(() => {
          if (this.#current === current) current.renewAt = this.#now() + retryRenewalAfterMs;
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

  #start(fetchToken: FetchAppToken): Promise<string> {
    const pending = this.#fetch(fetchToken);
    this.#pending = pending;
    const settled = () => {
      if (this.#pending === pending) this.#pending = undefined;
    };
    pending.then(settled, settled);
    return pending;
  }

  async #fetch(fetchToken: FetchAppToken): Promise<string> {
    // The token's life is counted from the request: it may have been issued at any time until the answer.
    const askedAt = this.#now();
    const { accessToken, expireIn } = await fetchToken();
    const lifetimeMs = expireIn * 1000;
    this.#current = {
      accessToken,
      renewAt: askedAt + Math.max(lifetimeMs - renewBeforeMs, lifetimeMs / 2),
      expiresAt: askedAt + lifetimeMs,
    };
    return accessToken;
  }
}
