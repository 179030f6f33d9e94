import { type Agent, request } from 'node:http';

export interface Answer {
  status: number;
  location: string | undefined;
  /** The Set-Cookie headers of this answer. */
  setCookies: string[];
  body: string;
}

/**
 * A browser reduced to what a login needs: one cookie jar, GET requests, no redirects followed.
 * Each instance is a separate user agent, so many can log in at once without sharing a session.
 */
export class CookieClient {
  /** The jar: cookie name to value. Tests may change it to play an attacker. */
  readonly cookies = new Map<string, string>();

  constructor(
    readonly base: string,
    readonly agent: Agent,
  ) {}

  async get(path: string): Promise<Answer> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const answer = await getWithCookies(`${this.base}${path}`, this.agent, cookie);
    for (const header of answer.setCookies) {
      const [pair] = header.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (!pair || index <= 0) continue;
      const [name, value] = [pair.slice(0, index), pair.slice(index + 1)];
      // Max-Age=0 is how a server deletes a cookie.
      if (/;\s*Max-Age=0\b/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return answer;
  }
}

/** One GET with a Cookie header (none when empty), its answer read whole. */
export function getWithCookies(url: string, agent: Agent, cookie: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: cookie ? { cookie } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location,
          setCookies: res.headers['set-cookie'] ?? [],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
