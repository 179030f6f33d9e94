import { DingTalkAPIError, type DingTalkAPIErrorDetails, type DingTalkEndpoint, DingTalkResponseError } from './errors';
import { headerOf } from './http';
import { redactSecrets } from './redact';

/** An answer from DingTalk, read in full (up to the size bound). */
export interface ReceivedResponse {
  status: number;
  /** The answer's headers, read only when an answer is not a success (each lookup costs). */
  headers: { get(name: string): string | null };
  body: string;
}

/**
 * The one place where an answer from DingTalk becomes either a JSON object or a typed error, in
 * this order: a DingTalk error body, then an unparseable body, then success. `secrets` are the
 * values sent with the request; they are cut out of anything DingTalk says back.
 */
export function interpretResponse(
  endpoint: DingTalkEndpoint,
  response: ReceivedResponse,
  secrets: readonly (string | undefined)[],
): Record<string, unknown> {
  const json = parseJSONObject(response.body);
  const apiError = json && readAPIError(response, json, secrets);
  if (apiError) throw new DingTalkAPIError(endpoint, apiError);
  const ok = response.status >= 200 && response.status < 300;
  if (json && ok) return json;
  throw new DingTalkResponseError(endpoint, response.status, describeUnexpectedBody(response, ok));
}

function parseJSONObject(body: string): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(body);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Reads DingTalk's v1.0 error shape (`code` string) and the legacy one (`errcode` number). */
function readAPIError(
  response: ReceivedResponse,
  json: Record<string, unknown>,
  secrets: readonly (string | undefined)[],
): DingTalkAPIErrorDetails | undefined {
  const ok = response.status >= 200 && response.status < 300;
  let code: string | undefined;
  let description: unknown;
  if (!ok && (typeof json.code === 'string' || typeof json.code === 'number')) {
    code = String(json.code);
    description = json.message;
  } else if (
    (typeof json.errcode === 'number' && json.errcode !== 0) ||
    (typeof json.errcode === 'string' && /^-?\d+$/.test(json.errcode) && Number(json.errcode) !== 0)
  ) {
    // The legacy oapi gateway answers HTTP 200 with a non-zero errcode, which its own calling
    // guide writes as a string ("errcode":"0"): a number in either form is an error.
    code = typeof json.errcode === 'number' ? String(json.errcode) : json.errcode.replace(/^(-?)0+(?=\d)/, '$1');
    description = json.errmsg;
  } else if (!ok && typeof json.errcode === 'string') {
    code = json.errcode;
    description = json.errmsg;
  } else if (isEgressIPBlock(json)) {
    // DingTalk's block of an egress IP that called too often: {"status":1111,"wait":5,"punish":"deny",...}.
    code = '1111';
    description = 'the egress IP called DingTalk too often and is blocked for a while';
  }
  if (code === undefined) return undefined;

  // Every text DingTalk sends back is cut short and cleaned of the secrets of this request.
  const clean = (text: string, max: number) => clip(redactSecrets(text, secrets), max);
  const details: DingTalkAPIErrorDetails = {
    dingtalkStatus: response.status,
    code: clean(code, 200),
    description: clean(typeof description === 'string' ? description : '', 1000),
  };
  const requestId =
    stringField(json, 'requestid') ??
    stringField(json, 'requestId') ??
    stringField(json, 'request_id') ??
    headerOf(response, 'x-acs-request-id');
  if (requestId) details.requestId = clean(requestId, 200);
  // The oapi's errcode 88 (鉴权异常) names the actual problem in sub_code and sub_msg.
  const subCode = codeField(json, 'sub_code') ?? codeField(json, 'subcode');
  if (subCode !== undefined) {
    details.subCode = clean(subCode, 200);
    const subMessage = stringField(json, 'sub_msg') ?? stringField(json, 'submsg');
    if (subMessage) details.subDescription = clean(subMessage, 1000);
  }
  const requiredScopes = readRequiredScopes(json.accessdenieddetail)?.map((scope) => clean(scope, 200));
  if (requiredScopes) details.requiredScopes = requiredScopes;
  const retryAfter = parseRetryAfter(headerOf(response, 'retry-after'));
  if (retryAfter !== undefined) details.retryAfterSeconds = retryAfter;
  return details;
}

/** DingTalk's block of an egress IP: `{"status":1111,"wait":5,"source":"x5","punish":"deny","uuid":"…"}`. */
function isEgressIPBlock(json: Record<string, unknown>): boolean {
  const status = json.status;
  if (status !== 1111 && status !== '1111') return false;
  if ('accessToken' in json || 'unionId' in json) return false;
  return typeof json.punish === 'string' || typeof json.wait === 'number';
}

function readRequiredScopes(detail: unknown): string[] | undefined {
  if (!isPlainObject(detail) || !Array.isArray(detail.requiredScopes)) return undefined;
  const scopes = detail.requiredScopes.filter((scope): scope is string => typeof scope === 'string');
  return scopes.length > 0 ? scopes : undefined;
}

function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function describeUnexpectedBody(response: ReceivedResponse, ok: boolean): string {
  const contentType = headerOf(response, 'content-type');
  const kind = contentType ? contentType.split(';')[0]?.trim() : 'no content type';
  if (response.body.length === 0) return `answered with an empty body (${kind})`;
  const what = ok ? 'a body that is not a JSON object' : 'an error page that is not DingTalk JSON';
  return `answered with ${what} (${kind}); a proxy or gateway may be in the way`;
}

function stringField(json: Record<string, unknown>, name: string): string | undefined {
  const value = json[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function codeField(json: Record<string, unknown>, name: string): string | undefined {
  const value = json[name];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
