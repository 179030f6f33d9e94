import type { Agent } from 'node:http';
import { Readable } from 'node:stream';
import { type DingTalkEndpoint, DingTalkNetworkError, DingTalkResponseError, DingTalkTimeoutError } from './errors';
import { headerOf, type ReceivedResponse, redactSecrets, type Secrets } from './response';

/** What the strategy hands to `fetch`: node-fetch v2 and Node's global fetch both accept it. */
export interface FetchRequestInit {
  /** `POST` for the token endpoint, `GET` for the profile. */
  method: 'GET' | 'POST';
  /** Lower-case header names and their values. */
  headers: Record<string, string>;
  /** The JSON body of a token request. */
  body?: string;
  /** Aborted when the strategy's `timeout` runs out or the body grows over `maxResponseBytes`. */
  signal: AbortSignal;
  /** A redirect is answered as it came, never followed: it would resend the secret or the token. */
  redirect: 'manual';
  /** The `agent` option, used by node-fetch; other implementations ignore it. */
  agent?: Agent;
}

/** The part of a fetch `Response` the strategy reads. */
export interface FetchResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers, looked up by name. */
  headers: { get(name: string): string | null };
  /** A Node stream (node-fetch) or a web stream (global fetch), read with the size bound. */
  body?: unknown;
  /** The whole body as text; used when `body` is not an async-iterable stream. */
  text(): Promise<string>;
  /** True when the fetch followed a redirect anyway: such an answer is refused. */
  redirected?: boolean;
}

/**
 * A fetch implementation: node-fetch v2 by default, or any compatible one (`options.fetch`), such
 * as Node's global fetch. It must honour `signal` (an abort drops the connection) and
 * `redirect: 'manual'`; node-fetch v2 and Node's global fetch both do. A 3xx or a followed
 * redirect is refused anyway, and a fetch that ignores `signal` is still cut off at the timeout.
 */
export type FetchFunction = (url: string, init: FetchRequestInit) => Promise<FetchResponse>;

export interface HttpSettings {
  fetch: FetchFunction;
  agentFor(url: URL): Agent | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface OutgoingRequest extends Pick<FetchRequestInit, 'method' | 'headers' | 'body'> {
  endpoint: DingTalkEndpoint;
  url: URL;
  /** What the request carries that must never be repeated: cut out of any error it causes. */
  secrets: Secrets;
}

const redirectRefused =
  'answered with a redirect, which is never followed (it would resend the credentials); DingTalk’s API does not redirect, so a proxy or a wrong URL may be in the way';

/** The reason the deadline aborts with, told apart from an abort for size. */
const timedOut = Symbol('timed out');

/**
 * Sends one request and reads the whole answer, within one deadline (`timeoutMs` covers
 * connecting, waiting and reading the body) and one size bound (`maxResponseBytes`). The deadline
 * aborts the signal and, for a fetch that ignores it, also wins a race against the work.
 */
export async function sendRequest(settings: HttpSettings, request: OutgoingRequest): Promise<ReceivedResponse> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise<ReceivedResponse>((resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort(timedOut);
        reject(timedOut);
      }, settings.timeoutMs);
      exchange(settings, request, controller.signal).then(resolve, reject);
    });
  } catch (error) {
    // Drops the connection of an answer refused (a redirect, a body too large) or left unread.
    controller.abort();
    throw failureOf(error, request, settings, controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function exchange(settings: HttpSettings, request: OutgoingRequest, signal: AbortSignal) {
  const { endpoint, url, method, headers, body } = request;
  const agent = settings.agentFor(url);
  const response = await settings.fetch(url.href, { method, headers, body, signal, redirect: 'manual', agent });
  const { status } = response;
  // A 3xx, an opaque redirect (status 0, as browsers' fetch gives), or one a fetch followed anyway.
  if (status === 0 || (status >= 300 && status < 400) || response.redirected === true)
    throw new DingTalkResponseError(endpoint, status, redirectRefused);
  const maxBytes = settings.maxResponseBytes;
  const tooLarge = () =>
    new DingTalkResponseError(endpoint, status, `answered with a body larger than ${maxBytes} bytes`);
  // A declared length over the bound is refused before waiting for the body.
  if (Number(headerOf(response, 'content-length')) > maxBytes) throw tooLarge();
  const stream = response.body as AsyncIterable<Uint8Array> | null | undefined;
  if (typeof stream?.[Symbol.asyncIterator] !== 'function') {
    const text = await response.text();
    if (Buffer.byteLength(text) > maxBytes) throw tooLarge();
    return { status, headers: response.headers, body: text };
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  const fits = (chunk: Uint8Array) => {
    chunks.push(chunk);
    received += chunk.byteLength;
    return received <= maxBytes;
  };
  // Stopping early destroys (or cancels) the stream: no decoder inflates what is left. A Node
  // stream (node-fetch's) is read by its events, which cost less than its async iterator.
  if (stream instanceof Readable) {
    await new Promise((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        if (fits(chunk)) return;
        stream.destroy();
        reject(tooLarge());
      });
      stream.once('end', resolve).once('error', reject);
    });
  } else {
    for await (const chunk of stream) if (!fits(chunk)) throw tooLarge();
  }
  // One chunk, the usual answer, is decoded as it is.
  const all = chunks.length === 1 && Buffer.isBuffer(chunks[0]) ? chunks[0] : Buffer.concat(chunks);
  return { status, headers: response.headers, body: all.toString('utf8') };
}

/**
 * The typed error for whatever went wrong. A network error keeps the HTTP client's error as its
 * cause, cleaned (see `cleanCopy`); an error that cannot even be read (a hostile Proxy) is dropped.
 */
function failureOf(error: unknown, request: OutgoingRequest, settings: HttpSettings, signal: AbortSignal) {
  const failed = 'the request failed before DingTalk answered';
  try {
    if (signal.reason === timedOut) return new DingTalkTimeoutError(request.endpoint, settings.timeoutMs);
    if (error instanceof DingTalkResponseError) return error;
    // A client may quote a value trimmed (Node's fetch does), or escaped in a URL or a form.
    const spellings = request.secrets.flatMap((secret) =>
      secret === undefined
        ? []
        : [secret, secret.trim(), encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)],
    );
    const cause = cleanCopy(error, spellings, 0) as Error & { code?: unknown; cause?: { code?: unknown } };
    // node-fetch puts the system error code on its error, global fetch on its cause. Only a code
    // that looks like one (ECONNRESET, UND_ERR_SOCKET) is repeated: a fetch may put anything there.
    const code = cause.code ?? cause.cause?.code;
    const shown = typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,39}$/.test(code) ? ` (${code})` : '';
    return new DingTalkNetworkError(request.endpoint, failed + shown, { cause });
  } catch {
    return new DingTalkNetworkError(request.endpoint, failed);
  }
}

