import type { IncomingMessage, ServerResponse } from 'node:http';

import { mediaType, readBody } from './body';
import { clientPagePath, renderClientPage } from './client-page';
import type { EmulatorContext } from './context';
import { renderDDShim } from './dd-shim';
import { renderErrorPage } from './error-page';
import { sendHTML } from './html';
import { parseJSONFields } from './json-body';
import type { Problem } from './problem';

/** Path of the JSAPI stand-in. */
export const ddScriptPath = '/emulator/dd.js';

// The page under test is on another origin (the app's), and loads the script and asks for codes
// from there.
const cors = { 'access-control-allow-origin': '*' };

/** `GET /emulator/dd.js`: the JSAPI stand-in, with this emulator's origin (the Host asked for) baked in. */
export function handleDDScript(context: EmulatorContext, req: IncomingMessage, res: ServerResponse): void {
  const origin = requestOrigin(req);
  if (origin === undefined) {
    sendText(res, 400, '请求的 Host 无效。/ The request has no valid Host header.');
    return;
  }
  const script = renderDDShim(origin, context.clientID, context.jsapiOutsideClient);
  res.writeHead(200, {
    'content-type': 'text/javascript; charset=utf-8',
    'content-length': String(Buffer.byteLength(script)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...cors,
  });
  res.end(script);
}

/**
 * `POST /emulator/client/auth-code` with `{ corpId, clientId }` as JSON (sent as text/plain by the
 * shim): a code for the member signed in to the client, as the native side of `requestAuthCode`
 * would mint it. `OPTIONS` answers a preflight, for callers that send another content type.
 */
export async function handleClientAuthCode(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      ...cors,
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
      'content-length': '0',
    });
    res.end();
    return;
  }
  const raw = await readBody(req);
  if (!raw.ok) {
    if (raw.reason === 'too-large') jsapiFailure(res, 413, 1, '请求体过大。/ The request body is too large.');
    return;
  }
  const body = parseJSONFields(raw.text, ['corpId', 'clientId', 'url'] as const);
  if (typeof body === 'string') {
    jsapiFailure(res, 400, 1, body);
    return;
  }
  // The wording a missing corpId gets in the wild (developer.aliyun.com/ask/529407, shared
  // reference §1b); its errorCode, like every errorCode here but 3, is a guess.
  if (!body.corpId) return jsapiFailure(res, 400, 1, 'corpId is required');
  if (!body.clientId) return jsapiFailure(res, 400, 1, 'clientId is required');
  if (body.corpId !== context.inClientCorpId) {
    // JSAPI errorCode 3, "对应企业没有xxxx域名微应用" (shared reference §1b): the app is not installed there.
    jsapiFailure(res, 400, 3, `对应企业没有${pageDomain(body.url)}域名微应用`);
    return;
  }
  // The client does not check the clientId (a guess): a code for another app is refused where it is
  // exchanged, by the app's token (errcode 40078).
  const code = context.inClientCodes.issue({
    clientId: body.clientId,
    corpId: body.corpId,
    unionId: context.client.signedIn.user.unionId,
  });
  sendJSON(res, 200, { code });
}

/** `GET /emulator/client`: who is signed in; `POST` (the page's form) signs another member in. */
export async function handleClientPage(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method === 'GET') {
    const origin = requestOrigin(req) ?? '';
    sendHTML(
      res,
      200,
      renderClientPage(context.client.members, {
        corpId: context.inClientCorpId,
        clientId: context.clientID,
        ddScriptURL: origin + ddScriptPath,
        signedIn: context.client.signedIn,
      }),
    );
    return;
  }
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    showError(res, 400, {
      code: 'invalid_content_type',
      zh: '表单必须以 application/x-www-form-urlencoded 提交。',
      en: 'The form must be posted as application/x-www-form-urlencoded.',
    });
    return;
  }
  const raw = await readBody(req);
  if (!raw.ok) {
    if (raw.reason === 'too-large')
      showError(res, 413, { code: 'body_too_large', zh: '请求体过大。', en: 'The request body is too large.' });
    return;
  }
  const unionId = new URLSearchParams(raw.text).get('unionId') ?? '';
  if (!context.client.signIn(unionId)) {
    showError(res, 400, {
      code: 'not_a_member',
      zh: '请选择该组织的一名成员。',
      en: 'Choose one of the members of the organization.',
    });
    return;
  }
  // Post/redirect/get: reloading the page does not post the form again.
  res.writeHead(303, { location: clientPagePath, 'cache-control': 'no-store', 'content-length': '0' });
  res.end();
}

/** `http://<Host>` when the Host header is a plain host name or address with an optional port. */
function requestOrigin(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (!host || !/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return undefined;
  return `http://${host}`;
}

function pageDomain(url: string | undefined): string {
  try {
    return url ? new URL(url).host : '该';
  } catch {
    return '该';
  }
}

/** A failure the shim turns into a rejected `requestAuthCode`, with the fields of a JSAPI error. */
function jsapiFailure(res: ServerResponse, status: number, errorCode: number, errorMessage: string): void {
  sendJSON(res, status, { errorCode, errorMessage });
}

function sendJSON(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...cors,
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain;charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function showError(res: ServerResponse, status: number, problem: Problem): void {
  sendHTML(res, status, renderErrorPage(problem), status === 413 ? { connection: 'close' } : {});
}
