import { externalContactIn } from './external-contacts';
import { checkMemberFields, copyMemberFields, requireText } from './member-fields';
import { membershipIn } from './organization-membership';
import type { EmulatorUser } from './types';

/**
 * The accounts an emulator offers unless told otherwise. They differ where real accounts do:
 * 张三 is in two organizations (primary administrator and leader of the root department of the
 * first, with another userid in the second), 李四 has no email but a mailbox at his organization
 * and leads one of his two departments, 王五 has no mobile nor avatar, is a guest (visitor), is an
 * external contact (外部联系人) of 张三's first organization, and his own records no more than his
 * title, number and department. Their avatars are paths
 * the emulator serves itself, answered as absolute URLs.
 */
export const defaultEmulatorUsers: readonly EmulatorUser[] = freezeUsers([
  {
    unionId: 'union-zhangsan',
    openId: 'open-zhangsan',
    nick: '张三',
    avatarUrl: '/avatars/union-zhangsan.svg',
    mobile: '13800000001',
    stateCode: '86',
    email: 'zhangsan@example.com',
    visitor: false,
    organizations: [
      {
        corpId: 'dingemulatorcorp0001',
        name: '示例科技有限公司',
        userId: 'zhangsan',
        sysLevel: 1,
        title: '技术总监',
        jobNumber: 'E0001',
        deptIds: [1],
        leaderInDeptIds: [1],
        roles: [{ id: 1001, name: '主管理员', groupName: '管理员' }],
        orgEmail: 'zhangsan@shili.example.com',
        // 2019-03-01 00:00 in China (UTC+8).
        hiredDate: 1551369600000,
      },
      {
        corpId: 'dingemulatorcorp0002',
        name: '演示贸易有限公司',
        userId: '083125472637',
        sysLevel: 0,
        title: '技术顾问',
        deptIds: [2],
        // 2023-07-01 00:00 in China (UTC+8).
        hiredDate: 1688140800000,
      },
    ],
  },
  {
    unionId: 'union-lisi',
    openId: 'open-lisi',
    nick: '李四',
    avatarUrl: '/avatars/union-lisi.svg',
    mobile: '13900000002',
    stateCode: '86',
    visitor: false,
    organizations: [
      {
        corpId: 'dingemulatorcorp0003',
        name: '测试教育集团',
        userId: 'lisi',
        sysLevel: 0,
        title: '教务主管',
        jobNumber: 'T1024',
        deptIds: [1, 3],
        leaderInDeptIds: [3],
        roles: [{ id: 3001, name: '主管', groupName: '默认' }],
        orgEmail: 'lisi@ceshi.example.com',
        // 2021-09-01 00:00 in China (UTC+8).
        hiredDate: 1630425600000,
      },
    ],
  },
  {
    unionId: 'union-wangwu',
    openId: 'open-wangwu',
    nick: '王五',
    email: 'wangwu@example.org',
    visitor: true,
    organizations: [
      {
        corpId: 'dingemulatorcorp0002',
        name: '演示贸易有限公司',
        userId: 'wangwu',
        sysLevel: 0,
        title: '销售经理',
        jobNumber: 'S0317',
        deptIds: [3],
      },
    ],
    // A customer of 示例科技 (dingemulatorcorp0001), the in-client organization: its member lookup
    // finds him (contact_type 1) where an app that wants members must refuse him.
    externalContactOf: [{ corpId: 'dingemulatorcorp0001', userId: 'ext-wangwu' }],
  },
]);

/**
 * Checks the caller's users and returns frozen copies, so neither the caller nor a test can change
 * an account while the emulator serves it.
 */
export function copyUsers(users: readonly EmulatorUser[]): readonly EmulatorUser[] {
  if (!Array.isArray(users) || users.length === 0) {
    throw new TypeError('DingTalk emulator: the "users" option must be a non-empty array');
  }
  const unionIds = new Set<string>();
  for (const [index, user] of users.entries()) {
    const where = `users[${index}]`;
    for (const field of ['unionId', 'openId', 'nick'] as const) {
      requireText(user?.[field], `${where}.${field}`);
    }
    for (const field of ['avatarUrl', 'mobile', 'stateCode', 'email', 'loginEmail'] as const) {
      if (user[field] !== undefined) requireText(user[field], `${where}.${field}`);
    }
    if (user.visitor !== undefined && typeof user.visitor !== 'boolean') {
      throw new TypeError(`DingTalk emulator: ${where}.visitor must be true or false`);
    }
    if (unionIds.has(user.unionId)) {
      throw new TypeError(`DingTalk emulator: two users share the unionId "${user.unionId}"`);
    }
    unionIds.add(user.unionId);
    checkOrganizations(user, where);
    checkExternalContacts(user, where);
  }
  checkUserIds(users);
  return freezeUsers(users);
}

