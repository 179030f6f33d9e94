import type { Profile as PassportProfile } from 'passport';

import { nonEmptyString, phoneNumberOf } from '../api/profile';
import type { DingTalkInAppUserInfo, DingTalkUserDetails } from './wire';

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
  const emails = [details.email, details.org_email].map(nonEmptyString).filter((email) => email !== undefined);
  if (emails.length > 0) profile.emails = [...new Set(emails)].map((value) => ({ value, verified: false }));
  const avatar = nonEmptyString(details.avatar);
  if (avatar) profile.photos = [{ value: avatar }];
  const phoneNumber = phoneNumberOf(details.mobile, details.state_code);
  if (phoneNumber) profile.phoneNumbers = [{ value: phoneNumber }];
  const title = nonEmptyString(details.title);
  if (title) profile.title = title;
  const jobNumber = nonEmptyString(details.job_number);
  if (jobNumber) profile.jobNumber = jobNumber;
  const departments = details.dept_id_list;
  if (Array.isArray(departments) && departments.every((id) => typeof id === 'number')) {
    profile.departmentIds = [...departments];
  }
  return profile;
}
