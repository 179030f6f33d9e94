import type { Agent } from 'node:http';
import { type DingTalkEndpoint, DingTalkNetworkError, DingTalkResponseError, DingTalkTimeoutError } from './errors';
import { redactSecrets } from './redact';
import type { ReceivedResponse } from './response';

/** What the strategy hands to `fetch`: node-fetch v2 and Node's global fetch both accept it. */
export interface FetchRequestInit {
  /** `POST` for the token endpoint, `GET` for the profile. */
  method: 'GET' | 'POST';
  /** Lower-case header names and their values. */
  headers: Record<string, string>;
  /** The JSON body of a token request. */
  body?: string;
  /** Aborts the request when the strategy's `timeout` runs out or the body grows too large. */
  signal: AbortSignal;
  /** A redirect is answered as it came, never followed: it would resend the secret or the token. */
  redirect: 'manual';
  /** Used by node-fetch; other implementations ignore it. */
  agent?: Agent;
  /** node-fetch's bound on the body, in bytes (the strategy's `maxResponseBytes`); others ignore it. */
  size?: number;
}

/** The part of a fetch `Response` the strategy reads. */
export interface FetchResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers, looked up by name. */
  headers: { get(name: string): string | null };
  /** A Node stream (node-fetch) or a web stream (global fetch); read with a size bound. */
  body?: unknown;
  /** The whole body as text; used when `body` is not an async-iterable stream. */
  text(): Promise<string>;
}

/** A fetch implementation: node-fetch v2 by default, or any compatible one (`options.fetch`). */
export type FetchFunction = (url: string, init: FetchRequestInit) => Promise<FetchResponse>;

