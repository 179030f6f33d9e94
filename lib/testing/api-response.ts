import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** A request id as DingTalk's v1.0 gateway writes it: an upper-case UUID, with its dashes. */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

/** Answers with JSON the way api.dingtalk.com does, request id header included. */
export function sendJSON(
  res: ServerResponse,
  status: number,
  body: object,
  requestId: string = newRequestId(),
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-acs-request-id': requestId,
    ...headers,
  });
  res.end(text);
}

/**
 * Answers with DingTalk's v1.0 error shape: a string `code`, a `message` and the `requestid`
 * (also in the `x-acs-request-id` header). Messages never repeat a code, token or secret.
 */
export function sendAPIError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: { body?: Record<string, unknown>; headers?: Record<string, string> } = {},
): void {
  const requestId = newRequestId();
  sendJSON(res, status, { code, requestid: requestId, message, ...extra.body }, requestId, extra.headers);
}
