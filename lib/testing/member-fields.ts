import type { EmulatorOrganization, EmulatorRole } from './types';

const sysLevels: readonly unknown[] = [0, 1, 2, 100];

/**
 * Checks what an organization records of its member (in-client login, user/get), when given,
 * with a `TypeError` that names the field.
 */
export function checkMemberFields(organization: EmulatorOrganization, where: string): void {
  for (const field of ['userId', 'title', 'jobNumber', 'orgEmail', 'managerUserId'] as const) {
    if (organization[field] !== undefined) requireText(organization[field], `${where}.${field}`);
  }
  if (organization.sysLevel !== undefined && !sysLevels.includes(organization.sysLevel)) {
    throw new TypeError(`DingTalk emulator: ${where}.sysLevel must be 0, 1, 2 or 100`);
  }
  const deptIds: unknown = organization.deptIds;
  if (deptIds !== undefined && (!isDeptIdList(deptIds) || deptIds.length === 0)) {
    throw new TypeError(
      `DingTalk emulator: ${where}.deptIds must be a non-empty array of department ids (integers >= 1)`,
    );
  }
  const leaderInDeptIds: unknown = organization.leaderInDeptIds;
  const memberOf = organization.deptIds ?? [1];
  if (
    leaderInDeptIds !== undefined &&
    (!isDeptIdList(leaderInDeptIds) || leaderInDeptIds.some((id) => !memberOf.includes(id)))
  ) {
    throw new TypeError(
      `DingTalk emulator: ${where}.leaderInDeptIds must be an array of ids from deptIds (${memberOf.join(', ')})`,
    );
  }
  if (organization.roles !== undefined) checkRoles(organization.roles, `${where}.roles`);
  const hiredDate: unknown = organization.hiredDate;
  if (hiredDate !== undefined && !(Number.isSafeInteger(hiredDate) && (hiredDate as number) >= 0)) {
    throw new TypeError(`DingTalk emulator: ${where}.hiredDate must be a time in epoch milliseconds (an integer >= 0)`);
  }
}

function isDeptIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((id) => Number.isSafeInteger(id) && id >= 1);
}

function checkRoles(roles: readonly EmulatorRole[], where: string): void {
  if (!Array.isArray(roles)) throw new TypeError(`DingTalk emulator: ${where} must be an array of roles`);
  const ids = new Set<number>();
  for (const [index, role] of roles.entries()) {
    if (!Number.isSafeInteger(role?.id) || role.id < 1) {
      throw new TypeError(`DingTalk emulator: ${where}[${index}].id must be an integer >= 1`);
    }
    requireText(role.name, `${where}[${index}].name`);
    requireText(role.groupName, `${where}[${index}].groupName`);
    if (ids.has(role.id)) throw new TypeError(`DingTalk emulator: ${where} lists the role id ${role.id} twice`);
    ids.add(role.id);
  }
}

/** A frozen copy, arrays included, so changing the caller's afterwards changes nothing here. */
export function copyMemberFields(organization: EmulatorOrganization): EmulatorOrganization {
  const copy = { ...organization };
  if (copy.deptIds !== undefined) copy.deptIds = Object.freeze([...copy.deptIds]) as number[];
  if (copy.leaderInDeptIds !== undefined) copy.leaderInDeptIds = Object.freeze([...copy.leaderInDeptIds]) as number[];
  if (copy.roles !== undefined) {
    copy.roles = Object.freeze(copy.roles.map((role) => Object.freeze({ ...role }))) as EmulatorRole[];
  }
  return Object.freeze(copy);
}

export function requireText(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`DingTalk emulator: ${name} must be a non-empty string`);
  }
}
