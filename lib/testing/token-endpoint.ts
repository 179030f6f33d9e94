import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendAPIError, sendJSON } from './api-response';
import type { EmulatorContext } from './context';
import type { Grant } from './grants';
import { readJSONRequestFields } from './json-body';
import { sameSecret } from './secret';

const fields = ['clientId', 'clientSecret', 'grantType', 'code', 'refreshToken'] as const;

/**
 * `POST /v1.0/oauth2/userAccessToken` (shared reference §3): JSON in, camelCase JSON out. DingTalk
 * publishes few error codes for this endpoint; where it does for its sibling token endpoints
 * (400 `invalidClientIdOrSecret`) or a public capture shows one (400
 * `invalidParameter.authCode.notFound` here, 400 `Missingbody` for a sibling), the emulator
 * answers the same; the rest are guesses that name the problem (docs/dingtalk-answers.md). No
 * message repeats the code, token or secret that was sent.
 */
export async function handleTokenRequest(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJSONRequestFields(req, res, fields);
  if (!body) return;
  if (!body.clientId) return missing(res, 'clientId');
  if (!body.clientSecret) return missing(res, 'clientSecret');
  // One answer for either, as DingTalk documents for its sibling token endpoints.
  if (body.clientId !== context.clientID || !sameSecret(body.clientSecret, context.clientSecret)) {
    sendAPIError(res, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
    return;
  }
  if (!body.grantType) return missing(res, 'grantType');
  if (body.grantType === 'authorization_code') {
    if (!body.code) return missing(res, 'code');
    const grant = context.grants.redeemCode(body.code, body.clientId);
    if (!grant) {
      // A third-party capture of DingTalk's answer (docs/dingtalk-answers.md); the code is an option.
      sendAPIError(res, 400, context.usedCodeError, '不合法的临时授权码');
      return;
    }
    answerWithTokens(context, res, grant, true);
    return;
  }
  if (body.grantType === 'refresh_token') {
    if (!body.refreshToken) return missing(res, 'refreshToken');
    const grant = context.grants.redeemRefreshToken(body.refreshToken, body.clientId);
    if (!grant) {
      sendAPIError(
        res,
        400,
        'invalidRefreshToken',
        'refreshToken 无效、已被使用或已过期。/ The refreshToken is invalid, already used or expired.',
      );
      return;
    }
    answerWithTokens(context, res, grant);
    return;
  }
  sendAPIError(
    res,
    400,
    'unsupportedGrantType',
    'grantType 只能是 authorization_code 或 refresh_token。/ grantType must be authorization_code or refresh_token.',
  );
}

function answerWithTokens(context: EmulatorContext, res: ServerResponse, grant: Grant, login = false): void {
  const tokens = context.grants.issueTokens(grant, login);
  // corpId only when the user was asked for an organization (scope `corpid`), as DingTalk does.
  const corpId = grant.scopes.includes('corpid') ? grant.corpId : undefined;
  sendJSON(res, 200, corpId === undefined ? tokens : { ...tokens, corpId });
}

function missing(res: ServerResponse, field: string): void {
  sendAPIError(res, 400, 'MissingParameter', `缺少参数 ${field}。/ The parameter ${field} is missing.`);
}
