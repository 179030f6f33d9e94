import type { Agent } from 'node:http';
import { type DingTalkEndpoint, DingTalkNetworkError, DingTalkResponseError, DingTalkTimeoutError } from './errors';
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
  /** True when `fetch` is the bundled node-fetch, which enforces `size` itself. */
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
}

/**
 * Sends one request and reads the whole answer, bounded in time (`timeoutMs` covers connecting,
 * waiting and reading the body) and in size (`maxResponseBytes`).
 *
 * Why one AbortController and one timer rather than `AbortSignal.timeout()`: a body over the size
 * bound must drop the connection at once (node-fetch's `size` check rejects but keeps reading),
 * which needs a signal this code can abort; `AbortSignal.any()` of the two measured slower
 * (docs/reliability-and-performance.md).
 */
export async function sendRequest(settings: HttpSettings, request: OutgoingRequest): Promise<ReceivedResponse> {
  const controller = new AbortController();
  const timer = setTimeout(abort, settings.timeoutMs, controller);
  try {
    const init: FetchRequestInit = { method: request.method, headers: request.headers, signal: controller.signal };
    if (request.body !== undefined) init.body = request.body;
    const agent = settings.agentFor(request.url);
    if (agent) init.agent = agent;
    if (settings.fetchEnforcesSize) init.size = settings.maxResponseBytes;
    const response = await settings.fetch(request.url.href, init);
    const body = await readBody(request.endpoint, response, settings, controller);
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (controller.signal.reason === timedOut) throw new DingTalkTimeoutError(request.endpoint, settings.timeoutMs);
    if (error instanceof DingTalkResponseError) throw error;
    throw new DingTalkNetworkError(request.endpoint, describeNetworkFailure(error), {
      cause: withoutQueryStrings(error),
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

async function readBody(
  endpoint: DingTalkEndpoint,
  response: FetchResponse,
  settings: HttpSettings,
  controller: AbortController,
): Promise<string> {
  const maxBytes = settings.maxResponseBytes;
  const tooLarge = () => {
    // Aborting drops the connection, so the rest of the body is never read.
    controller.abort();
    return new DingTalkResponseError(endpoint, response.status, `answered with a body larger than ${maxBytes} bytes`);
  };
  // A declared length over the bound is refused before waiting for the body.
  const declared = response.headers.get('content-length');
  const declaredLength = Number(declared);
  if (declaredLength > maxBytes) throw tooLarge();
  if (settings.fetchEnforcesSize) {
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
  const code = errorCode(error) ?? errorCode(error instanceof Error ? error.cause : undefined);
  return `the request failed before DingTalk answered${code ? ` (${code})` : ''}`;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * The HTTP client's error, kept as the cause, without the query strings of the URLs it quotes
 * (node-fetch puts the whole URL in its messages; an oapi URL carries `access_token=`). The
 * fields that say what happened (`name`, `code`, `errno`, `type`, `syscall`) are kept.
 */
function withoutQueryStrings(error: unknown): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const clean = (text: string) => text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#]*)[?#][^\s]*/gi, '$1');
  const copy = new Error(clean(source.message));
  copy.name = source.name;
  for (const field of ['code', 'errno', 'type', 'syscall'] as const) {
    const value = (source as unknown as Record<string, unknown>)[field];
    if (typeof value === 'string' || typeof value === 'number') Object.assign(copy, { [field]: value });
  }
  if (source.cause instanceof Error) copy.cause = withoutQueryStrings(source.cause);
  return copy;
}
