import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { StateStoreMeta, StateStoreStoreCallback, StateStoreVerifyCallback } from '../options';
import { type CookieAttributes, readCookie, responseCookies, serializeCookie, sessionCarrier } from './cookies';
import { SpentStates } from './spent-states';

/** Options of {@link SignedCookieStateStore}. */
export interface SignedCookieStateStoreOptions {
  /**
   * The HMAC key, at least 32 bytes; or a list when rotating keys: the first signs, all verify.
   * Every app instance that may receive the callback needs the same secret(s).
   */
  secret: string | readonly string[];
  /** Prefix of the cookie names. Default `dingtalk_state`. */
  cookieName?: string;
  /** How long a login may take, in seconds. Default 600. */
  maxAgeSeconds?: number;
  /** `Secure` cookies; by default when the callback URL is https. */
  secure?: boolean;
  /**
   * Default true: the cookie has `Path=/`, and on https its name starts with `__Host-`, which
   * browsers accept only from this very host (a sibling subdomain cannot plant or overwrite it).
   * False: the cookie lives on the callback path only, so no other request carries it, but
   * without that guarantee.
   */
  hostOnly?: boolean;
  /** How many used states the replay guard remembers at most (default 10,000). */
  maxRememberedStates?: number;
}

/** What the signed cookie carries. */
interface Payload {
  /** The state sent to DingTalk. */
  s: string;
  /** Expiry, in ms since the epoch. */
  e: number;
  /** The app's per-request `state` object, handed back on success as `info.state`. */
  d?: unknown;
}

const minimumSecretBytes = 32;
// Browsers keep a cookie of up to 4096 bytes, name, value and attributes together (RFC 6265, 6.1).
const maxCookieBytes = 4096;

const failures = {
  missing:
    'Unable to verify authorization request state: the login cookie is missing (expired, blocked, or another browser).',
  invalid: 'Invalid authorization request state.',
  expired: 'The login took too long: its state has expired. Please log in again.',
  replayed: 'This login state has already been used.',
} as const;

/**
 * A passport-oauth2 state store that needs no session: the state, its expiry and the per-request
 * `state` object travel in an HMAC-signed, HttpOnly, SameSite=Lax cookie scoped to the callback
 * path. Any app instance sharing the secret can verify the callback, so it suits JWT APIs and
 * apps behind a load balancer. Each login has its own cookie, so logins in several tabs work.
 *
 * ```ts
 * new Strategy({ ...options, store: new SignedCookieStateStore({ secret: process.env.STATE_SECRET }) }, verify)
 * ```
 */
export class SignedCookieStateStore {
  readonly #secrets: readonly Buffer[];
  readonly #cookieName: string;
  readonly #maxAgeSeconds: number;
  readonly #secure: boolean | undefined;
  readonly #hostOnly: boolean;
  readonly #spent: SpentStates;
  /** What verify() let through, per request, until the strategy says DingTalk accepted the code. */
  readonly #verified = new WeakMap<object, { state: string; expiresAt: number }>();

