import type { Request } from 'express';

/** What the page posted, read: the code, or why the request is refused before DingTalk is asked. */
export type InAppCodeRead = { ok: true; code: string } | { ok: false; message: string };

// DingTalk's codes are 32 hexadecimal digits; the bound leaves room and keeps out kilobytes.
const maxCodeLength = 256;

/**
 * Reads the in-client code from the POST body (`code`, JSON or form), and nowhere else: a code in
 * a URL ends up in logs and browser history, and a GET can be triggered by any page.
 */
export function readInAppCode(req: Request): InAppCodeRead {
  if (req.method !== 'POST') {
    const named = typeof req.method === 'string' && /^[A-Z]{1,16}$/.test(req.method);
    const method = named ? `a ${req.method}` : 'another method';
    return refuse(`the in-client code must be POSTed (JSON or form body), not sent with ${method}`);
  }
  const body: unknown = req.body;
  // Only the body's own field: an inherited one (a polluted Object.prototype) is no code.
  const code =
    typeof body === 'object' && body !== null && Object.hasOwn(body, 'code')
      ? (body as { code?: unknown }).code
      : undefined;
  if (code === undefined || code === null || code === '') {
    const noBody = 'no request body: POST the code as JSON {"code": ...} and parse it (express.json(), a body parser)';
    return refuse(unparsedBody(req, body) ?? (body === undefined ? noBody : 'the request body has no "code"'));
  }
  if (Array.isArray(code)) return refuse('"code" was sent more than once');
  if (typeof code !== 'string') return refuse('"code" must be a string');
  if (code.length > maxCodeLength) return refuse(`"code" is longer than ${maxCodeLength} characters`);
  // Visible ASCII only, as DingTalk issues; anything else would be a forged or mangled code.
  if (!/^[\x21-\x7e]+$/.test(code)) return refuse('"code" has characters DingTalk never puts in a code');
  return { ok: true, code };
}

/**
 * Why no parsed body reached the strategy, when the request did send one: `req.body` is undefined
 * (Express 5 with no parser for the type), or an empty object (Express 4's parsers and
 * @koa/bodyparser leave `{}` for a type they do not parse). Names the Content-Type, never the body.
 */
function unparsedBody(req: Request, body: unknown): string | undefined {
  // A body declared by the headers: a non-zero Content-Length, or a Transfer-Encoding.
  const declared =
    /^\s*0*[1-9]\d*\s*$/.test(header(req, 'content-length') ?? '') || header(req, 'transfer-encoding') !== undefined;
  if (!declared || !(body === undefined || isEmptyObject(body))) return undefined;
  const lead = 'no parsed request body reached the strategy';
  const contentType = header(req, 'content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType === '') {
    return `${lead}: the request has a body but no Content-Type; post JSON with Content-Type: application/json`;
  }
  const named = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/.test(contentType)
    ? `the request's Content-Type is ${contentType}`
    : "the request's Content-Type is not one a body parser reads";
  if (contentType === 'application/json') {
    const empty = body === undefined ? '' : ' (or the JSON posted was {}, with no "code")';
    return `${lead}${empty}: ${named}; add a JSON body parser for this route (express.json(), or @koa/bodyparser with Koa)`;
  }
  if (contentType === 'application/x-www-form-urlencoded') {
    return (
      `${lead}: ${named}; add a body parser for it ` +
      "(express.urlencoded(), or @koa/bodyparser with 'form' in enableTypes with Koa) or post JSON"
    );
  }
  return `${lead}: ${named}; post the code as JSON {"code": ...} with Content-Type: application/json`;
}

/** `{}` as a body parser leaves it: a plain object with no own keys. */
function isEmptyObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && Reflect.ownKeys(value).length === 0;
}

/**
 * Why the request may come from another site, if it may: a page elsewhere making the victim's
 * browser post the attacker's code (login CSRF).
 * - The browser says so: `Sec-Fetch-Site: cross-site`.
 * - A browser too old to send `Sec-Fetch-Site` sent an `Origin` naming another host.
 * - Such a browser posted something a cross-site form can send (any body but JSON, which another
 *   site can only send after a CORS preflight), without an `Origin` naming this host.
 */
export function crossSiteRefusal(req: Request): string | undefined {
  const fetchSite = header(req, 'sec-fetch-site');
  if (fetchSite !== undefined) {
    return fetchSite.toLowerCase().includes('cross-site')
      ? 'The in-client login was posted from another site (Sec-Fetch-Site: cross-site).'
      : undefined;
  }
  const origin = header(req, 'origin');
  const fromThisHost = originNamesThisHost(origin, req);
  if (origin && origin !== 'null' && !fromThisHost) {
    return 'The in-client login was posted from another site (its Origin names another host).';
  }
  if (fromThisHost || /^application\/json\s*(;|$)/i.test(header(req, 'content-type') ?? '')) return undefined;
  return (
    'The in-client login may have been posted from another site: without Sec-Fetch-Site, only a JSON body ' +
    '(Content-Type: application/json) or an Origin naming this host shows that it was not.'
  );
}

/**
 * True when `Origin` names the host the request was sent to: `Host` (`:authority` over HTTP/2), or,
 * behind a proxy, `X-Forwarded-Host` or `Forwarded: host=`. A cross-site form can set none of
 * them, so none can be forged by the attack this stops. Default ports compare equal to none.
 */
function originNamesThisHost(origin: string | undefined, req: Request): boolean {
  if (!origin || !URL.canParse(origin)) return false;
  const { protocol, host } = new URL(origin);
  const forwardedHost = /(?:^|[;,\s])host="?([^";,\s]+)"?/gi;
  const forwarded = Array.from((header(req, 'forwarded') ?? '').matchAll(forwardedHost), (match) => match[1] ?? '');
  const hosts = ['host', ':authority', 'x-forwarded-host'].flatMap((name) => header(req, name)?.split(',') ?? []);
  return hosts.concat(forwarded).some((candidate) => {
    // As the origin's scheme would write it: a default port dropped.
    const written = `${protocol}//${candidate.trim()}`;
    return candidate.trim() !== '' && URL.canParse(written) && new URL(written).host === host;
  });
}

/** A request header as text (a repeated one joined with commas), whatever the framework. */
function header(req: Request, name: string): string | undefined {
  const value = (req.headers as Record<string, unknown> | undefined)?.[name];
  return Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : undefined;
}

function refuse(reason: string): InAppCodeRead {
  return { ok: false, message: `Invalid in-client login request: ${reason}.` };
}
