import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { StateStoreMeta, StateStoreStoreCallback, StateStoreVerifyCallback } from '../passport/state-store';
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

/** What the signed cookie carries: the state, its expiry (ms), the binding, the app's `state` object. */
type Payload = { s: string; e: number; b: string; d?: unknown };

/**
 * Where a login's cookies live (from its callback URL, `prefix` is `__Host-` on Path=/), and the
 * `binding`: the hash of the app and callback path.
 */
type Place = { path: string; secure: boolean; binding: string; prefix: string };

/** Where the store keeps its values for one request: Set-Cookie headers, or a Fastify session. */
interface Carrier {
  sent: [string, string][];
  /** Sets a value; with `maxAgeSeconds` 0, removes it. */
  write(name: string, value: string, place: Place, maxAgeSeconds: number): void;
  /** What the cookie (or the encrypted session cookie) would weigh with this value. */
  bytes(name: string, value: string, place: Place, maxAgeSeconds: number): number;
}

const minimumSecretBytes = 32;
// Browsers keep a cookie of up to 4096 bytes, name, value and attributes together (RFC 6265, 6.1).
const maxCookieBytes = 4096;
// Logins under way at once in one browser (tabs) whose cookies are kept; older ones are cleared, so
// that abandoned logins cannot pile up into a Cookie header servers refuse (431).
const maxLogins = 3;

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
 * suits JWT APIs and apps behind a load balancer. Each login has its own cookie, named after its
 * state, so logins in several tabs work; a small cookie on Path=/ lists the newest three, and the
 * login route clears older ones even where it cannot see them (on the callback path).
 *
 * A state is used up when its callback is verified, and remembered as long as its cookie could
 * live, so a replay on the same instance is refused (elsewhere DingTalk refuses the used code).
 * When DingTalk refuses the code itself, the strategy tells the store (`codeRefused`), which
 * forgets the state: made-up codes cannot fill its memory.
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
  /** The state each request's verify() let through, so that codeRefused() lets go of exactly it. */
  readonly #letThrough = new WeakMap<object, string>();

  /** Throws a `TypeError` when no secret is given or one is shorter than 32 bytes. */
  constructor(options: SignedCookieStateStoreOptions) {
    const secrets = typeof options?.secret === 'string' ? [options.secret] : options?.secret;
    if (!Array.isArray(secrets) || secrets.length === 0) {
      throw new TypeError('SignedCookieStateStore: the "secret" option is required (a string of at least 32 bytes)');
    }
    if (secrets.some((secret) => typeof secret !== 'string' || Buffer.byteLength(secret) < minimumSecretBytes)) {
      throw new TypeError(
        `SignedCookieStateStore: each secret must be a string of at least ${minimumSecretBytes} bytes`,
      );
    }
    this.#secrets = secrets.map((secret) => Buffer.from(secret));
    this.#cookieName = options.cookieName ?? 'dingtalk_state';
    if (!/^[A-Za-z0-9_-]+$/.test(this.#cookieName)) {
      throw new TypeError('SignedCookieStateStore: "cookieName" may contain only letters, digits, _ and -');
    }
    this.#maxAgeSeconds = positiveInteger(options.maxAgeSeconds ?? 600, 'maxAgeSeconds');
    this.#secure = options.secure;
    this.#hostOnly = options.hostOnly ?? true;
    const remembered = positiveInteger(options.maxRememberedStates ?? 10_000, 'maxRememberedStates');
    this.#spent = new SpentStates(remembered, this.#maxAgeSeconds * 1000);
  }

  /** Called by passport-oauth2 when a login starts: sets the cookie and gives the state. */
  store(req: Request, appState: unknown, meta: StateStoreMeta, callback: StateStoreStoreCallback): void {
    const carrier = carrierOf(req);
    if (!carrier) {
      callback(new Error(`SignedCookieStateStore cannot set its cookie on this request: ${supportedFrameworks}`));
      return;
    }
    const state = randomBytes(24).toString('base64url');
    const place = this.#place(meta);
    const payload: Payload = { s: state, e: Date.now() + this.#maxAgeSeconds * 1000, b: place.binding };
    if (typeof appState === 'object' && appState !== null) payload.d = appState;
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const value = `${encoded}.${sign(encoded, this.#secrets[0] as Buffer)}`;
    const id = hashOf(state);
    // A browser drops a larger cookie without a word, and the login would fail on the way back.
    const bytes = carrier.bytes(this.#name(place, id), value, place, this.#maxAgeSeconds);
    if (bytes > maxCookieBytes) {
      const tooLarge = `the login's state object makes its cookie ${bytes} bytes, over the ${maxCookieBytes} bytes browsers keep`;
      callback(new Error(`SignedCookieStateStore: ${tooLarge}; pass a smaller state (a return path or an id)`));
      return;
    }
    const listName = this.#name(place, `list_${place.binding}`);
    const ids = this.#newestLogins(carrier, listName);
    for (const old of ids.slice(0, 1 - maxLogins)) carrier.write(this.#name(place, old), '', place, 0);
    carrier.write(this.#name(place, id), value, place, this.#maxAgeSeconds);
    const list = [...ids.slice(1 - maxLogins), id].join('.');
    const signedList = `${list}.${sign(list, this.#secrets[0] as Buffer)}`;
    carrier.write(listName, signedList, { ...place, path: '/' }, this.#maxAgeSeconds);
    callback(null, state);
  }

  /** Called by passport-oauth2 on the callback: checks the cookie against the returned state. */
  verify(req: Request, providedState: string, meta: StateStoreMeta, callback: StateStoreVerifyCallback): void {
    const checked = this.#check(req, providedState, meta);
    if (typeof checked === 'string') callback(null, false, { message: checked });
    else callback(null, true, checked.appState);
  }

  /** Uses up the state whose cookie came back: the app's `state` object, or why the state is refused. */
  #check(req: Request, providedState: string, meta: StateStoreMeta): string | { appState: unknown } {
    const carrier = typeof providedState === 'string' && providedState !== '' ? carrierOf(req) : undefined;
    const place = this.#place(meta);
    const name = carrier && this.#name(place, hashOf(providedState));
    const value = carrier?.sent.find(([sent]) => sent === name)?.[1];
    if (value === undefined) return failures.missing;
    carrier?.write(name as string, '', place, 0);
    const payload = this.#readSigned(value);
    const now = Date.now();
    if (!payload || !sameText(payload.s, providedState)) return failures.invalid;
    if (payload.e <= now) return failures.expired;
    // Made for another app or callback on this host.
    if (payload.b !== place.binding) return failures.invalid;
    // Used up now, before DingTalk is asked: a second callback with this state is refused.
    if (!this.#spent.spend(providedState, now)) return failures.replayed;
    if (typeof req === 'object' && req !== null) this.#letThrough.set(req, providedState);
    return { appState: payload.d };
  }

  /**
   * Called by the strategy when DingTalk refused the code that came with `state` (made up,
   * expired or used): the state was never used for a login, and leaves the replay guard's memory,
   * so that anyone sending made-up codes cannot fill it.
   */
  codeRefused(req: Request, state: string): void {
    if (typeof req !== 'object' || req === null || this.#letThrough.get(req) !== state) return;
    this.#letThrough.delete(req);
    this.#spent.delete(state);
  }

  /**
   * The ids of this app and callback's newest logins, from the list on Path=/ by which the login
   * route clears older cookies it cannot see. Signed and named after the binding: neither a sibling
   * subdomain's planted list (sent first, under the same name) nor another app's can stand for it.
   */
  #newestLogins(carrier: Carrier, listName: string): string[] {
    for (const [name, value] of carrier.sent) {
      const at = value.lastIndexOf('.');
      const list = value.slice(0, at);
      const signature = value.slice(at + 1);
      if (name === listName && at > 0 && this.#secrets.some((secret) => sameText(sign(list, secret), signature))) {
        return list.split('.').slice(-maxLogins);
      }
    }
    return [];
  }

  #readSigned(cookie: string): Payload | undefined {
    const [encoded = '', signature, extra] = cookie.split('.');
    if (signature === undefined || extra !== undefined) return undefined;
    if (!this.#secrets.some((secret) => sameText(sign(encoded, secret), signature))) return undefined;
    try {
      const payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Payload | null;
      return typeof payload?.s === 'string' && typeof payload.e === 'number' ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  /** A login's cookie, named after its id (a hash of its state), or the list of the newest. */
  #name(place: Place, id: string): string {
    return `${place.prefix}${this.#cookieName}_${id}`;
  }

  /**
   * A Secure cookie has Path=/ (and the `__Host-` name); one that is not Secure, or with
   * `hostOnly: false`, lives on the callback path. Both legs get the same `meta.callbackURL` from
   * the strategy, so the cookie cleared on the callback is the one set when the login started.
   */
  #place(meta: StateStoreMeta): Place {
    const callbackURL = new URL(meta.callbackURL ?? '/', 'http://relative.invalid');
    const secure = this.#secure ?? callbackURL.protocol === 'https:';
    const hostOnly = this.#hostOnly && secure;
    const binding = hashOf(`${meta.clientID}\n${callbackURL.pathname}`);
    return { path: hostOnly ? '/' : callbackURL.pathname, secure, binding, prefix: hostOnly ? '__Host-' : '' };
  }
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`SignedCookieStateStore: "${option}" must be a positive whole number`);
  }
  return value;
}

/** A plain hash, not the HMAC: a cookie's name must not change when the secret is rotated. */
function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

function sign(encoded: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(encoded).digest('base64url');
}

/** Constant-time comparison of two strings of any length. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A Set-Cookie value: HttpOnly and SameSite=Lax, which DingTalk's top-level redirect back allows. */
function serializeCookie(name: string, value: string, place: Place, maxAgeSeconds: number): string {
  return `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=${place.path}; HttpOnly; SameSite=Lax${place.secure ? '; Secure' : ''}`;
}

interface Framework {
  headers?: { cookie?: string | string[] };
  res?: { appendHeader?(name: string, value: string): unknown; headersSent?: boolean };
  ctx?: { append?(name: string, value: string): unknown; headerSent?: boolean };
  session?: { get?: unknown; set?(key: string, value: unknown): unknown; data?(): unknown };
}

/**
 * Found by what the framework puts on the request passport hands the store: Express and node:http
 * put the response on `req.res`; koa-passport's request carries `ctx` (its `res` is a partial
 * mock). Fastify hands passport the request only: there the values live in its session (with
 * `@fastify/secure-session`, which @fastify/passport needs anyway, itself an encrypted cookie).
 */
function carrierOf(req: unknown): Carrier | undefined {
  const { headers, res, ctx, session } = (typeof req === 'object' && req !== null ? req : {}) as Framework;
  const append =
    typeof res?.appendHeader === 'function'
      ? (cookie: string) => res.headersSent || res.appendHeader?.('set-cookie', cookie)
      : typeof ctx?.append === 'function'
        ? (cookie: string) => ctx.headerSent || ctx.append?.('Set-Cookie', cookie)
        : undefined;
  if (append) {
    const header = Array.isArray(headers?.cookie) ? headers.cookie.join('; ') : (headers?.cookie ?? '');
    return {
      sent: header.split(';').flatMap((part): [string, string][] => {
        const index = part.indexOf('=');
        return index > 0 ? [[part.slice(0, index).trim(), part.slice(index + 1).trim()]] : [];
      }),
      write: (name, value, place, maxAge) => append(serializeCookie(name, value, place, maxAge)),
      bytes: (name, value, place, maxAge) => Buffer.byteLength(serializeCookie(name, value, place, maxAge)),
    };
  }
  if (typeof session?.get !== 'function' || typeof session.set !== 'function') return undefined;
  const data = () => Object.entries((typeof session.data === 'function' ? session.data() : session) ?? {});
  return {
    sent: data().filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    write: (name, value, _place, maxAge) => session.set?.(name, maxAge > 0 ? value : undefined),
    // JSON, encrypted (a nonce and a tag), base64, and the cookie's attributes.
    bytes: (name, value) =>
      Math.ceil((Buffer.byteLength(JSON.stringify({ ...Object.fromEntries(data()), [name]: value })) * 4) / 3) + 200,
  };
}

const supportedFrameworks =
  'it writes through req.res (Express, NestJS on Express, node:http), ctx (koa-passport), or the session of a Fastify request (@fastify/secure-session)';
