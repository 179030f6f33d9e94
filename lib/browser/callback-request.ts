/** What DingTalk's redirect back to the callback URL says. */
export type CallbackQuery =
  /** No authCode and no error: this request starts a login. */
  | { kind: 'start' }
  /**
   * The user authorized: exchange `code`. `query` is the query as read; `present` says that
   * passport-oauth2 would not find `code` in `req.query` (see {@link presentQuery}).
   */
  | { kind: 'authorized'; code: string; query: Query; present: boolean }
  /** DingTalk or the user refused; `error` is DingTalk's reason. */
  | { kind: 'refused'; error: string; query: Query }
  /** Not something DingTalk sends: parameters repeated, nested, far too long, or in the body. */
  | { kind: 'malformed'; reason: string };

/** The parts of a request this module reads; Express, Koa, Fastify and plain node:http all fit. */
export interface CallbackRequest {
  query?: unknown;
  body?: unknown;
  url?: string;
}

// DingTalk's codes are 32 characters; states from custom stores can be long but not unbounded.
const maxLengths = { code: 1024, state: 4096, error: 1024 } as const;

/**
 * Reads the callback parameters. DingTalk sends `authCode` (some flows also `code` with the same
 * value); `authCode` wins. Nothing is written here: see {@link presentQuery}.
 */
export function readCallbackQuery(req: CallbackRequest): CallbackQuery {
  const read = queryOf(req);
  const query = read.values;
  const authCode = singleValue(query, 'authCode');
  const code = singleValue(query, 'code');
  const state = singleValue(query, 'state');
  const error = singleValue(query, 'error');
  if (authCode === invalid || code === invalid || state === invalid || error === invalid) {
    const name = authCode === invalid ? 'authCode' : code === invalid ? 'code' : state === invalid ? 'state' : 'error';
    return { kind: 'malformed', reason: `the "${name}" parameter must appear once, as text` };
  }
  if (state !== undefined && state.length > maxLengths.state) {
    return { kind: 'malformed', reason: 'the "state" parameter is too long' };
  }
  if (error) return { kind: 'refused', error: error.slice(0, maxLengths.error), query };
  if (authCode && code && authCode !== code) {
    return { kind: 'malformed', reason: 'the "authCode" and "code" parameters differ' };
  }
  const given = authCode || code;
  if (given && given.length > maxLengths.code) {
    return { kind: 'malformed', reason: 'the "authCode" parameter is too long' };
  }
  // DingTalk redirects the browser with a GET and puts everything in the query. passport-oauth2
  // would also take `code` and `state` from a parsed body (an app with a global body parser), a
  // way around the checks made here: a callback parameter in the body is refused.
  const inBody = bodyParameter(req.body, given ? codeAndState : codeOnly);
  if (inBody) return { kind: 'malformed', reason: `the "${inBody}" parameter must be in the query, not the body` };
  if (given) return { kind: 'authorized', code: given, query, present: !read.fromRequest || code !== given };
  // passport-oauth2 reads `req.query.code` as a plain property, inherited ones too (a polluted
  // prototype, an odd query parser): such a code is not one the checks above have seen.
  if ((query as { code?: unknown }).code)
    return { kind: 'malformed', reason: 'the "code" parameter is not the query’s own' };
  return { kind: 'start' };
}

/**
 * Shows passport-oauth2 the query it reads (`req.query.code`, `.state`, `.error`), for a
 * framework whose `req.query` lacks it (node:http has none, DingTalk's `authCode` is not `code`).
 * Returns a function that puts the request's own query back.
 */
export function presentQuery(req: CallbackRequest, query: Query): () => void {
  const own = Object.getOwnPropertyDescriptor(req, 'query');
  Object.defineProperty(req, 'query', { value: query, configurable: true, enumerable: true, writable: true });
  return () => {
    if (own) Object.defineProperty(req, 'query', own);
    else delete req.query;
  };
}

const invalid = Symbol('invalid');
const codeAndState = ['authCode', 'code', 'state'] as const;
const codeOnly = ['authCode', 'code'] as const;

function singleValue(query: Record<string, unknown>, name: string): string | undefined | typeof invalid {
  if (!Object.hasOwn(query, name)) return undefined;
  const value = query[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : invalid;
}

function bodyParameter(body: unknown, names: readonly string[]): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  return names.find((name) => {
    const value = (body as Record<string, unknown>)[name];
    return value !== undefined && value !== null && value !== '';
  });
}

/** A request's query parameters; `fromRequest` when they are `req.query` (not parsed here from the URL). */
type Query = Record<string, unknown>;

interface ReadQuery {
  values: Query;
  fromRequest: boolean;
}

function queryOf(req: CallbackRequest): ReadQuery {
  const query = req.query;
  if (typeof query === 'object' && query !== null)
    return { values: query as Record<string, unknown>, fromRequest: true };
  // Plain node:http requests have no parsed query: read the URL, keeping repeated keys visible.
  const search = typeof req.url === 'string' ? req.url.slice(req.url.indexOf('?') + 1 || req.url.length) : '';
  const parsed: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    const previous = parsed[key];
    parsed[key] = previous === undefined ? value : ([] as string[]).concat(previous, value);
  }
  return { values: parsed, fromRequest: false };
}
