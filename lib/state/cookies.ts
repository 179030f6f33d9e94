/** Reads one cookie from a Cookie header, without decoding anything else in it. */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
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

interface ResponseLike {
  getHeader(name: string): unknown;
  setHeader(name: string, value: string | string[]): unknown;
}

/** Adds a Set-Cookie header to those already set, as cookie-writing middleware must. */
export function appendSetCookie(res: ResponseLike, cookie: string): void {
  const previous = res.getHeader('set-cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
  res.setHeader('set-cookie', [...list, cookie]);
}
