/** What DingTalk's redirect back to the callback URL says. */
export type CallbackQuery =
  /** No authCode and no error: this request starts a login. */
  | { kind: 'start' }
  /** The user authorized: exchange `code`. */
  | { kind: 'authorized'; code: string; state: string | undefined }
  /** DingTalk or the user refused; `error` is DingTalk's reason. */
  | { kind: 'refused'; error: string; state: string | undefined }
  /** Parameters repeated, nested or far too long: not something DingTalk sends. */
  | { kind: 'malformed'; reason: string };

interface QueryCarrier {
  query?: unknown;
  url?: string;
}

// DingTalk's codes are 32 characters; states from custom stores can be long but not unbounded.
const maxLengths = { code: 1024, state: 4096, error: 1024 } as const;

/**
 * Reads the callback parameters without writing anything back: on Express 5 `req.query` is a
 * getter that parses the URL on every read, so rewriting it would be lost. DingTalk sends
 * `authCode` (some flows also `code` with the same value); `authCode` wins.
 */
export function readCallbackQuery(req: QueryCarrier): CallbackQuery {
  const query = queryOf(req);
  const fields = {
    authCode: singleValue(query, 'authCode'),
    code: singleValue(query, 'code'),
    state: singleValue(query, 'state'),
    error: singleValue(query, 'error'),
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value === invalid) return { kind: 'malformed', reason: `the "${name}" parameter must appear once, as text` };
  }
  const { authCode, code, state, error } = fields as Record<keyof typeof fields, string | undefined>;
  if (state !== undefined && state.length > maxLengths.state) {
    return { kind: 'malformed', reason: 'the "state" parameter is too long' };
  }
  if (error) {
    return { kind: 'refused', error: error.slice(0, maxLengths.error), state };
  }
  if (authCode && code && authCode !== code) {
    return { kind: 'malformed', reason: 'the "authCode" and "code" parameters differ' };
  }
  const given = authCode || code;
  if (!given) return { kind: 'start' };
  if (given.length > maxLengths.code) return { kind: 'malformed', reason: 'the "authCode" parameter is too long' };
  return { kind: 'authorized', code: given, state };
}

const invalid = Symbol('invalid');

function singleValue(query: Record<string, unknown>, name: string): string | undefined | typeof invalid {
  if (!Object.hasOwn(query, name)) return undefined;
  const value = query[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : invalid;
}

function queryOf(req: QueryCarrier): Record<string, unknown> {
  const query = req.query;
  if (typeof query === 'object' && query !== null) return query as Record<string, unknown>;
  // Plain node:http requests have no parsed query: read the URL, keeping repeated keys visible.
  const search = typeof req.url === 'string' ? req.url.slice(req.url.indexOf('?') + 1 || req.url.length) : '';
  const parsed: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    const previous = parsed[key];
    parsed[key] = previous === undefined ? value : ([] as string[]).concat(previous, value);
  }
  return parsed;
}
