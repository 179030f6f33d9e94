import type { Profile as PassportProfile } from 'passport';

import { nonEmptyString } from '../api/profile';
import { addMemberDetails } from '../organization/member-fields';
import type { DingTalkUserDetails } from '../organization/wire';
import type { DingTalkInAppUserInfo } from './wire';

/**
 * The user of a login inside the DingTalk client. `id` is the `unionid`, the same id the browser
 * strategy's profile has, so one person is one user whichever way they log in.
 */
export interface InAppProfile extends PassportProfile {
  /** Always `'dingtalk'`, as for the browser login. */
  provider: 'dingtalk';
  /** Same as `unionId`. */
  id: string;
  /** DingTalk's cross-app user id. */
  unionId: string;
  /** The member's id in the organization (`userid`), for DingTalk's organization APIs. */
  userId: string;
  /** The organization the login belongs to. */
  corpId: string;
  /** The member's name, or an empty string when DingTalk sends none. */
  displayName: string;
  /** True for an administrator of the organization (`sys`). */
  isAdmin: boolean;
  /** `sys_level`: 1 main administrator, 2 sub-administrator, 100 boss, 0 anyone else. */
  adminLevel: number;
  /** Personal and work email, from the details; DingTalk verifies neither. */
  emails?: Array<{ value: string; verified: false }>;
  /** The avatar, from the details. */
  photos?: Array<{ value: string }>;
  /** `+<state_code><mobile>` (E.164), from the details of an internal app with the 手机号 permission. */
  phoneNumbers?: Array<{ value: string }>;
  /** Job title, from the details. */
  title?: string;
  /** Employee number (工号), from the details. */
  jobNumber?: string;
  /** Ids of the member's departments, from the details. */
  departmentIds?: number[];
  /** The code exchange's answer body text. */
  _raw: string;
  /** The code exchange's `result`. */
  _json: DingTalkInAppUserInfo;
  /** The details' `result`, unless `skipUserDetails`. */
  _details?: DingTalkUserDetails;
}

/**
 * Maps DingTalk's answers to an InAppProfile. Pure: no I/O, no throwing; fields that are missing,
 * empty or of the wrong type are left out.
 */
export function parseInAppProfile(
  info: DingTalkInAppUserInfo,
  raw: string,
  corpId: string,
  details: DingTalkUserDetails | undefined,
): InAppProfile {
  const displayName = nonEmptyString(info.name) ?? nonEmptyString(details?.name) ?? '';
  const profile: InAppProfile = {
    provider: 'dingtalk',
    id: info.unionid,
    unionId: info.unionid,
    userId: info.userid,
    corpId,
    displayName,
    isAdmin: info.sys === true,
    adminLevel: typeof info.sys_level === 'number' && Number.isInteger(info.sys_level) ? info.sys_level : 0,
    _raw: raw,
    _json: info,
  };
  if (!details) return profile;
  profile._details = details;
  addMemberDetails(profile, details);
  return profile;
}
