import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { EmulatorContext } from './context';
import { oapiText } from './oapi-messages';
import { acceptOAPICall } from './oapi-request';
import { sendOAPIError, sendOAPIResult } from './oapi-response';
import { isAdministrator, membershipIn } from './organization-membership';

/**
 * `POST /topapi/v2/user/getuserinfo?access_token=...` (shared reference §3a): an in-client code
 * exchanged for the member it identifies, in the organization of the app token. Every refusal of
 * the code is errcode 40078, as DingTalk's FAQ gives for a code that is wrong, expired, used or of
 * another kind (§3b); that a code of another organization or app is refused the same way is a
 * guess (§"Could not confirm").
 */
export async function handleUserInfoRequest(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const call = await acceptOAPICall(context, req, res, query, 'qyapi_base');
  if (!call) return;
  const { parameters, corpId } = call;
  const code = parameters.get('code');
  const binding = code ? context.inClientCodes.redeem(code) : undefined;
  const user = binding && context.users.find((candidate) => candidate.unionId === binding.unionId);
  const member = user && membershipIn(user, corpId);
  if (!binding || binding.clientId !== context.clientID || binding.corpId !== corpId || !member) {
    sendOAPIError(res, 40078, oapiText('unknownCode', context.oapiMessages));
    return;
  }
  sendOAPIResult(res, {
    userid: member.userId,
    unionid: member.user.unionId,
    name: member.user.nick,
    sys: isAdministrator(member.sysLevel),
    sys_level: member.sysLevel,
    device_id: deviceIdOf(member.user.unionId),
    // 用户关联的unionId: DingTalk fills it for an account linked to another; no test user is.
    associated_unionid: '',
  });
}

/** A stable device id per user, in the look of DingTalk's (32 hex characters). */
function deviceIdOf(unionId: string): string {
  return createHash('sha256').update(`device:${unionId}`).digest('hex').slice(0, 32);
}
