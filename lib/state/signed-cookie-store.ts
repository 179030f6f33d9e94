import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { StateStoreMeta, StateStoreStoreCallback, StateStoreVerifyCallback } from '../passport/state-store';
import {
  type CookieAttributes,
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
// Logins under way at once in one browser (tabs): each takes one of this many cookie names in
// turn, so that abandoned logins cannot pile up into a Cookie header servers refuse.
const slotCount = 3;

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
 * suits JWT APIs and apps behind a load balancer. Each login takes one of three cookies in turn,
 * so logins in up to three tabs at once work.
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
  /** The names of this store's login session keys, today's and those named after the state. */
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
    this.#loginName = new RegExp(`^(?:__Host-)?${this.#cookieName}_(?:\\d|[A-Za-z0-9_-]{16})$`);
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
    if (session) this.#dropExpiredSessionLogins(session);
    const slot = cookies ? this.#counterSlot(req, scope) : this.#oldestSessionSlot(session as SessionCarrier, scope);
    const name = this.#slotName(slot, scope);
    const cookie = serializeCookie(name, value, { ...scope, maxAgeSeconds: this.#maxAgeSeconds });
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
    if (cookies) {
      cookies.append(cookie);
      const counter = { path: '/', secure: scope.secure, maxAgeSeconds: this.#maxAgeSeconds };
      cookies.append(serializeCookie(this.#counterName(scope), String((slot + 1) % slotCount), counter));
    } else session?.set(name, value);
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
    const payload = taken?.value === undefined ? undefined : this.#readSigned(taken.value);
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
   * Finds this login's signed value among the slots (by the state it carries, signature checked)
   * and clears it, wherever the framework keeps it; `value` is undefined when the slots hold only
   * other logins' values, and nothing is returned when there is none at all.
   */
  #takeCookie(
    req: Request,
    state: string,
    facts: CallbackFacts,
  ): { value: string | undefined; legacy: boolean } | undefined {
    const { scope } = facts;
    const slotNames = Array.from({ length: slotCount }, (_, slot) => this.#slotName(slot, scope));
    const cookies = responseCookies(req);
    const session = cookies ? undefined : sessionCarrier(req);
    if (session) {
      const kept = slotNames
        .map((name): [string, unknown] => [name, session.get(name)])
        .filter((entry): entry is [string, string] => typeof entry[1] === 'string');
      const found = kept.find(([, value]) => this.#carries(value, state));
      // A login started before the slots: its value is named after its state.
      const name = found?.[0] ?? this.#stateName(state, scope);
      const value = found?.[1] ?? session.get(name);
      if (typeof value !== 'string') return kept.length > 0 ? { value: undefined, legacy: false } : undefined;
      session.set(name, undefined);
      return { value, legacy: false };
    }
    const header = requestCookieHeader(req);
    const clear = (cookieName: string, cookieScope: Scope) => {
      if (cookies && !cookies.headersSent()) {
        cookies.append(serializeCookie(cookieName, '', { ...cookieScope, maxAgeSeconds: 0 }));
      }
    };
    // Every value under a slot's name: a cookie of the same name on another path may come too.
    const sent = readCookies(header).filter(([name]) => slotNames.includes(name));
    const found = sent.find(([, value]) => this.#carries(value, state));
    if (found) {
      clear(found[0], scope);
      return { value: found[1], legacy: false };
    }
    // A login started before the slots: its cookie is named after its state.
    const name = this.#stateName(state, scope);
    const value = readCookie(header, name);
    if (value !== undefined) {
      clear(name, scope);
      return { value, legacy: false };
    }
    // A login started before the upgrade to `__Host-` cookies: its cookie has no prefix and lives
    // on the callback path (kept for logins under way during a deploy).
    const legacy: Scope = { path: facts.callbackPath, secure: scope.secure };
    const legacyName = this.#stateName(state, { path: legacy.path, secure: false });
    const legacyValue = readCookie(header, legacyName);
    if (legacyValue === undefined || legacyName === name) {
      return sent.length > 0 ? { value: undefined, legacy: false } : undefined;
    }
    clear(legacyName, legacy);
    return { value: legacyValue, legacy: true };
  }

  /** Whether a slot's value is this login's: signed with a known secret, and carrying its state. */
  #carries(value: string, state: string): boolean {
    const payload = this.#readSigned(value);
    return payload !== undefined && sameText(payload.s, state);
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
   * The slot a login takes with cookies: the next after the last login's, which the login route
   * learns from a small counter cookie on Path=/ (the slots may live on the callback path, which
   * it never sees). Three logins in a row take three different slots; the counter is no secret
   * and unsigned: a wrong one can only make a login take the place of another.
   */
  #counterSlot(req: Request, scope: Scope): number {
    const counter = readCookie(requestCookieHeader(req), this.#counterName(scope));
    return counter !== undefined && /^\d$/.test(counter) && Number(counter) < slotCount ? Number(counter) : 0;
  }

  /** In a session, which holds every slot: an empty slot, or else the oldest login's. */
  #oldestSessionSlot(session: SessionCarrier, scope: Scope): number {
    const expiries = Array.from({ length: slotCount }, (_, slot) => {
      const value = session.get(this.#slotName(slot, scope));
      return typeof value === 'string' ? this.#unverifiedExpiry(value) : Number.NEGATIVE_INFINITY;
    });
    return expiries.indexOf(Math.min(...expiries));
  }

  /** Removes this store's expired login values from a session; nothing else. */
  #dropExpiredSessionLogins(session: SessionCarrier): void {
    const now = Date.now();
    for (const [name, value] of session.entries()) {
      if (typeof value === 'string' && this.#loginName.test(name) && this.#unverifiedExpiry(value) <= now) {
        session.set(name, undefined);
      }
    }
  }

  /** The expiry a value claims, to pick a session's oldest; nothing is trusted from it. */
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

  // A few fixed names, not one per login: the login route cannot clear cookies on the callback
  // path, so only a bounded set of names keeps abandoned logins from piling up there.
  #slotName(slot: number, scope: Scope): string {
    return `${this.#prefix(scope)}${this.#cookieName}_${slot}`;
  }

  /** The counter's name: `__Host-` with the slots', though it always lives on Path=/. */
  #counterName(scope: Scope): string {
    return `${this.#prefix(scope)}${this.#cookieName}_next`;
  }

  /**
   * The name of a cookie set before the slots, one per login, after a plain hash of its state (so
   * that it did not change with the secret): still read, for logins under way during a deploy.
   */
  #stateName(state: string, scope: Scope): string {
    return `${this.#prefix(scope)}${this.#cookieName}_${createHash('sha256').update(state).digest('base64url').slice(0, 16)}`;
  }

  /** `__Host-` when the browser allows it: Path=/ and Secure. */
  #prefix(scope: Scope): string {
    return scope.path === '/' && scope.secure && this.#hostOnly ? '__Host-' : '';
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
