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
    return refuse('the in-client code must be POSTed (JSON or form body), not sent with a GET');
  }
  const body: unknown = req.body;
  const code = typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
  if (code === undefined || code === null || code === '') {
    return refuse(
      body === undefined
        ? 'no request body: POST the code as JSON {"code": ...} and parse it (express.json(), a body parser)'
        : 'the request body has no "code"',
    );
  }
  if (Array.isArray(code)) return refuse('"code" was sent more than once');
  if (typeof code !== 'string') return refuse('"code" must be a string');
  if (code.length > maxCodeLength) return refuse(`"code" is longer than ${maxCodeLength} characters`);
  // Visible ASCII only, as DingTalk issues; anything else would be a forged or mangled code.
  if (!/^[\x21-\x7e]+$/.test(code)) return refuse('"code" has characters DingTalk never puts in a code');
  return { ok: true, code };
}

/**
 * True when the browser says the request came from another site (`Sec-Fetch-Site: cross-site`):
 * a page elsewhere making the victim's browser post the attacker's code (login CSRF).
 */
export function isCrossSiteRequest(req: Request): boolean {
  const header = (req.headers as Record<string, unknown> | undefined)?.['sec-fetch-site'];
  const value = Array.isArray(header) ? header.join(',') : header;
  return typeof value === 'string' && value.toLowerCase().includes('cross-site');
}

function refuse(reason: string): InAppCodeRead {
  return { ok: false, message: `Invalid in-client login request: ${reason}.` };
}
