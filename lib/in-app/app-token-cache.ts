/** An app access token and when it stops being used. */
export interface AppToken {
  accessToken: string;
  /** Lifetime in seconds, as DingTalk answered (`expireIn`). */
  expireIn: number;
}

// DingTalk asks apps to cache the token and to renew it before it expires ("建议…过期前10分钟"
// 刷新, server API calling guide). A short-lived token is renewed once half its life is gone.
const renewBeforeMs = 10 * 60 * 1000;

/**
 * The app's own access token, shared by every login of one strategy: fetched once, reused until
 * shortly before it expires, and fetched by one request however many logins wait for it (single
 * flight). DingTalk throttles apps that ask for it often.
 */
export class AppTokenCache {
  readonly #fetchToken: () => Promise<AppToken>;
  readonly #now: () => number;
  #current: { accessToken: string; renewAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(fetchToken: () => Promise<AppToken>, now: () => number = Date.now) {
    this.#fetchToken = fetchToken;
    this.#now = now;
  }

  /** The cached token, or the one being fetched, or a new one. */
  get(): Promise<string> {
    const current = this.#current;
    if (current && this.#now() < current.renewAt) return Promise.resolve(current.accessToken);
    if (this.#pending) return this.#pending;
    const pending = this.#fetch();
    this.#pending = pending;
    // A failure is not cached: once this request ends, the next login asks again.
    const settled = () => {
      if (this.#pending === pending) this.#pending = undefined;
    };
    pending.then(settled, settled);
    return pending;
  }

  /**
   * Forgets `token` because DingTalk refused it (40014, 42001). A token fetched since by another
   * login is kept: only the refused one goes.
   */
  forget(token: string): void {
    if (this.#current?.accessToken === token) this.#current = undefined;
  }

  async #fetch(): Promise<string> {
    const { accessToken, expireIn } = await this.#fetchToken();
    const lifetimeMs = expireIn * 1000;
    this.#current = { accessToken, renewAt: this.#now() + Math.max(lifetimeMs - renewBeforeMs, lifetimeMs / 2) };
    return accessToken;
  }
}
