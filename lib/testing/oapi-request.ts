import type { IncomingMessage, ServerResponse } from 'node:http';

import { mediaType, readBody } from './body';
import type { EmulatorContext } from './context';
import { oapiText } from './oapi-messages';
import { sendOAPI, sendOAPIError } from './oapi-response';

/**
 * The parameters of an oapi call (`code`, `userid`, `access_token`, ...): from a JSON body, a form
 * body, or the query. DingTalk's own samples use all three (shared reference §3a), so each is accepted; the
 * body wins over the query. Undefined once the answer is sent (a body too large) or the client
 * went away.
 */
async function readOAPIParameters(
  context: EmulatorContext,
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
      sendOAPIError(res, 40035, oapiText('bodyTooLarge', context.oapiMessages), {
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
    // The app token is read from the query or a form body only: oapi's gateway reads its own
    // parameters as form fields, a JSON body being the API's (a guess that it ignores one there).
    return Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'access_token',
    );
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
 * An oapi call checked as DingTalk checks it, in this order: its parameters are read, the app
 * token is looked up, the app's `permission` is required. Undefined once the refusal is answered.
 */
export async function acceptOAPICall(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  permission: string,
): Promise<AcceptedOAPICall | undefined> {
  const parameters = await readOAPIParameters(context, req, res, query);
  if (!parameters) return undefined;
  const corpId = appTokenOrganization(context, parameters, res);
  if (corpId === undefined || !requirePermission(context, permission, res)) return undefined;
  return { parameters, corpId };
}

/**
 * The organization of the app token, or undefined once the refusal is answered. topapi endpoints
 * wrap the refusal in errcode 88 (鉴权异常) with the actual code as `sub_code`:
 * `{"errcode":88,"sub_code":"40014","sub_msg":"不合法的access_token","errmsg":"ding talk
 * error[subcode=40014,submsg=不合法的access_token]"}` for a token never issued or revoked (a live
 * probe's log; cryozerolabs/n8n-nodes-dingtalk#12 shows the same errmsg), sub_code "40000"
 * "access_token is blank" for none (the same log), and 42001 "access_token超时" for an expired one
 * (a guess: the code is the global error table's, shared reference §3b; that it is wrapped alike is
 * not seen). The token is read from the query or a form body.
 */
function appTokenOrganization(
  context: EmulatorContext,
  parameters: Map<string, string>,
  res: ServerResponse,
): string | undefined {
  const token = parameters.get('access_token');
  if (!token) {
    sendWrappedTokenRefusal(context, res, '40000', 'blankToken');
    return undefined;
  }
  const check = context.appTokens.check(token);
  if (check.ok) return check.corpId;
  if (check.reason === 'expired') sendWrappedTokenRefusal(context, res, '42001', 'expiredToken');
  else sendWrappedTokenRefusal(context, res, '40014', 'invalidToken');
  return undefined;
}

function sendWrappedTokenRefusal(
  context: EmulatorContext,
  res: ServerResponse,
  subCode: string,
  message: 'blankToken' | 'expiredToken' | 'invalidToken',
): void {
  const text = oapiText(message, context.oapiMessages);
  sendOAPI(res, {
    errcode: 88,
    sub_code: subCode,
    sub_msg: text,
    errmsg: `ding talk error[subcode=${subCode},submsg=${text}]`,
  });
}

/** True when the app holds `permission`; otherwise answers errcode 60011 (shared reference §3b). */
function requirePermission(context: EmulatorContext, permission: string, res: ServerResponse): boolean {
  if (context.permissions.has(permission)) return true;
  sendOAPIError(res, 60011, oapiText('noPermission', context.oapiMessages));
  return false;
}
