import type { IncomingMessage, ServerResponse } from 'node:http';

import { membershipRefusal } from './app-type';
import { mediaType, readBody } from './body';
import { renderConsentPage } from './consent-page';
import type { EmulatorContext } from './context';
import { renderErrorPage } from './error-page';
import { sendHTML } from './html';
import { accountChoices, type LoginRequest, readLoginRequest } from './login-request';
import type { Problem } from './problem';

/** `GET /oauth2/auth`: the consent page for a valid request, an error page (never a redirect) otherwise. */
export function handleAuthorize(context: EmulatorContext, query: URLSearchParams, res: ServerResponse): void {
  const request = readLoginRequest(query, context.clientID, context.redirects);
  if (!request.ok) {
    sendHTML(res, 400, renderErrorPage(request.problem));
    return;
  }
  sendHTML(
    res,
    200,
    renderConsentPage(request.value, accountChoices(request.value, context.users, ownerCorpId(context))),
  );
}

/**
 * `POST /oauth2/consent`: the user's decision. Every field comes from the browser, so the login
 * request is checked again in full and the account must be one the page could have offered.
 */
export async function handleConsent(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    showError(res, 400, {
      code: 'invalid_content_type',
      zh: '授权表单必须以 application/x-www-form-urlencoded 提交。',
      en: 'The consent form must be posted as application/x-www-form-urlencoded.',
    });
    return;
  }
  const body = await readBody(req);
  if (!body.ok) {
    if (body.reason === 'too-large') {
      showError(res, 413, { code: 'body_too_large', zh: '请求体过大。', en: 'The request body is too large.' }, true);
    }
    return;
  }
  const form = new URLSearchParams(body.text);
  const request = readLoginRequest(form, context.clientID, context.redirects);
  if (!request.ok) {
    showError(res, 400, request.problem);
    return;
  }
  const decision = form.get('decision');
  if (decision === 'cancel') {
    redirect(res, request.value, [['error', context.cancelError]]);
    return;
  }
  if (decision !== 'authorize') {
    showError(res, 400, {
      code: 'invalid_decision',
      zh: '请点击“授权”或“取消”。',
      en: 'Press "Authorize" or "Cancel".',
    });
    return;
  }
  const account = form.get('account');
  const choice = accountChoices(request.value, context.users, ownerCorpId(context)).find(
    (offered) => offered.value === account,
  );
  if (!choice) {
    showError(res, 400, { code: 'invalid_account', zh: '请选择一个账号。', en: 'Choose one of the accounts offered.' });
    return;
  }
  const refusal = membershipRefusal(context.app, choice.user);
  if (refusal) {
    showError(res, 403, refusal);
    return;
  }
  const code = context.grants.issueCode({
    clientId: request.value.clientId,
    unionId: choice.user.unionId,
    scopes: request.value.scopes,
    corpId: choice.organization?.corpId,
  });
  // DingTalk's redirect carries the code twice, as `authCode` and `code` (a production log; its
  // embedded-QR guide says the same: 取任一即可), so an app that reads only `code` works as it does
  // against DingTalk. authCode first, as the browser login tutorial shows it.
  redirect(res, request.value, [
    ['authCode', code],
    ['code', code],
  ]);
}

function ownerCorpId(context: EmulatorContext): string | undefined {
  return context.app.type === 'internal' ? context.app.corpId : undefined;
}

function showError(res: ServerResponse, status: number, problem: Problem, closeConnection = false): void {
  sendHTML(res, status, renderErrorPage(problem), closeConnection ? { connection: 'close' } : {});
}

/**
 * Sends the browser back to the app with `params` and the state exactly as received. They are
 * appended to any query the redirect_uri already has; that query is kept as the URL parser
 * normalised it, never re-serialised as a form (which would turn `%20` into `+`).
 */
function redirect(res: ServerResponse, request: LoginRequest, params: [string, string][]): void {
  if (request.state !== undefined) params.push(['state', request.state]);
  const target = new URL(request.redirectTarget.href);
  const added = params.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
  target.search = target.search.length > 1 ? `${target.search}&${added}` : `?${added}`;
  res.writeHead(302, { location: target.href, 'cache-control': 'no-store', 'content-length': '0' });
  res.end();
}
