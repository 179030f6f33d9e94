import { nonEmptyString, type Profile } from '../api/profile';
import type { OrganizationClient } from '../organization/client';
import { addMemberDetails, type MemberFields } from '../organization/member-fields';
import type { DingTalkInAppUserInfo } from './wire';

/**
 * The user of a login inside the DingTalk client. `id` is the `unionid`, the same id the browser
 * strategy's profile has, so one person is one user whichever way they log in.
 */
export interface InAppProfile extends Omit<Profile, '_json' | 'openId' | 'corpId'>, MemberFields {
  /** True for an administrator of the organization (`sys`). */
  isAdmin: boolean;
  /** `sys_level`: 1 main administrator, 2 sub-administrator, 100 boss, 0 anyone else. */
  adminLevel: number;
  /** The code exchange's `result`. */
  _json: DingTalkInAppUserInfo;
}

/** What the organization answered about the user of an in-client code. */
type InAppUser = Awaited<ReturnType<OrganizationClient['inAppUser']>>;

/**
 * Maps DingTalk's answers to an InAppProfile. Pure: no I/O, no throwing; fields that are missing,
 * empty or of the wrong type are left out.
 */
export function parseInAppProfile({ info, raw, details }: InAppUser, corpId: string): InAppProfile {
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
  if (details) addMemberDetails(profile, details);
  return profile;
}
