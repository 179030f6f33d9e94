import { randomBytes } from 'node:crypto';

/** What a presented app access token turned out to be. */
export type AppTokenCheck = { ok: true; corpId: string } | { ok: false; reason: 'unknown' | 'expired' };

/** The settings app tokens expire by. */
export interface AppTokenSettings {
  now: () => number;
  accessTokenTTLSeconds: number;
}

interface StoredAppToken {
  corpId: string;
  expiresAt: number;
}

/**
 * The app access tokens of in-client login, each for one organization. An expired token is kept,
 * so it can be told apart from one never issued (errcode 42001, not 40014); a revoked one is
 * forgotten.
 */
export class AppTokenStore {
  readonly #settings: AppTokenSettings;
  readonly #tokens = new Map<string, StoredAppToken>();
  /** The token `/v1.0/oauth2/accessToken` last answered, per organization. */
  readonly #answered = new Map<string, string>();

  constructor(settings: AppTokenSettings) {
    this.#settings = settings;
  }

  /** Lifetime of a token in seconds, answered as `expireIn`. */
  get ttlSeconds(): number {
    return this.#settings.accessTokenTTLSeconds;
  }

  /**
   * The token `/v1.0/oauth2/accessToken` answers: DingTalk documents that "有效期内重复获取会返回
   * 相同结果并自动续期，过期后获取会返回新的accessToken" (shared reference §2a), so a live one
   * is answered again with its lifetime renewed.
   */
  tokenFor(corpId: string): string {
    const held = this.#answered.get(corpId);
    const stored = held === undefined ? undefined : this.#tokens.get(held);
    if (held !== undefined && stored && this.#settings.now() < stored.expiresAt) {
      stored.expiresAt = this.#expiry();
      return held;
    }
    const token = this.mint(corpId);
    this.#answered.set(corpId, token);
    return token;
  }

  /**
   * A new token, whatever is live: what a third-party app's per-organization token
   * (corpAccessToken) answers, "有效期内重复获取会返回新的accessToken" (shared reference §2d).
   */
  mint(corpId: string): string {
    const token = randomBytes(16).toString('hex');
    this.#tokens.set(token, { corpId, expiresAt: this.#expiry() });
    return token;
  }

  check(token: string): AppTokenCheck {
    const stored = this.#tokens.get(token);
    if (!stored) return { ok: false, reason: 'unknown' };
    if (this.#settings.now() >= stored.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, corpId: stored.corpId };
  }

  /** Forgets every token issued so far. */
  revokeAll(): void {
    this.#tokens.clear();
    this.#answered.clear();
  }

  #expiry(): number {
    return this.#settings.now() + this.#settings.accessTokenTTLSeconds * 1000;
  }
}
