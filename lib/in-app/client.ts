import { DingTalkAPIError, DingTalkResponseError } from '../api/errors';
import type { OapiResult, OrganizationClient } from '../organization/client';
import type { DingTalkInAppUserInfo } from './wire';

/** `POST /topapi/v2/user/getuserinfo` with the in-client code: who the user is. */
export async function exchangeInAppCode(
  client: OrganizationClient,
  userInfoURL: URL,
  accessToken: string,
  code: string,
): Promise<OapiResult<DingTalkInAppUserInfo>> {
  const answer = await client.callOapi('userinfo', userInfoURL, accessToken, { code }, [code]);
  const { json } = answer;
  if (typeof json.unionid !== 'string' || json.unionid.length === 0) {
    throw new DingTalkResponseError('userinfo', 200, 'answered without a unionid');
  }
  if (typeof json.userid !== 'string' || json.userid.length === 0) {
    throw new DingTalkResponseError('userinfo', 200, 'answered without a userid');
  }
  return answer as OapiResult<DingTalkInAppUserInfo>;
}

/** True when DingTalk refused the in-client code (40078: unknown, expired or used): the page asks for another. */
export function isRejectedInAppCode(error: unknown): error is DingTalkAPIError {
  if (!(error instanceof DingTalkAPIError) || error.endpoint !== 'userinfo') return false;
  return error.code === '40078' || (error.code === '88' && error.subCode === '40078');
}