/**
 * A copy of the HTTP client's error, cleaned: every spelling of this request's secrets is cut out
 * (a header value the client refused is quoted in its message), and so are the query strings and
 * user info of the URLs it quotes (node-fetch quotes the whole URL; an oapi URL carries
 * `access_token=`). The fields that say what happened are kept, causes to a depth of 4.
 */
function cleanCopy(error: unknown, secrets: string[], depth: number): Error {
  // Clipped first, then secrets, so that cutting a URL never splits one.
  const clean = (value: unknown) =>
    redactSecrets(String(value).slice(0, 4000), secrets).replace(urlInText, withoutQuery);
  const fields = Object(error) as Record<string, unknown>;
  const isError = error instanceof Error;
  const copy = new Error(clean(isError ? fields.message : error));
  copy.name = isError ? clean(fields.name) : 'Error';
  copy.stack = typeof fields.stack === 'string' ? clean(fields.stack) : `${copy.name}: ${copy.message}`;
  for (const field of ['code', 'errno', 'type', 'syscall']) {
    const value = fields[field];
    if (typeof value === 'number' || typeof value === 'string')
      Object.assign(copy, { [field]: typeof value === 'number' ? value : clean(value) });
  }
  const cause = fields.cause;
  if (cause !== undefined && cause !== error && depth < 4) copy.cause = cleanCopy(cause, secrets, depth + 1);
  return copy;
}

// A URL in a message: its user info, query and fragment are dropped; scheme, host and path stay.
// The query ends before white space, a quote or a bracket; punctuation that ends a phrase is kept.
// Every part is greedy with nothing after it to retry, so a hostile text costs linear time.
const urlInText =
  /(?<![a-z0-9+.-])((?:[a-z][a-z0-9+.-]*:)?\/\/)(?:[^\s/?#@]*@)?([^\s?#"'<>()]*)([?#][^\s"'<>()[\]]*)?/gi;

function withoutQuery(_url: string, scheme: string, place: string, query = ''): string {
  let end = query.length;
  while (end > 0 && '.,:;!'.includes(query[end - 1] as string)) end -= 1;
  return `${scheme}${place}${query.slice(end)}`;
}