  /** Throws a `TypeError` when no secret is given or one is shorter than 32 bytes. */
  constructor(options: SignedCookieStateStoreOptions) {
    const secrets = typeof options?.secret === 'string' ? [options.secret] : options?.secret;
    if (!Array.isArray(secrets) || secrets.length === 0) {
      throw new TypeError('SignedCookieStateStore: the "secret" option is required (a string of at least 32 bytes)');
    }
    for (const secret of secrets) {
      if (typeof secret !== 'string' || Buffer.byteLength(secret) < minimumSecretBytes) {
        throw new TypeError(
          `SignedCookieStateStore: each secret must be a string of at least ${minimumSecretBytes} bytes`,
        );
      }
    }
    this.#secrets = secrets.map((secret) => Buffer.from(secret));
    this.#cookieName = options.cookieName ?? 'dingtalk_state';
    if (!/^[A-Za-z0-9_-]+$/.test(this.#cookieName)) {
      throw new TypeError('SignedCookieStateStore: "cookieName" may contain only letters, digits, _ and -');
    }
    this.#maxAgeSeconds = options.maxAgeSeconds ?? 600;
    if (!Number.isInteger(this.#maxAgeSeconds) || this.#maxAgeSeconds <= 0) {
      throw new TypeError('SignedCookieStateStore: "maxAgeSeconds" must be a positive whole number');
    }
    this.#secure = options.secure;
    this.#hostOnly = options.hostOnly ?? true;
    const remembered = options.maxRememberedStates ?? 10_000;
    if (!Number.isInteger(remembered) || remembered <= 0) {
      throw new TypeError('SignedCookieStateStore: "maxRememberedStates" must be a positive whole number');
    }
    this.#spent = new SpentStates(remembered);
  }

  /** Called by passport-oauth2 when a login starts: sets the cookie and gives the state. */
  store(req: Request, appState: unknown, meta: StateStoreMeta, callback: StateStoreStoreCallback): void {
    const cookies = responseCookies(req);
    const session = cookies ? undefined : sessionCarrier(req);
    if (!cookies && !session) {
      callback(new Error(`SignedCookieStateStore cannot set its cookie on this request: ${supportedFrameworks}`));
      return;
    }
    const state = randomBytes(24).toString('base64url');
    const payload: Payload = { s: state, e: Date.now() + this.#maxAgeSeconds * 1000 };
    if (appState !== undefined && appState !== null && typeof appState === 'object') payload.d = appState;
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const value = `${encoded}.${this.#sign(encoded, this.#secrets[0] as Buffer)}`;
    const scope = this.#scope(meta);
    const cookie = serializeCookie(this.#cookieNameFor(state, scope), value, {
      ...scope,
      maxAgeSeconds: this.#maxAgeSeconds,
    });
    // A browser drops a larger cookie without a word, and the login would fail on the way back.
    const bytes = Buffer.byteLength(cookie);
    if (bytes > maxCookieBytes) {
      callback(
        new Error(
          `SignedCookieStateStore: the login's state object makes its cookie ${bytes} bytes, over the ${maxCookieBytes} bytes browsers keep; pass a smaller state (a return path or an id)`,
        ),
      );
      return;
    }
    if (cookies) cookies.append(cookie);
    else session?.set(this.#cookieNameFor(state, scope), value);
    callback(null, state);
  }

  /** Called by passport-oauth2 on the callback: checks the cookie against the returned state. */
  verify(req: Request, providedState: string, meta: StateStoreMeta, callback: StateStoreVerifyCallback): void {
    if (typeof providedState !== 'string' || providedState.length === 0) {
      callback(null, false, { message: failures.missing });
      return;
    }
    const scope = this.#scope(meta);
    const name = this.#cookieNameFor(providedState, scope);
    // The value has done its job whatever the outcome: the browser (or the session) drops it.
    const cookies = responseCookies(req);
    const session = cookies ? undefined : sessionCarrier(req);
    let cookie: string | undefined;
    if (session) {
      const kept = session.get(name);
      cookie = typeof kept === 'string' ? kept : undefined;
      if (kept !== undefined) session.set(name, undefined);
    } else {
      cookie = readCookie((req as { headers?: { cookie?: string | string[] } }).headers?.cookie, name);
      if (cookies && !cookies.headersSent()) cookies.append(serializeCookie(name, '', { ...scope, maxAgeSeconds: 0 }));
    }
    const payload = cookie === undefined ? undefined : this.#readSigned(cookie);
    const failure = this.#refusal(cookie, payload, providedState);
    if (failure) {
      callback(null, false, { message: failure });
      return;
    }
    if (typeof req === 'object' && req !== null) {
      this.#verified.set(req, { state: providedState, expiresAt: (payload as Payload).e });
    }
    callback(null, true, payload?.d);
  }

  /**
   * Called by the strategy once DingTalk has accepted the code that came with `state`: from now
   * on the state is refused on this instance. Only then: states spent with codes DingTalk refused
   * (anyone can mint states and send made-up codes) never take the guard's memory.
   */
  spent(req: Request, state: string): void {
    const verified = typeof req === 'object' && req !== null ? this.#verified.get(req) : undefined;
    if (!verified || verified.state !== state) return;
    this.#verified.delete(req);
    this.#spent.add(state, verified.expiresAt, Date.now());
  }

  /** Why the callback must fail, if it must. */
  #refusal(cookie: string | undefined, payload: Payload | undefined, providedState: string): string | undefined {
    if (cookie === undefined) return failures.missing;
    if (!payload || !sameText(payload.s, providedState)) return failures.invalid;
    const now = Date.now();
    if (payload.e <= now) return failures.expired;
    if (this.#spent.has(providedState, now)) return failures.replayed;
    return undefined;
  }

  #readSigned(cookie: string): Payload | undefined {
    const dot = cookie.indexOf('.');
    if (dot <= 0) return undefined;
    const encoded = cookie.slice(0, dot);
    const signature = cookie.slice(dot + 1);
    if (!this.#secrets.some((secret) => sameText(this.#sign(encoded, secret), signature))) return undefined;
    try {
      const payload: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
      if (typeof payload !== 'object' || payload === null) return undefined;
      const { s, e } = payload as Payload;
      return typeof s === 'string' && typeof e === 'number' ? (payload as Payload) : undefined;
    } catch {
      return undefined;
    }
  }

  #sign(encoded: string, secret: Buffer): string {
    return createHmac('sha256', secret).update(encoded).digest('base64url');
  }

  // One cookie per login, named after its state, so that two tabs logging in at once both work.
  // A plain hash, not the HMAC: the name must not change when the signing secret is rotated.
  // With `__Host-` when the browser allows it: Path=/ and Secure.
  #cookieNameFor(state: string, scope: Omit<CookieAttributes, 'maxAgeSeconds'>): string {
    const prefix = scope.path === '/' && scope.secure && this.#hostOnly ? '__Host-' : '';
    return `${prefix}${this.#cookieName}_${createHash('sha256').update(state).digest('base64url').slice(0, 16)}`;
  }

  /**
   * Path=/ (or the callback path with `hostOnly: false`), and Secure when the callback is https.
   * Both legs get the same `meta.callbackURL` from the strategy, so the cookie cleared on the
   * callback is the one set when the login started.
   */
  #scope(meta: StateStoreMeta): Omit<CookieAttributes, 'maxAgeSeconds'> {
    const callbackURL = new URL(meta.callbackURL ?? '/', 'http://relative.invalid');
    const secure = this.#secure ?? callbackURL.protocol === 'https:';
    return { path: this.#hostOnly ? '/' : callbackURL.pathname, secure };
  }
}

const supportedFrameworks =
  'it writes through req.res (Express, NestJS on Express, node:http), ctx (koa-passport), or the session of a Fastify request (@fastify/secure-session)';

/** Constant-time comparison of two strings of any length. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
