import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * A request id as oapi.dingtalk.com writes it in the body: a dozen lower-case letters and digits,
 * such as `15s8zeioz2sf6` (seen in its answers; the exact length is a guess).
 */
export function newOAPIRequestId(): string {
  return Array.from(randomBytes(13), (byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * Answers the way oapi.dingtalk.com does: always HTTP 200, success or not, the outcome in
 * `errcode`/`errmsg` (shared reference §3c), with a fresh `request_id`. No `x-acs-request-id`
 * header: that is the v1.0 gateway's.
 */
export function sendOAPI(res: ServerResponse, body: Record<string, unknown>, extra: OAPIAnswerOptions = {}): void {
  const text = JSON.stringify({ ...body, request_id: newOAPIRequestId() });
  res.writeHead(extra.status ?? 200, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...extra.headers,
  });
  res.end(text);
}

/** What a fault may change in an oapi answer. */
export interface OAPIAnswerOptions {
  /** Another status than 200: a fault's, or the front proxy's 413 to an oversized body. */
  status?: number;
  headers?: Record<string, string>;
}

/** An oapi error: HTTP 200 with a non-zero `errcode`. */
export function sendOAPIError(res: ServerResponse, errcode: number, errmsg: string, extra?: OAPIAnswerOptions): void {
  sendOAPI(res, { errcode, errmsg }, extra);
}

/** An oapi success: errcode 0, errmsg "ok" and the `result`. */
export function sendOAPIResult(res: ServerResponse, result: Record<string, unknown>): void {
  sendOAPI(res, { errcode: 0, errmsg: 'ok', result });
}
