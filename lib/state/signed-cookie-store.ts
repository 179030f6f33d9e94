import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { StateStoreMeta, StateStoreStoreCallback, StateStoreVerifyCallback } from '../passport/state-store';
import {
  type CookieAttributes,
  type ResponseCookies,
  readCookie,
  readCookies,
  responseCookies,
  type SessionCarrier,
  serializeCookie,
  sessionCarrier,
} from './cookies';
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
   * Default true: a Secure cookie (an https callback) has `Path=/` and a name starting with
   * `__Host-`, which browsers accept only from this very host, so a sibling subdomain cannot plant
   * or overwrite it. False, or a cookie that is not Secure: the cookie lives on the callback path
   * only, so no other request carries it, without that guarantee.
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
  /** Which app and callback it was made for (a hash), so that it is refused at any other. */
  b?: string;
  /** The app's per-request `state` object, handed back on success as `info.state`. */
  d?: unknown;
}

type Scope = Omit<CookieAttributes, 'maxAgeSeconds'>;

/** What a login's callback URL decides, read once per call: where its cookie lives, and its binding. */
interface CallbackFacts {
  scope: Scope;
  callbackPath: string;
  binding: string;
}

const minimumSecretBytes = 32;
// Browsers keep a cookie of up to 4096 bytes, name, value and attributes together (RFC 6265, 6.1).
const maxCookieBytes = 4096;
// Logins under way at once in one browser (tabs) whose cookies are kept; older ones are cleared,
// or on the callback path overwritten, so that abandoned logins cannot pile up into a Cookie
// header servers refuse.
const maxCookiesPerBrowser = 3;
// Values of one slot name whose signature a callback checks. Browsers send the cookies of the
// longest path, the callback's own, first: this host's, and perhaps one a sibling subdomain set
// for the parent domain. Any more are forged, and must not cost an HMAC each.
const maxValuesPerSlot = 2;

const failures = {
  missing:
    'Unable to verify authorization request state: the login cookie is missing (expired, blocked, or another browser).',
  invalid: 'Invalid authorization request state.',
  expired: 'The login took too long: its state has expired. Please log in again.',
  replayed: 'This login state has already been used.',
} as const;

