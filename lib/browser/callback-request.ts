/** A request's query parameters. */
type Query = Record<string, unknown>;

/** What DingTalk's redirect back to the callback URL says. */
export type CallbackQuery =
  /** No authCode and no error: this request starts a login. */
  | { kind: 'start' }
  /** The user authorized: exchange `code`. `query` is the query as read. */
  | { kind: 'authorized'; code: string; state: string | undefined; query: Query }
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

const names = ['authCode', 'code', 'state', 'error'] as const;

/**
 * Reads the callback parameters. DingTalk sends `authCode` (some flows also `code` with the same
 * value); `authCode` wins. Nothing is written here: see {@link presentQuery}.
 */
export function readCallbackQuery(req: CallbackRequest): CallbackQuery {
  const query = queryOf(req);
  const values = names.map((name) => (Object.hasOwn(query, name) ? query[name] : undefined));
  const invalid = names.find((_, index) => values[index] !== undefined && typeof values[index] !== 'string');
  if (invalid) return malformed(`the "${invalid}" parameter must appear once, as text`);
  const [authCode, code, state, error] = values as (string | undefined)[];
  // DingTalk's codes are 32 characters; states from custom stores can be long but not unbounded.
  if (state && state.length > 4096) return malformed('the "state" parameter is too long');
  if (error) return { kind: 'refused', error, query };
  if (authCode && code && authCode !== code) return malformed('the "authCode" and "code" parameters differ');
  const given = authCode || code;
  if (given && given.length > 1024) return malformed('the "authCode" parameter is too long');
  // DingTalk redirects the browser with a GET and puts everything in the query. passport-oauth2
  // would also take `code` and `state` from a parsed body (an app with a global body parser), a
  // way around the checks made here: a callback parameter in the body is refused.
  const body: Query = typeof req.body === 'object' && req.body !== null ? (req.body as Query) : {};
  const bodyNames = given ? ['authCode', 'code', 'state'] : ['authCode', 'code'];
  const inBody = bodyNames.find((name) => body[name] !== undefined && body[name] !== null && body[name] !== '');
  if (inBody) return malformed(`the "${inBody}" parameter must be in the query, not the body`);
  if (given) return { kind: 'authorized', code: given, state, query };
  // passport-oauth2 reads `req.query.code` as a plain property, inherited ones too (a polluted
  // prototype, an odd query parser): such a code is not one the checks above have seen.
  if (query.code) return malformed('the "code" parameter is not the query’s own');
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

function malformed(reason: string): CallbackQuery {
  return { kind: 'malformed', reason };
}

/** `req.query`, or for a plain node:http request (which has none) the URL's, keeping repeated keys visible. */
function queryOf(req: CallbackRequest): Query {
  if (typeof req.query === 'object' && req.query !== null) return req.query as Query;
  const search = new URLSearchParams(req.url?.slice(req.url.indexOf('?') + 1 || req.url.length));
  const query: Query = {};
  for (const name of search.keys()) {
    const values = search.getAll(name);
    query[name] = values.length > 1 ? values : values[0];
  }
  return query;
}
