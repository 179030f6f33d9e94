import { DingTalkAPIError, type DingTalkAPIErrorDetails, type DingTalkEndpoint, DingTalkResponseError } from './errors';
import type { FetchResponse } from './http';

/**
 * An answer from DingTalk, read in full (up to the size bound). Its headers are read only when an
 * answer is not a success (each lookup costs).
 */
export interface ReceivedResponse extends Pick<FetchResponse, 'status' | 'headers'> {
  body: string;
}

/**
 * The one place where an answer from DingTalk becomes either a JSON object or a typed error, in
 * this order: a DingTalk error body, then an unparseable body, then success. `secrets` are the
 * values sent with the request; they are cut out of anything DingTalk says back.
 */
export function interpretResponse(endpoint: DingTalkEndpoint, response: ReceivedResponse, secrets: Secrets) {
  let json: Record<string, unknown> | undefined;
  try {
    const value: unknown = JSON.parse(response.body);
    if (isPlainObject(value)) json = value;
  } catch {
    // Not JSON: told apart below.
  }
  const ok = response.status >= 200 && response.status < 300;
  const apiError = json && readAPIError(response, ok, json, secrets);
  if (apiError) throw new DingTalkAPIError(endpoint, apiError);
  if (json && ok) return json;
  const kind = headerOf(response, 'content-type')?.split(';')[0]?.trim() || 'no content type';
  if (!response.body)
    throw new DingTalkResponseError(endpoint, response.status, `answered with an empty body (${kind})`);
  const what = ok ? 'a body that is not a JSON object' : 'an error page that is not DingTalk JSON';
  const message = `answered with ${what} (${kind}); a proxy or gateway may be in the way`;
  throw new DingTalkResponseError(endpoint, response.status, message);
}

/** Reads DingTalk's v1.0 error shape (`code` string) and the legacy one (`errcode` number). */
function readAPIError(response: ReceivedResponse, ok: boolean, json: Record<string, unknown>, secrets: Secrets) {
  const { code, errcode, status } = json;
  // The legacy oapi gateway answers HTTP 200 with a non-zero errcode, which its own calling
  // guide writes as a string ("errcode":"0"): a number in either form is an error.
  const numeric = typeof errcode === 'number' || (typeof errcode === 'string' && /^-?\d+$/.test(errcode));
  let found: [string, unknown] | undefined;
  if (!ok && (typeof code === 'string' || typeof code === 'number')) found = [String(code), json.message];
  else if (numeric && Number(errcode) !== 0) found = [String(errcode).replace(/^(-?)0+(?=\d)/, '$1'), json.errmsg];
  else if (!ok && typeof errcode === 'string') found = [errcode, json.errmsg];
  else if (
    // DingTalk's block of an egress IP that called too often: {"status":1111,"wait":5,"punish":"deny",...}.
    (status === 1111 || status === '1111') &&
    !('accessToken' in json || 'unionId' in json) &&
    (typeof json.punish === 'string' || typeof json.wait === 'number')
  )
    found = ['1111', 'the egress IP called DingTalk too often and is blocked for a while'];
  if (!found) return undefined;

  // Every text DingTalk sends back is cut short and cleaned of the secrets of this request.
  const clean = (text: unknown, max: number) => {
    const cleaned = redactSecrets(typeof text === 'string' ? text : '', secrets);
    return cleaned.length > max ? `${cleaned.slice(0, max)}…` : cleaned;
  };
  const details: DingTalkAPIErrorDetails = {
    dingtalkStatus: response.status,
    code: clean(found[0], 200),
    description: clean(found[1], 1000),
  };
  const requestId = textField(json, 'requestid', 'requestId', 'request_id') ?? headerOf(response, 'x-acs-request-id');
  if (requestId) details.requestId = clean(requestId, 200);
  // The oapi's errcode 88 (鉴权异常) names the actual problem in sub_code and sub_msg.
  const subCode = textField(json, 'sub_code', 'subcode');
  if (subCode !== undefined) {
    details.subCode = clean(subCode, 200);
    const subMessage = textField(json, 'sub_msg', 'submsg');
    if (subMessage) details.subDescription = clean(subMessage, 1000);
  }
  const detail = json.accessdenieddetail;
  const scopes = isPlainObject(detail) && Array.isArray(detail.requiredScopes) ? detail.requiredScopes : [];
  const requiredScopes = scopes.flatMap((scope) => (typeof scope === 'string' ? [clean(scope, 200)] : []));
  if (requiredScopes.length > 0) details.requiredScopes = requiredScopes;
  // Retry-After in seconds or as an HTTP date.
  const retryAfter = headerOf(response, 'retry-after');
  const seconds = Number(retryAfter);
  const date = Date.parse(retryAfter ?? '');
  if (retryAfter && Number.isFinite(seconds) && seconds >= 0) details.retryAfterSeconds = seconds;
  else if (!Number.isNaN(date)) details.retryAfterSeconds = Math.max(0, Math.ceil((date - Date.now()) / 1000));
  return details;
}

/** The first of `names` that holds a non-empty string or a finite number, as a string. */
function textField(json: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = json[name];
    if ((typeof value === 'string' && value) || (typeof value === 'number' && Number.isFinite(value)))
      return `${value}`;
  }
  return undefined;
}

/** A header of an answer, or null; a fetch whose headers throw is treated as sending none. */
export function headerOf(response: Pick<FetchResponse, 'headers'>, name: string): string | null {
  try {
    const value = response.headers.get(name);
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** The values a request carries that must never be repeated (the client secret, a token, a code). */
export type Secrets = readonly (string | undefined)[];

/** Replaces every occurrence of each secret in `text`, in any letter case, with `[redacted]`. */
export function redactSecrets(text: string, secrets: Secrets): string {
  let result = text;
  for (const secret of secrets) {
    // A very short value would also blank out ordinary words, and cannot be a real credential.
    if (!secret || secret.length < 4 || !result.toLowerCase().includes(secret.toLowerCase())) continue;
    result = result.replace(new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), '[redacted]');
  }
  return result;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
