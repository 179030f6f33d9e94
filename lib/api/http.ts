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
 */
export async function sendRequest(settings: HttpSettings, request: OutgoingRequest): Promise<ReceivedResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, settings.timeoutMs);
  try {
    const init: FetchRequestInit = { method: request.method, headers: request.headers, signal: controller.signal };
    if (request.body !== undefined) init.body = request.body;
    const agent = settings.agentFor(request.url);
    if (agent) init.agent = agent;
    const response = await settings.fetch(request.url.href, init);
    const body = await readBody(request.endpoint, response, settings.maxResponseBytes, controller);
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      requestIdHeader: response.headers.get('x-acs-request-id'),
      retryAfterHeader: response.headers.get('retry-after'),
      body,
    };
  } catch (error) {
    if (timedOut) throw new DingTalkTimeoutError(request.endpoint, settings.timeoutMs);
    if (error instanceof DingTalkResponseError) throw error;
    throw new DingTalkNetworkError(request.endpoint, describeNetworkFailure(error), { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

async function readBody(
  endpoint: DingTalkEndpoint,
  response: FetchResponse,
  maxBytes: number,
  controller: AbortController,
): Promise<string> {
  const tooLarge = () => {
    // Aborting drops the connection, so the rest of the body is never buffered.
    controller.abort();
    return new DingTalkResponseError(endpoint, response.status, `answered with a body larger than ${maxBytes} bytes`);
  };
  const declared = response.headers.get('content-length');
  const declaredLength = Number(declared);
  if (declaredLength > maxBytes) throw tooLarge();
  // A declared length bounds the body (the HTTP parser stops there) unless a content coding makes
  // it expand: text() is then safe, and cheaper than async iteration (an iterator, end-of-stream
  // listeners and a promise per chunk).
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
  return chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
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
