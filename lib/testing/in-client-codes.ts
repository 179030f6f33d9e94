import { randomBytes } from 'node:crypto';

/** Whom an in-client code (免登码) identifies, and for which app and organization it was requested. */
export interface InClientCode {
  clientId: string;
  corpId: string;
  unionId: string;
}

/** The settings in-client codes expire by. */
export interface InClientCodeSettings {
  now: () => number;
  authCodeTTLSeconds: number;
}

/**
 * The codes `dd.requestAuthCode` hands out: "有效期5分钟，且只能使用一次，使用后会失效" (shared
 * reference §1a, §1b). They live apart from the OAuth authCodes, so neither kind is ever accepted
 * where the other belongs (§3e). Looking a code up removes it, whatever the outcome, as the
 * OAuth codes are.
 */
export class InClientCodeStore {
  readonly #settings: InClientCodeSettings;
  readonly #codes = new Map<string, InClientCode & { expiresAt: number }>();

  constructor(settings: InClientCodeSettings) {
    this.#settings = settings;
  }

  issue(code: InClientCode): string {
    const value = randomBytes(16).toString('hex');
    this.#codes.set(value, { ...code, expiresAt: this.#settings.now() + this.#settings.authCodeTTLSeconds * 1000 });
    return value;
  }

  /** The code's binding, once; undefined when unknown, used or expired. */
  redeem(value: string): InClientCode | undefined {
    const stored = this.#codes.get(value);
    if (!stored) return undefined;
    this.#codes.delete(value);
    if (this.#settings.now() >= stored.expiresAt) return undefined;
    return { clientId: stored.clientId, corpId: stored.corpId, unionId: stored.unionId };
  }
}
