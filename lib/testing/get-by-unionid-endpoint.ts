import type { IncomingMessage, ServerResponse } from 'node:http';

import type { EmulatorContext } from './context';
import { externalContactIn } from './external-contacts';
import { oapiText } from './oapi-messages';
import { acceptOAPICall } from './oapi-request';
import { sendOAPIError, sendOAPIResult } from './oapi-response';
import { membershipIn } from './organization-membership';

/**
 * `POST /topapi/user/getbyunionid?access_token=...` with `{ unionid }` (DingTalk's page
 * "query-a-user-by-the-union-id"): who a DingTalk user is in the organization of the app token.
 * A member is `contact_type` 0, an external contact (外部联系人) 1, each with their userid there.
 */
export async function handleGetByUnionIdRequest(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const call = await acceptOAPICall(context, req, res, query, 'qyapi_get_member');
  if (!call) return;
  const { parameters, corpId } = call;
  const unionId = parameters.get('unionid');
  const user = unionId ? context.users.find((candidate) => candidate.unionId === unionId) : undefined;
  const member = user && membershipIn(user, corpId);
  if (member) {
    sendOAPIResult(res, { contact_type: 0, userid: member.userId });
    return;
  }
  const contact = user && externalContactIn(user, corpId);
  if (contact) {
    sendOAPIResult(res, { contact_type: 1, userid: contact.userId });
    return;
  }
  // 60121 "找不到该用户" is what public clients (Casdoor's idp/dingtalk.go, Go clients) take for
  // someone the organization does not know. A missing unionid gets the same answer: a guess.
  sendOAPIError(res, 60121, oapiText('userNotFound', context.oapiMessages));
}
