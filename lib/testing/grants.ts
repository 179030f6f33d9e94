import { randomBytes } from 'node:crypto';

/** What a user authorized: carried from the authCode to the tokens minted from it. */
export interface Grant {
  clientId: string;
  unionId: string;
  scopes: readonly string[];
  /** The organization picked; only when the scope contained `corpid`. */
  corpId: string | undefined;
}

/** A token exchange's answer before it is serialised. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expireIn: number;
}

interface Stored {
  grant: Grant;
  expiresAt: number;
}

/** The settings the store expires things by. */
export interface GrantStoreSettings {
  now: () => number;
  authCodeTTLSeconds: number;
  accessTokenTTLSeconds: number;
}

// DingTalk documents 30 days for refresh tokens; the emulator has no option for it.
const refreshTokenTTLSeconds = 30 * 24 * 60 * 60;

/**
 * The emulator's bookkeeping of authCodes, access tokens and refresh tokens. Codes and refresh
 * tokens are single-use: looking one up removes it, whatever the outcome, so a code presented by
 * the wrong app or too late cannot be tried again.
 */
export class GrantStore {
  readonly #settings: GrantStoreSettings;
  readonly #codes = new Map<string, Stored>();
  readonly #accessTokens = new Map<string, Stored>();
  readonly #refreshTokens = new Map<string, Stored>();
  /** The access token each user holds, by app, user, scopes and organization. */
  readonly #accessTokenOf = new Map<string, string>();

  constructor(settings: GrantStoreSettings) {
    this.#settings = settings;
  }

  /** Mints an authCode for a grant. */
  issueCode(grant: Grant): string {
    const code = randomToken();
    this.#codes.set(code, { grant, expiresAt: this.#expiry(this.#settings.authCodeTTLSeconds) });
    return code;
  }

  /** The grant behind a code issued to `clientId`, once; undefined when unknown, used, expired or another app's. */
  redeemCode(code: string, clientId: string): Grant | undefined {
    return this.#take(this.#codes, code, clientId);
  }

  /** The grant behind a refresh token issued to `clientId`, once (rotation); undefined otherwise. */
  redeemRefreshToken(refreshToken: string, clientId: string): Grant | undefined {
    return this.#take(this.#refreshTokens, refreshToken, clientId);
  }

  /**
   * An access token and a refresh token for a grant. While the same user of the same app holds a
   * live access token, DingTalk answers that same token again with its lifetime renewed
   * ("有效期内重复获取会返回相同结果并自动续期"), and so does the emulator.
   */
  issueTokens(grant: Grant, reuseLiveToken = false): IssuedTokens {
    const expireIn = this.#settings.accessTokenTTLSeconds;
    // The same user, app, scopes and organization: another organization is another token.
    const holder = JSON.stringify([grant.clientId, grant.unionId, grant.scopes, grant.corpId ?? null]);
    const held = this.#accessTokenOf.get(holder);
    // Only for a login (an authCode): what a refresh answers while the token lives is not published.
    const live = reuseLiveToken && held !== undefined && this.findAccessToken(held) !== undefined;
    const accessToken = live ? held : randomToken();
    this.#accessTokenOf.set(holder, accessToken);
    const refreshToken = randomToken();
    this.#accessTokens.set(accessToken, { grant, expiresAt: this.#expiry(expireIn) });
    this.#refreshTokens.set(refreshToken, { grant, expiresAt: this.#expiry(refreshTokenTTLSeconds) });
    return { accessToken, refreshToken, expireIn };
  }

  /** The grant behind a live access token; undefined when unknown or expired. */
  findAccessToken(accessToken: string): Grant | undefined {
    const stored = this.#accessTokens.get(accessToken);
    if (!stored) return undefined;
    if (this.#settings.now() >= stored.expiresAt) {
      this.#accessTokens.delete(accessToken);
      return undefined;
    }
    return stored.grant;
  }

  #take(map: Map<string, Stored>, key: string, clientId: string): Grant | undefined {
    const stored = map.get(key);
    if (!stored) return undefined;
    map.delete(key);
    if (this.#settings.now() >= stored.expiresAt || stored.grant.clientId !== clientId) return undefined;
    return stored.grant;
  }

  #expiry(seconds: number): number {
    return this.#settings.now() + seconds * 1000;
  }
}

/** 32 hex characters, the look of DingTalk's codes and tokens. */
function randomToken(): string {
  return randomBytes(16).toString('hex');
}
