import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendAPIError, sendJSON } from './api-response';
import type { EmulatorContext } from './context';
import { readJSONRequestFields } from './json-body';
import { sameSecret } from './secret';

const fields = ['appKey', 'appSecret'] as const;

/**
 * `POST /v1.0/oauth2/accessToken` (shared reference §2a): the app access token of in-client login,
 * for the organization the app is installed in. JSON only, as DingTalk's gateway answers a form
 * body 400 `Missingbody` (aliyun/alibabacloud-php-sdk#36). No message repeats the secret.
 */
export async function handleAppTokenRequest(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJSONRequestFields(req, res, fields);
  if (!body) return;
  for (const field of fields) {
    if (!body[field]) {
      // The gateway's wording for a missing body ("Missingbody", "body is mandatory for this
      // action.") applied to a missing field: a guess.
      sendAPIError(res, 400, `Missing${field}`, `${field} is mandatory for this action.`);
      return;
    }
  }
  if (body.appKey !== context.clientID || !sameSecret(body.appSecret ?? '', context.clientSecret)) {
    sendAPIError(res, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
    return;
  }
  const accessToken = context.appTokens.tokenFor(context.inClientCorpId);
  sendJSON(res, 200, { accessToken, expireIn: context.appTokens.ttlSeconds });
}