export interface HttpSettings {
  fetch: FetchFunction;
  /** True when `fetch` is the bundled node-fetch, which enforces `size` itself and honours `signal`. */
  fetchEnforcesSize: boolean;
  agentFor(url: URL): Agent | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface OutgoingRequest {
  endpoint: DingTalkEndpoint;
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** What the request carries that must never be repeated: cut out of any error it causes. */
  secrets: readonly (string | undefined)[];
}

/**
 * Sends one request and reads the whole answer, bounded in time (`timeoutMs` covers connecting,
 * waiting and reading the body) and in size (`maxResponseBytes`).
 *
 * Why one AbortController and one timer rather than `AbortSignal.timeout()`: a body over the size
 * bound must drop the connection at once (node-fetch's `size` check rejects but keeps reading),
 * which needs a signal this code can abort; `AbortSignal.timeout()` measured no cheaper
 * (docs/reliability-and-performance.md).
 */
export async function sendRequest(settings: HttpSettings, request: OutgoingRequest): Promise<ReceivedResponse> {
  const controller = new AbortController();
  const timer = setTimeout(abort, settings.timeoutMs, controller);
  // The bundled node-fetch honours the signal; another fetch might not, and is raced against it.
  const bundled = settings.fetchEnforcesSize;
  try {
    const init: FetchRequestInit = {
      method: request.method,
      headers: request.headers,
      signal: controller.signal,
      redirect: 'manual',
    };
    if (request.body !== undefined) init.body = request.body;
    const agent = settings.agentFor(request.url);
    if (agent) init.agent = agent;
    if (bundled) init.size = settings.maxResponseBytes;
    const sent = settings.fetch(request.url.href, init);
    const response = await (bundled ? sent : untilAborted(sent, controller.signal));
    // Node's global fetch answers a manual redirect with status 0 when it hides it.
    if (response.status === 0 || (response.status >= 300 && response.status < 400)) {
      controller.abort();
      throw new DingTalkResponseError(
        request.endpoint,
        response.status,
        'answered with a redirect, which is never followed (it would resend the credentials); DingTalk’s API does not redirect, so a proxy or a wrong URL may be in the way',
      );
    }
    const read = readBody(request.endpoint, response, settings, controller);
    const body = await (bundled ? read : untilAborted(read, controller.signal));
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (controller.signal.reason === timedOut) throw new DingTalkTimeoutError(request.endpoint, settings.timeoutMs);
    if (error instanceof DingTalkResponseError) throw error;
    throw new DingTalkNetworkError(request.endpoint, describeNetworkFailure(error), {
      cause: cleanCopy(error, request.secrets, 0),
    });
  } finally {
    clearTimeout(timer);
  }
}

/** The reason the deadline aborts with, told apart from an abort for size. */
const timedOut = Symbol('timed out');

function abort(controller: AbortController): void {
  controller.abort(timedOut);
}

/**
 * `work`, or a rejection as soon as the deadline passes, whichever comes first. Only the deadline:
 * an abort for size comes with its own error, from the code that aborted.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = () => {
      if (signal.reason === timedOut) reject(timedOut);
    };
    stop();
    signal.addEventListener('abort', stop, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', stop);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(error);
      },
    );
  });
}

async function readBody(
  endpoint: DingTalkEndpoint,
  response: FetchResponse,
  settings: HttpSettings,
  controller: AbortController,
): Promise<string> {
  const maxBytes = settings.maxResponseBytes;
  const tooLarge = () => {
    // Aborting drops the connection; destroying the body stops a decoder inflating what arrived.
    controller.abort();
    destroyStream(response.body);
    return new DingTalkResponseError(endpoint, response.status, `answered with a body larger than ${maxBytes} bytes`);
  };
  // A declared length over the bound is refused before waiting for the body.
  const declared = response.headers.get('content-length');
  const declaredLength = Number(declared);
  if (declaredLength > maxBytes) throw tooLarge();
  // node-fetch's Response carries the `size` it enforces: trusted only when it is this bound.
  if (settings.fetchEnforcesSize && (response as { size?: unknown }).size === maxBytes) {
    try {
      return await response.text();
    } catch (error) {
      if ((error as { type?: unknown } | null)?.type === 'max-size') throw tooLarge();
      throw error;
    }
  }
  // Another fetch ignores `size`. A declared length still bounds the body (the HTTP parser stops
  // there) unless a content coding makes it expand; otherwise its stream is read with a bound here.
  const framed = declared !== null && Number.isInteger(declaredLength) && declaredLength >= 0;
  if ((framed && response.headers.get('content-encoding') === null) || !isAsyncIterable(response.body)) {
    return response.text();
  }
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of response.body) {
    const bytes = toBuffer(chunk);
    received += bytes.length;
    if (received > maxBytes) throw tooLarge();
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function destroyStream(body: unknown): void {
  const destroy = (body as { destroy?: unknown } | null | undefined)?.destroy;
  if (typeof destroy === 'function') destroy.call(body);
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk));
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function describeNetworkFailure(error: unknown): string {
  // node-fetch puts the system error code on the error, global fetch on its cause.
  const code = readField(error, 'code') ?? readField(readField(error, 'cause'), 'code');
  return `the request failed before DingTalk answered${typeof code === 'string' ? ` (${code})` : ''}`;
}

/** A property of anything, or undefined when it has none or reading it throws (a hostile getter). */
function readField(value: unknown, name: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  try {
    return (value as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

const maxCauseDepth = 4;

/**
 * The HTTP client's error, kept as the cause, cleaned: this request's secrets are cut out (a
 * header value the client refused is quoted in its message), and so are the query strings and
 * user info of the URLs it quotes (node-fetch puts the whole URL in its messages; an oapi URL
 * carries `access_token=`). The fields that say what happened are kept. Never throws, whatever
 * was thrown.
 */
function cleanCopy(error: unknown, secrets: readonly (string | undefined)[], depth: number): Error {
  const clean = (text: unknown) => redactSecrets(withoutURLSecrets(printable(text)), secrets);
  const isError = error instanceof Error;
  const copy = new Error(clean(isError ? readField(error, 'message') : error));
  copy.name = isError ? clean(readField(error, 'name')) : 'Error';
  const stack = isError ? readField(error, 'stack') : undefined;
  copy.stack = typeof stack === 'string' ? clean(stack) : `${copy.name}: ${copy.message}`;
  for (const field of ['code', 'errno', 'type', 'syscall'] as const) {
    const value = readField(error, field);
    if (typeof value === 'number') Object.assign(copy, { [field]: value });
    if (typeof value === 'string') Object.assign(copy, { [field]: clean(value) });
  }
  const cause = readField(error, 'cause');
  if (cause !== undefined && cause !== error && depth < maxCauseDepth)
    copy.cause = cleanCopy(cause, secrets, depth + 1);
  return copy;
}

function printable(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '(an error that cannot be printed)';
  }
}

// A URL in a message: its user info, query and fragment are dropped; scheme, host and path stay.
// The query ends before white space, a quote or a bracket, and before punctuation that ends a phrase.
const urlInText =
  /(?<![a-z0-9+.-])((?:[a-z][a-z0-9+.-]*:)?\/\/)(?:[^\s/?#@]*@)?([^\s?#"'<>()]*)(?:[?#][^\s"'<>()[\]]*?)?(?=[.,:;!]*(?:[\s"'<>()[\]]|$))/gi;

function withoutURLSecrets(text: string): string {
  return text.replace(urlInText, '$1$2');
}
