import { nonEmptyString, phoneNumberOf } from '../api/profile';
import type { DingTalkUserDetails } from './wire';

/** The profile fields both strategies take from a member's details (`topapi/v2/user/get`). */
export interface MemberDetailFields {
  emails?: Array<{ value: string; verified: false }>;
  photos?: Array<{ value: string }>;
  phoneNumbers?: Array<{ value: string }>;
  title?: string;
  jobNumber?: string;
  departmentIds?: number[];
}

/**
 * Adds to `profile` what the details say. Contact fields the profile already has (the browser
 * login's own, from `users/me`) are kept: the user's account is the better source. Fields that are
 * missing, empty, masked or of the wrong type are left out.
 */
export function addMemberDetails(profile: MemberDetailFields, details: DingTalkUserDetails): void {
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
