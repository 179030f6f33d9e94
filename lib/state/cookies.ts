/** Every cookie of a Cookie header, as [name, value], undecoded. */
export function readCookies(header: string | string[] | undefined): [string, string][] {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return [];
  return text.split(';').flatMap((part): [string, string][] => {
    const index = part.indexOf('=');
    return index > 0 ? [[part.slice(0, index).trim(), part.slice(index + 1).trim()]] : [];
  });
}

/** Reads one cookie from a Cookie header, without decoding anything else in it. */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  return readCookies(header).find(([cookieName]) => cookieName === name)?.[1];
}

export interface CookieAttributes {
  maxAgeSeconds: number;
  path: string;
  secure: boolean;
}

/** A Set-Cookie value: HttpOnly and SameSite=Lax, which DingTalk's top-level redirect back allows. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const parts = [
    `${name}=${value}`,
    `Max-Age=${attributes.maxAgeSeconds}`,
    `Path=${attributes.path}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (attributes.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Where a store writes Set-Cookie headers for the request passport handed it. */
export interface ResponseCookies {
  append(cookie: string): void;
  headersSent(): boolean;
}

interface NodeResponse {
  getHeader(name: string): unknown;
  setHeader(name: string, value: string | string[]): unknown;
  headersSent?: boolean;
}

interface KoaContext {
  append(field: string, value: string): unknown;
  headerSent?: boolean;
}

/**
 * The response of the request passport hands a state store, found by what the framework puts on
 * it: Express and node:http put the response on `req.res`; koa-passport's request carries `ctx`.
 */
export function responseCookies(req: unknown): ResponseCookies | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  const res = (req as { res?: unknown }).res;
  if (isNodeResponse(res)) {
    return { append: (cookie) => appendSetCookie(res, cookie), headersSent: () => res.headersSent === true };
  }
  // koa-passport's `res` is a partial mock without getHeader (its setHeader replaces): use ctx.
  const ctx = (req as { ctx?: unknown }).ctx;
  if (isKoaContext(ctx)) {
    return { append: (cookie) => ctx.append('Set-Cookie', cookie), headersSent: () => ctx.headerSent === true };
  }
  return undefined;
}

function isKoaContext(value: unknown): value is KoaContext {
  return typeof value === 'object' && value !== null && typeof (value as KoaContext).append === 'function';
}

function isNodeResponse(value: unknown): value is NodeResponse {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as NodeResponse).getHeader === 'function' &&
    typeof (value as NodeResponse).setHeader === 'function'
  );
}

/** Adds a Set-Cookie header to those already set, as cookie-writing middleware must. */
function appendSetCookie(res: NodeResponse, cookie: string): void {
  const previous = res.getHeader('set-cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
  res.setHeader('set-cookie', [...list, cookie]);
}

/**
 * A session with `get` and `set`, as `@fastify/secure-session` (and `@fastify/session`) give a
 * Fastify request. Fastify hands passport the request only, with no way to reach the reply, so on
 * Fastify the store keeps its signed value in the session instead of a cookie of its own; with
 * `@fastify/secure-session`, which @fastify/passport needs anyway, that is itself an encrypted cookie.
 */
export interface SessionCarrier {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  /** The session's top-level keys and values (secure-session's `data()`, or the session's own). */
  entries(): [string, unknown][];
}

export function sessionCarrier(req: unknown): SessionCarrier | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  const session = (req as { session?: unknown }).session;
  if (typeof session !== 'object' || session === null) return undefined;
  const { get, set } = session as { get?: unknown; set?: unknown };
  if (typeof get !== 'function' || typeof set !== 'function') return undefined;
  const data = (session as { data?: unknown }).data;
  return {
    get: (key) => get.call(session, key),
    set: (key, value) => set.call(session, key, value),
    entries: () => {
      const values = typeof data === 'function' ? data.call(session) : session;
      return typeof values === 'object' && values !== null ? Object.entries(values) : [];
    },
  };
}