/**
 * A passport-oauth2 state store that needs no session: the state, its expiry and the per-request
 * `state` object travel in an HMAC-signed, HttpOnly, SameSite=Lax cookie (on Fastify, in the
 * request's encrypted session). Any app instance sharing the secret can verify the callback, so it
 * suits JWT APIs and apps behind a load balancer. Each login has its own cookie (on the callback
 * path, one of three in turn), so logins in several tabs work.
 *
 * A state is used up when its callback is verified, and remembered until its cookie would expire,
 * so a replay on the same instance is refused (elsewhere DingTalk refuses the used code). When
 * DingTalk refuses the code itself, the strategy tells the store (`codeRefused`), which forgets
 * the state: made-up codes cannot fill its memory.
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
  /** The names of this store's login cookies (and session keys). */
  readonly #loginName: RegExp;
  readonly #used: SpentStates;
  /** The state each request's verify() let through, so that codeRefused() lets go of exactly it. */
  readonly #letThrough = new WeakMap<object, string>();

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
    this.#loginName = new RegExp(`^(?:__Host-)?${this.#cookieName}_[A-Za-z0-9_-]{16}$`);
    const remembered = options.maxRememberedStates ?? 10_000;
    if (!Number.isInteger(remembered) || remembered <= 0) {
      throw new TypeError('SignedCookieStateStore: "maxRememberedStates" must be a positive whole number');
    }
    this.#used = new SpentStates(remembered);
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
    const { scope, binding } = this.#callbackFacts(meta);
    const payload: Payload = { s: state, e: Date.now() + this.#maxAgeSeconds * 1000, b: binding };
    if (appState !== undefined && appState !== null && typeof appState === 'object') payload.d = appState;
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const value = `${encoded}.${this.#sign(encoded, this.#secrets[0] as Buffer)}`;
    // The login route sees the cookies on Path=/ (and the session) and clears all but the newest
    // logins'; it never sees the callback path, where the names themselves must be few: slots.
    const slot = cookies && scope.path !== '/' ? this.#counterSlot(req) : undefined;
    const name = slot === undefined ? this.#stateName(state, scope) : this.#slotName(slot);
    const cookie = serializeCookie(name, value, { ...scope, maxAgeSeconds: this.#maxAgeSeconds });
    // Older logins' values first: abandoned logins must not pile up into a cookie browsers drop.
    if (cookies) this.#clearOldLogins(readCookies(requestCookieHeader(req)), cookies, scope);
    else if (session) this.#clearOldSessionLogins(session);
    // A browser drops a larger cookie without a word, and the login would fail on the way back. In
    // a session (Fastify), the whole session is encrypted and base64-encoded, with a nonce and a tag.
    const bytes = cookies ? Buffer.byteLength(cookie) : sessionCookieBytes(session as SessionCarrier, name, value);
    if (bytes > maxCookieBytes) {
      callback(
        new Error(
          `SignedCookieStateStore: the login's state object makes its cookie ${bytes} bytes, over the ${maxCookieBytes} bytes browsers keep; pass a smaller state (a return path or an id)`,
        ),
      );
      return;
    }
    if (cookies) cookies.append(cookie);
    else session?.set(name, value);
    if (cookies && slot !== undefined) {
      const counter = { path: '/', secure: scope.secure, maxAgeSeconds: this.#maxAgeSeconds };
      cookies.append(serializeCookie(this.#counterName(), String((slot + 1) % maxCookiesPerBrowser), counter));
    }
    callback(null, state);
  }

  /** Called by passport-oauth2 on the callback: checks the cookie against the returned state. */
  verify(req: Request, providedState: string, meta: StateStoreMeta, callback: StateStoreVerifyCallback): void {
    if (typeof providedState !== 'string' || providedState.length === 0) {
      callback(null, false, { message: failures.missing });
      return;
    }
    const facts = this.#callbackFacts(meta);
    const taken = this.#takeCookie(req, providedState, facts);
    const payload = taken?.payload;
    // An unprefixed cookie stands for a login started before the `__Host-` names, whose payload
    // has no binding: a new payload under that name was planted (a sibling subdomain can).
    const planted = taken?.legacy === true && payload?.b !== undefined;
    const failure = planted
      ? failures.invalid
      : this.#refusal(taken === undefined, payload, providedState, facts.binding);
    if (failure) {
      callback(null, false, { message: failure });
      return;
    }
    // Used up now, before DingTalk is asked: a second callback with this state, at the same time
    // or later, is refused, even if the strategy never reports back.
    this.#used.add(providedState, (payload as Payload).e, Date.now());
    if (typeof req === 'object' && req !== null) this.#letThrough.set(req, providedState);
    callback(null, true, payload?.d);
  }

  /**
   * Called by the strategy when DingTalk refused the code that came with `state` (made up,
   * expired or used): the state was never used for a login, and leaves the replay guard's memory,
   * so that anyone sending made-up codes cannot fill it.
   */
  codeRefused(req: Request, state: string): void {
    if (typeof req !== 'object' || req === null || this.#letThrough.get(req) !== state) return;
    this.#letThrough.delete(req);
    this.#used.delete(state);
  }

  /**
   * Finds this login's signed value (by its name, or on the callback path among the slots by the
   * state it carries), clears it wherever the framework keeps it, and reads it; `payload` is
   * undefined when the value is not validly signed or the slots hold only other logins' values,
   * and nothing is returned when there is none at all.
   */
  #takeCookie(
    req: Request,
    state: string,
    facts: CallbackFacts,
  ): { payload: Payload | undefined; legacy: boolean } | undefined {
    const { scope } = facts;
    const name = this.#stateName(state, scope);
    const cookies = responseCookies(req);
    const session = cookies ? undefined : sessionCarrier(req);
    if (session) {
      const kept = session.get(name);
      if (kept !== undefined) session.set(name, undefined);
      return typeof kept === 'string' ? { payload: this.#readSigned(kept), legacy: false } : undefined;
    }
    const sentCookies = readCookies(requestCookieHeader(req));
    const read = (cookieName: string) => sentCookies.find(([sentName]) => sentName === cookieName)?.[1];
    const clear = (cookieName: string, cookieScope: Scope) => {
      if (cookies && !cookies.headersSent()) {
        cookies.append(serializeCookie(cookieName, '', { ...cookieScope, maxAgeSeconds: 0 }));
      }
    };
    // On the callback path, the slot whose value carries this state; a few values checked at most.
    const slotNames =
      scope.path === '/' ? [] : Array.from({ length: maxCookiesPerBrowser }, (_, slot) => this.#slotName(slot));
    const sent = slotNames.flatMap((slotName) =>
      sentCookies.filter(([sentName]) => sentName === slotName).slice(0, maxValuesPerSlot),
    );
    for (const [slotName, slotValue] of sent) {
      const payload = this.#readSigned(slotValue);
      if (payload && sameText(payload.s, state)) {
        clear(slotName, scope);
        return { payload, legacy: false };
      }
    }
    // Named after its state: on Path=/, or a login started before the slots.
    const value = read(name);
    if (value !== undefined) {
      clear(name, scope);
      return { payload: this.#readSigned(value), legacy: false };
    }
    // A login started before the upgrade to `__Host-` cookies: its cookie has no prefix and lives
    // on the callback path (kept for logins under way during a deploy).
    const legacy: Scope = { path: facts.callbackPath, secure: scope.secure };
    const legacyName = this.#stateName(state, { path: legacy.path, secure: false });
    const legacyValue = read(legacyName);
    if (legacyValue === undefined || legacyName === name) {
      return sent.length > 0 ? { payload: undefined, legacy: false } : undefined;
    }
    clear(legacyName, legacy);
    return { payload: this.#readSigned(legacyValue), legacy: true };
  }

  /** Why the callback must fail, if it must. */
  #refusal(missing: boolean, payload: Payload | undefined, providedState: string, binding: string): string | undefined {
    if (missing) return failures.missing;
    if (!payload || !sameText(payload.s, providedState)) return failures.invalid;
    // Made for another app or callback on this host (a cookie from before bindings has none).
    if (payload.b !== undefined && payload.b !== binding) return failures.invalid;
    const now = Date.now();
    if (payload.e <= now) return failures.expired;
    if (this.#used.has(providedState, now)) return failures.replayed;
    return undefined;
  }

  /**
   * The slot a login on the callback path takes: the next after the last login's, which the login
   * route learns from a small counter cookie on Path=/ (it never sees the callback path). The
   * counter is no secret and unsigned: a wrong one can only make a login take the place of another.
   */
  #counterSlot(req: Request): number {
    const counter = readCookie(requestCookieHeader(req), this.#counterName());
    return counter !== undefined && /^\d$/.test(counter) && Number(counter) < maxCookiesPerBrowser
      ? Number(counter)
      : 0;
  }

  /** Clears this store's cookies of older logins in the same browser, beyond the newest few. */
  #clearOldLogins(sent: [string, string][], cookies: ResponseCookies, scope: Scope): void {
    for (const name of this.#beyondNewest(sent)) {
      const cookieScope = name.startsWith('__Host-') ? { path: '/', secure: true } : scope;
      cookies.append(serializeCookie(name, '', { ...cookieScope, maxAgeSeconds: 0 }));
    }
  }

  /** The same in a session: older logins' values, and expired ones, are removed; nothing else. */
  #clearOldSessionLogins(session: SessionCarrier): void {
    const values = session
      .entries()
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && this.#isLoginName(entry[0]));
    const now = Date.now();
    const expired = values.filter(([, value]) => this.#unverifiedExpiry(value) <= now).map(([name]) => name);
    for (const name of new Set([...expired, ...this.#beyondNewest(values)])) session.set(name, undefined);
  }

  #isLoginName(name: string): boolean {
    return this.#loginName.test(name);
  }

  /**
   * Of this store's login values, the names of all but the newest few: by their claimed expiry,
   * and of equal ones (the same millisecond) the later sent, as browsers send older cookies first.
   */
  #beyondNewest(values: [string, string][]): string[] {
    return values
      .filter(([name]) => this.#isLoginName(name))
      .reverse()
      .map(([name, value]) => ({ name, expiresAt: this.#unverifiedExpiry(value) }))
      .sort((a, b) => b.expiresAt - a.expiresAt)
      .slice(maxCookiesPerBrowser - 1)
      .map(({ name }) => name);
  }

  /** The expiry a cookie claims, to order a browser's cookies; nothing is trusted from it. */
  #unverifiedExpiry(cookie: string): number {
    try {
      const payload: unknown = JSON.parse(Buffer.from(cookie.slice(0, cookie.indexOf('.')), 'base64url').toString());
      const expiresAt = (payload as { e?: unknown } | null)?.e;
      return typeof expiresAt === 'number' ? expiresAt : 0;
    } catch {
      return 0;
    }
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
      const { s, e, b } = payload as Payload;
      if (b !== undefined && typeof b !== 'string') return undefined;
      return typeof s === 'string' && typeof e === 'number' ? (payload as Payload) : undefined;
    } catch {
      return undefined;
    }
  }

  #sign(encoded: string, secret: Buffer): string {
    return createHmac('sha256', secret).update(encoded).digest('base64url');
  }

  // Three fixed names on the callback path, which the login route cannot clear (no prefix there).
  #slotName(slot: number): string {
    return `${this.#cookieName}_${slot}`;
  }

  #counterName(): string {
    return `${this.#cookieName}_next`;
  }

  // Elsewhere one cookie per login, named after its state, so that two tabs logging in at once both
  // work. A plain hash, not the HMAC: the name must not change when the signing secret is rotated.
  // With `__Host-` when the browser allows it: Path=/ and Secure.
  #stateName(state: string, scope: Scope): string {
    const prefix = scope.path === '/' && scope.secure && this.#hostOnly ? '__Host-' : '';
    return `${prefix}${this.#cookieName}_${createHash('sha256').update(state).digest('base64url').slice(0, 16)}`;
  }

  /**
   * A Secure cookie has Path=/ (and the `__Host-` name); one that is not Secure, or with
   * `hostOnly: false`, lives on the callback path. Both legs get the same `meta.callbackURL` from
   * the strategy, so the cookie cleared on the callback is the one set when the login started.
   * The binding is a short hash of the app and its callback path, signed into the cookie.
   */
  #callbackFacts(meta: StateStoreMeta): CallbackFacts {
    const callbackURL = new URL(meta.callbackURL ?? '/', 'http://relative.invalid');
    const callbackPath = callbackURL.pathname;
    const secure = this.#secure ?? callbackURL.protocol === 'https:';
    const binding = createHash('sha256').update(`${meta.clientID}\n${callbackPath}`).digest('base64url').slice(0, 16);
    return { scope: { path: this.#hostOnly && secure ? '/' : callbackPath, secure }, callbackPath, binding };
  }
}

function requestCookieHeader(req: unknown): string | string[] | undefined {
  return (req as { headers?: { cookie?: string | string[] } } | null)?.headers?.cookie;
}

/** About what the session cookie will weigh with `name` set: JSON, encrypted, base64, attributes. */
function sessionCookieBytes(session: SessionCarrier, name: string, value: string): number {
  const data = Object.fromEntries([...session.entries(), [name, value]]);
  return Math.ceil((Buffer.byteLength(JSON.stringify(data)) * 4) / 3) + 200;
}

const supportedFrameworks =
  'it writes through req.res (Express, NestJS on Express, node:http), ctx (koa-passport), or the session of a Fastify request (@fastify/secure-session)';

/** Constant-time comparison of two strings of any length. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
