import type { EmulatorOrganization, EmulatorSysLevel, EmulatorUser } from './types';

/** One user's membership of one organization, with the defaults of the optional fields filled in. */
export interface Membership {
  user: EmulatorUser;
  organization: EmulatorOrganization;
  userId: string;
  sysLevel: EmulatorSysLevel;
  deptIds: readonly number[];
}

// DingTalk numbers every organization's root department 1, so a member always has one.
const rootDepartment: readonly number[] = Object.freeze([1]);

/** The user's membership of the organization `corpId`, if they are a member. */
export function membershipIn(user: EmulatorUser, corpId: string): Membership | undefined {
  const organization = user.organizations.find((org) => org.corpId === corpId);
  if (!organization) return undefined;
  return {
    user,
    organization,
    userId: organization.userId ?? user.unionId,
    sysLevel: organization.sysLevel ?? 0,
    deptIds: organization.deptIds ?? rootDepartment,
  };
}

/** Every member of the organization `corpId`, in the order of the users. */
export function membersOf(users: readonly EmulatorUser[], corpId: string): Membership[] {
  return users.flatMap((user) => membershipIn(user, corpId) ?? []);
}

/** The member whose `userid` in the organization `corpId` is `userId`. */
export function memberByUserId(users: readonly EmulatorUser[], corpId: string, userId: string): Membership | undefined {
  return membersOf(users, corpId).find((member) => member.userId === userId);
}

/** `sys` of getuserinfo and `admin` of user/get: the primary and sub-administrators (管理员). */
export function isAdministrator(sysLevel: EmulatorSysLevel): boolean {
  return sysLevel === 1 || sysLevel === 2;
}
