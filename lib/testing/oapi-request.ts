import type { IncomingMessage, ServerResponse } from 'node:http';

import { mediaType, readBody } from './body';
import type { EmulatorContext } from './context';
import { sendOAPI, sendOAPIError } from './oapi-response';

/**
 * The parameters of an oapi call (`code`, `userid`, ...): from a JSON body, a form body, or the
 * query. DingTalk's own samples use all three (shared reference §3a), so each is accepted; the
 * body wins over the query. Undefined once the answer is sent (a body too large) or the client
 * went away.
 */
async function readOAPIParameters(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<Map<string, string> | undefined> {
  const parameters = new Map<string, string>();
  for (const [name, value] of query) if (!parameters.has(name)) parameters.set(name, value);
  const raw = await readBody(req);
  if (!raw.ok) {
    if (raw.reason === 'too-large') {
      // 40035 is DingTalk's "不合法的参数"; what oapi answers an oversized body is a guess.
      sendOAPIError(res, 40035, '不合法的参数：请求体过大 / The request body is too large.', {
        status: 413,
        headers: { connection: 'close' },
      });
    }
    return undefined;
  }
  for (const [name, value] of bodyFields(mediaType(req), raw.text)) parameters.set(name, value);
  return parameters;
}

/** A body's string fields; an unparseable body has none, so a call with it lacks its parameters. */
function bodyFields(type: string, text: string): [string, string][] {
  if (type === 'application/x-www-form-urlencoded') return [...new URLSearchParams(text)];
  if (type !== 'application/json') return [];
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    return Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  } catch {
    return [];
  }
}

/** What an oapi call that passed the gateway's checks carries. */
export interface AcceptedOAPICall {
  /** The call's parameters, from the body or the query. */
  parameters: Map<string, string>;
  /** The organization of the app token it was made with. */
  corpId: string;
}

/**
 * How an endpoint refuses an app token. `top-level`: errcode 40014 or 42001 itself, as the global
 * error table lists them (shared reference §3b). `wrapped-in-88`: errcode 88 (鉴权异常) with the
 * code as `sub_code`, as seen from topapi endpoints in third-party logs
 * (cryozerolabs/n8n-nodes-dingtalk#12: "ding talk error[subcode=40014,submsg=不合法的access_token]").
 */
export type TokenRefusal = 'top-level' | 'wrapped-in-88';

/**
 * An oapi call checked as DingTalk checks it, in this order: its parameters are read, the app
 * token is looked up, the app's `permission` is required. Undefined once the refusal is answered.
 * The default is what getuserinfo and user/get answer today; making every oapi endpoint wrap a
 * refused token is a change of this default alone.
 */
export async function acceptOAPICall(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  permission: string,
  tokenRefusal: TokenRefusal = 'top-level',
): Promise<AcceptedOAPICall | undefined> {
  const parameters = await readOAPIParameters(req, res, query);
  if (!parameters) return undefined;
  const corpId = appTokenOrganization(context, query, res, tokenRefusal);
  if (corpId === undefined || !requirePermission(context, permission, res)) return undefined;
  return { parameters, corpId };
}

/**
 * The organization of the app access token in the query, or undefined once the error is answered:
 * 40014 for no token or one never issued (or revoked), 42001 for an expired one (the global error
 * table, shared reference §3b). The token is read from the query only: "access_token这个参数应该是
 * 带在url后面的" (ibid., 40014).
 */
function appTokenOrganization(
  context: EmulatorContext,
  query: URLSearchParams,
  res: ServerResponse,
  tokenRefusal: TokenRefusal,
): string | undefined {
  const token = query.get('access_token');
  const check = token ? context.appTokens.check(token) : ({ ok: false, reason: 'unknown' } as const);
  if (check.ok) return check.corpId;
  const [errcode, errmsg] = check.reason === 'expired' ? [42001, 'access_token超时'] : [40014, '不合法的access_token'];
  if (tokenRefusal === 'top-level') {
    sendOAPIError(res, errcode, errmsg);
  } else {
    // The fields as reported for topapi calls (only the errmsg is in a public log); that an expired
    // token is wrapped the same way is a guess.
    sendOAPI(res, {
      errcode: 88,
      sub_code: String(errcode),
      sub_msg: errmsg,
      errmsg: `ding talk error[subcode=${errcode},submsg=${errmsg}]`,
    });
  }
  return undefined;
}

/** True when the app holds `permission`; otherwise answers errcode 60011 (ibid.). */
function requirePermission(context: EmulatorContext, permission: string, res: ServerResponse): boolean {
  if (context.permissions.has(permission)) return true;
  sendOAPIError(res, 60011, '没有调用该接口的权限');
  return false;
}
