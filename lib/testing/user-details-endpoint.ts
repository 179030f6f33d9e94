import type { IncomingMessage, ServerResponse } from 'node:http';

import { absoluteAvatarURL } from './avatar';
import type { EmulatorContext } from './context';
import { oapiText } from './oapi-messages';
import { acceptOAPICall } from './oapi-request';
import { sendOAPIError, sendOAPIResult } from './oapi-response';
import { isAdministrator, type Membership, memberByUserId } from './organization-membership';

/**
 * `POST /topapi/v2/user/get?access_token=...` with `{ userid, language? }` (shared reference §3d):
 * a member's details in the organization of the app token. `language` (zh_CN, the default, or
 * en_US) picks the language of the organization's contact data; the emulator keeps one, so every
 * value gets the same answer.
 */
export async function handleUserDetailsRequest(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const call = await acceptOAPICall(context, req, res, query, 'qyapi_get_member');
  if (!call) return;
  const { parameters, corpId } = call;
  const userId = parameters.get('userid');
  const member = userId ? memberByUserId(context.users, corpId, userId) : undefined;
  if (!member) {
    // 60121 "找不到该用户" by default, as a public capture shows for a userid the organization does
    // not know (and Casdoor's client checks); 33012 "无效的USERID", the error this endpoint's own
    // page lists (§3d), with the unknownUserIdError option. A missing userid gets the same: a guess.
    if (context.unknownUserIdError === 33012)
      sendOAPIError(res, 33012, oapiText('invalidUserId', context.oapiMessages));
    else sendOAPIError(res, 60121, oapiText('userNotFound', context.oapiMessages));
    return;
  }
  sendOAPIResult(res, detailsOf(context, member, req.headers.host));
}

/**
 * The member's details, in the fields of DingTalk's SDK model OapiV2UserGetResponse. A third-party
 * enterprise app (ISV) is not given the mobile number, its country code, the email, the
 * organization's mailbox nor the manager ("ISV: not returned", §3d; the model's manager_userid is
 * "仅限企业内部开发调用"). `org_email` is no personal data, yet DingTalk's page and older SDKs
 * ("员工的企业邮箱（ISV不可见）") withhold it from ISVs too. Absent values are left out, as DingTalk
 * leaves out a default avatar.
 */
function detailsOf(context: EmulatorContext, member: Membership, host: string | undefined): Record<string, unknown> {
  const { user, organization } = member;
  const isv = context.app.type === 'third-party-enterprise';
  const details: Record<string, unknown> = { userid: member.userId, unionid: user.unionId, name: user.nick };
  if (user.avatarUrl !== undefined) details.avatar = absoluteAvatarURL(user.avatarUrl, host);
  if (!isv && user.stateCode !== undefined) details.state_code = user.stateCode;
  if (!isv && organization.managerUserId !== undefined) details.manager_userid = organization.managerUserId;
  if (!isv && user.mobile !== undefined) details.mobile = user.mobile;
  details.hide_mobile = false;
  if (organization.title !== undefined) details.title = organization.title;
  if (organization.jobNumber !== undefined) details.job_number = organization.jobNumber;
  if (!isv && user.email !== undefined) details.email = user.email;
  if (!isv && organization.orgEmail !== undefined) details.org_email = organization.orgEmail;
  details.dept_id_list = [...member.deptIds];
  if (organization.hiredDate !== undefined) details.hired_date = organization.hiredDate;
  details.active = true;
  details.admin = isAdministrator(member.sysLevel);
  details.boss = member.sysLevel === 100;
  details.senior = false;
  details.real_authed = true;
  details.exclusive_account = false;
  const leads = organization.leaderInDeptIds;
  if (leads !== undefined) {
    details.leader_in_dept = member.deptIds.map((deptId) => ({ dept_id: deptId, leader: leads.includes(deptId) }));
  }
  if (organization.roles !== undefined) {
    details.role_list = organization.roles.map((role) => ({
      id: role.id,
      name: role.name,
      group_name: role.groupName,
    }));
  }
  return details;
}
