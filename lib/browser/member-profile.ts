import type { Profile } from '../api/profile';
import type { DingTalkMember } from '../organization/client';
import { addMemberDetails, type MemberFields } from '../organization/member-fields';

/**
 * The profile of a browser login with `memberLookup`: the user as `users/me` describes them, and
 * who they are in the organization they picked, with the same names and meanings as
 * `InAppProfile`, so one member gets the same fields whichever way they log in.
 */
export interface MemberProfile extends Omit<Profile, 'corpId'>, MemberFields {}

/**
 * `profile` with the member's fields: a copy (same prototype), so that a profile a stub or a cache
 * hands out again, or a frozen one, is never written to. `emails`, `photos` and `phoneNumbers`
 * come from the details only where `users/me` had none.
 */
export function withMember(profile: object, { userId, details }: DingTalkMember, corpId: string): MemberProfile {
  const merged = Object.assign(Object.create(Object.getPrototypeOf(profile)) as MemberProfile, profile, {
    userId,
    corpId,
  });
  if (details) {
    if (typeof details.admin === 'boolean') merged.isAdmin = details.admin;
    addMemberDetails(merged, details);
  }
  return merged;
}
