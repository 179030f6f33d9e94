import { nonEmptyString, phoneNumberOf } from '../api/profile';
import type { DingTalkUserDetails } from './wire';

/**
 * Who a member is in their organization, declared once: a browser login with `memberLookup`
 * (`MemberProfile`) and an in-client login (`InAppProfile`) give one member the same fields.
 */
export interface MemberFields {
  /** The member's id in the organization (`userid`), for DingTalk's organization APIs. */
  userId: string;
  /** The organization the login belongs to. */
  corpId: string;
  /** True for an administrator of the organization. */
  isAdmin?: boolean;
  /** Personal and work email; DingTalk verifies neither. */
  emails?: Array<{ value: string; verified: false }>;
  /** The avatar. */
  photos?: Array<{ value: string }>;
  /** `+<state_code><mobile>` (E.164), for an internal app with the 手机号 permission. */
  phoneNumbers?: Array<{ value: string }>;
  /** Job title, from the details. */
  title?: string;
  /** Employee number (工号), from the details. */
  jobNumber?: string;
  /** Ids of the member's departments, from the details. */
  departmentIds?: number[];
  /** user/get's `result`, unless `skipUserDetails`. */
  _details?: DingTalkUserDetails;
}

/**
 * Adds to `profile` what the details say. Contact fields the profile already has (the browser
 * login's own, from `users/me`) are kept: the user's account is the better source. Fields that are
 * missing, empty, masked or of the wrong type are left out.
 */
export function addMemberDetails(profile: Partial<MemberFields>, details: DingTalkUserDetails): void {
  profile._details = details;
  if (!profile.emails) {
    const emails = [details.email, details.org_email].map(nonEmptyString).filter((email) => email !== undefined);
    if (emails.length > 0) profile.emails = [...new Set(emails)].map((value) => ({ value, verified: false }));
  }
  const avatar = nonEmptyString(details.avatar);
  if (avatar && !profile.photos) profile.photos = [{ value: avatar }];
  const phoneNumber = phoneNumberOf(details.mobile, details.state_code);
  if (phoneNumber && !profile.phoneNumbers) profile.phoneNumbers = [{ value: phoneNumber }];
  const title = nonEmptyString(details.title);
  if (title) profile.title = title;
  const jobNumber = nonEmptyString(details.job_number);
  if (jobNumber) profile.jobNumber = jobNumber;
  const departments = details.dept_id_list;
  if (Array.isArray(departments) && departments.every((id) => typeof id === 'number')) {
    profile.departmentIds = [...departments];
  }
}