function checkOrganizations(user: EmulatorUser, where: string): void {
  if (!Array.isArray(user.organizations)) {
    throw new TypeError(`DingTalk emulator: ${where}.organizations must be an array (it may be empty)`);
  }
  const corpIds = new Set<string>();
  for (const [index, organization] of user.organizations.entries()) {
    requireText(organization?.corpId, `${where}.organizations[${index}].corpId`);
    requireText(organization.name, `${where}.organizations[${index}].name`);
    checkMemberFields(organization, `${where}.organizations[${index}]`);
    if (corpIds.has(organization.corpId)) {
      throw new TypeError(`DingTalk emulator: ${where} lists the organization "${organization.corpId}" twice`);
    }
    corpIds.add(organization.corpId);
  }
}

/** External contacts: each of an organization the user is not a member of, each organization once. */
function checkExternalContacts(user: EmulatorUser, where: string): void {
  const contacts = user.externalContactOf;
  if (contacts === undefined) return;
  if (!Array.isArray(contacts)) {
    throw new TypeError(`DingTalk emulator: ${where}.externalContactOf must be an array when given`);
  }
  const corpIds = new Set<string>();
  for (const [index, contact] of contacts.entries()) {
    const at = `${where}.externalContactOf[${index}]`;
    requireText(contact?.corpId, `${at}.corpId`);
    if (contact.userId !== undefined) requireText(contact.userId, `${at}.userId`);
    if (user.organizations.some((organization) => organization.corpId === contact.corpId)) {
      throw new TypeError(
        `DingTalk emulator: ${at}.corpId "${contact.corpId}" is one of ${where}.organizations: a member is not an external contact of their own organization`,
      );
    }
    if (corpIds.has(contact.corpId)) {
      throw new TypeError(
        `DingTalk emulator: ${where}.externalContactOf lists the organization "${contact.corpId}" twice`,
      );
    }
    corpIds.add(contact.corpId);
  }
}

/**
 * A userid names one person of an organization, its members and external contacts together, the
 * defaulted ones (the unionId) included: getbyunionid answers either kind by it.
 */
function checkUserIds(users: readonly EmulatorUser[]): void {
  const owners = new Map<string, string>();
  for (const user of users) {
    for (const [corpId, userId] of userIdsOf(user)) {
      const key = JSON.stringify([corpId, userId]);
      const owner = owners.get(key);
      if (owner !== undefined) {
        throw new TypeError(
          `DingTalk emulator: ${owner} and ${user.unionId} share the userId "${userId}" in the organization "${corpId}"`,
        );
      }
      owners.set(key, user.unionId);
    }
  }
}

/** The user's userid in each organization that knows them, as `[corpId, userId]`. */
function userIdsOf(user: EmulatorUser): [string, string][] {
  const memberships = user.organizations.flatMap((organization) => membershipIn(user, organization.corpId) ?? []);
  const contacts = (user.externalContactOf ?? []).flatMap((contact) => externalContactIn(user, contact.corpId) ?? []);
  return [
    ...memberships.map((member): [string, string] => [member.organization.corpId, member.userId]),
    ...contacts.map((contact): [string, string] => [contact.corpId, contact.userId]),
  ];
}

function freezeUsers(users: readonly EmulatorUser[]): readonly EmulatorUser[] {
  return Object.freeze(
    users.map((user) =>
      Object.freeze({
        ...user,
        organizations: Object.freeze(user.organizations.map(copyMemberFields)),
        ...(user.externalContactOf && {
          externalContactOf: Object.freeze(user.externalContactOf.map((contact) => Object.freeze({ ...contact }))),
        }),
      }),
    ),
  ) as readonly EmulatorUser[];
}
