import type { EmulatorUser } from './types';

/**
 * The accounts an emulator offers unless told otherwise. They differ where real accounts do:
 * 张三 is in two organizations, 李四 has no email, 王五 has no mobile nor avatar and is a guest
 * (visitor). Their avatars are paths the emulator serves itself, answered as absolute URLs.
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
      { corpId: 'dingemulatorcorp0001', name: '示例科技有限公司' },
      { corpId: 'dingemulatorcorp0002', name: '演示贸易有限公司' },
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
    organizations: [{ corpId: 'dingemulatorcorp0003', name: '测试教育集团' }],
  },
  {
    unionId: 'union-wangwu',
    openId: 'open-wangwu',
    nick: '王五',
    email: 'wangwu@example.org',
    visitor: true,
    organizations: [{ corpId: 'dingemulatorcorp0002', name: '演示贸易有限公司' }],
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
    for (const field of ['avatarUrl', 'mobile', 'stateCode', 'email'] as const) {
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
  }
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
    if (corpIds.has(organization.corpId)) {
      throw new TypeError(`DingTalk emulator: ${where} lists the organization "${organization.corpId}" twice`);
    }
    corpIds.add(organization.corpId);
  }
}

function requireText(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`DingTalk emulator: ${name} must be a non-empty string`);
  }
}

function freezeUsers(users: readonly EmulatorUser[]): readonly EmulatorUser[] {
  return Object.freeze(
    users.map((user) =>
      Object.freeze({
        ...user,
        organizations: Object.freeze(user.organizations.map((org) => Object.freeze({ ...org }))),
      }),
    ),
  ) as readonly EmulatorUser[];
}
