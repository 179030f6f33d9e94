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
  /** True when the fetch followed a redirect (one that ignores `redirect: 'manual'`). */
  redirected?: boolean;
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
    // A 3xx, an opaque redirect (status 0, as browsers' fetch gives), or one a fetch followed anyway.
    if (response.status === 0 || (response.status >= 300 && response.status < 400) || response.redirected === true) {
      controller.abort();
      releaseBody(response);
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
    throw failureOf(error, request, settings, controller);
  } finally {
    clearTimeout(timer);
  }
}

/** The typed error for whatever went wrong; never throws itself, whatever `error` is (a Proxy, say). */
function failureOf(
  error: unknown,
  request: OutgoingRequest,
  settings: HttpSettings,
  controller: AbortController,
): DingTalkNetworkError | DingTalkResponseError {
  try {
    if (controller.signal.reason === timedOut) return new DingTalkTimeoutError(request.endpoint, settings.timeoutMs);
    if (error instanceof DingTalkResponseError) return error;
    return new DingTalkNetworkError(request.endpoint, describeNetworkFailure(error), {
      cause: cleanCopy(error, request.secrets, 0),
    });
  } catch {
    return new DingTalkNetworkError(request.endpoint, describeNetworkFailure(undefined));
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
    Promise.resolve(work).then(
      (value) => {
        signal.removeEventListener('abort', stop);
        // Too late: whatever came is dropped, and a response's body released (its socket with it).
        if (signal.reason === timedOut) releaseBody(value);
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
  const declared = headerOf(response, 'content-length');
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
  if ((framed && headerOf(response, 'content-encoding') === null) || !isAsyncIterable(response.body)) {
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
  const destroy = readField(body, 'destroy');
  if (typeof destroy === 'function') destroy.call(body);
}

/** Lets go of an answer that will not be read: a Node stream is destroyed, a web stream cancelled. */
function releaseBody(response: unknown): void {
  try {
    const body = readField(response, 'body');
    destroyStream(body);
    const cancel = readField(body, 'cancel');
    if (typeof cancel === 'function') Promise.resolve(cancel.call(body)).catch(() => {});
  } catch {
    // A body that cannot even be released is left to the garbage collector.
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk));
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** A header of an answer, or null; a fetch whose headers throw is treated as sending none. */
export function headerOf(response: { headers: { get(name: string): string | null } }, name: string): string | null {
  try {
    const value = response.headers.get(name);
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

function describeNetworkFailure(error: unknown): string {
  // node-fetch puts the system error code on the error, global fetch on its cause. Only a code
  // that looks like one (ECONNRESET, UND_ERR_SOCKET) is repeated: a fetch may put anything there.
  const code = readField(error, 'code') ?? readField(readField(error, 'cause'), 'code');
  const shown = typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,39}$/.test(code) ? ` (${code})` : '';
  return `the request failed before DingTalk answered${shown}`;
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
  // A client may quote a value trimmed (Node's fetch does), or a query string as it was encoded
  // (an app token with `+`, `/` or `=` travels escaped): those forms are cut out too.
  const allSecrets = secrets.flatMap((secret) => (secret === undefined ? [] : spellingsOf(secret)));
  // Secrets first, so that cutting a URL never splits one; long texts are clipped first.
  const clean = (text: unknown) => withoutURLSecrets(redactSecrets(clip(printable(text)), allSecrets));
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

/** The ways a client may quote `secret`: as it is, trimmed, and escaped in a URL or a form. */
function spellingsOf(secret: string): string[] {
  return [secret, secret.trim(), encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)];
}

const maxQuotedLength = 4000;

function clip(text: string): string {
  return text.length > maxQuotedLength ? `${text.slice(0, maxQuotedLength)}…` : text;
}

function printable(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '(an error that cannot be printed)';
  }
}

// A URL in a message: its user info, query and fragment are dropped; scheme, host and path stay.
// The query ends before white space, a quote or a bracket; punctuation that ends a phrase is kept.
// Every part is greedy with nothing after it to retry, so a hostile text costs linear time.
const urlInText =
  /(?<![a-z0-9+.-])((?:[a-z][a-z0-9+.-]*:)?\/\/)(?:[^\s/?#@]*@)?([^\s?#"'<>()]*)([?#][^\s"'<>()[\]]*)?/gi;

function withoutURLSecrets(text: string): string {
  return text.replace(urlInText, (_url, scheme: string, place: string, query: string | undefined) => {
    let end = query?.length ?? 0;
    while (end > 0 && '.,:;!'.includes(query?.[end - 1] as string)) end -= 1;
    return `${scheme}${place}${query?.slice(end) ?? ''}`;
  });
}
