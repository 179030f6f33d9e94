import type { EmulatorApp, EmulatorUser } from './types';

/**
 * The organization the app is installed in for in-client login (the `corpId` option): an internal
 * app's own, else the first organization of the first user who has one.
 */
export function resolveInClientCorpId(
  corpId: string | undefined,
  app: EmulatorApp,
  users: readonly EmulatorUser[],
): string {
  if (corpId !== undefined && (typeof corpId !== 'string' || corpId.trim() === '')) {
    throw new TypeError('DingTalk emulator: the "corpId" option must be a non-empty string');
  }
  const owner = app.type === 'internal' ? app.corpId : undefined;
  if (owner !== undefined && corpId !== undefined && corpId !== owner) {
    throw new TypeError(
      `DingTalk emulator: the "corpId" option must be the internal app's own organization "${owner}"`,
    );
  }
  const resolved = corpId ?? owner ?? users.find((user) => user.organizations.length > 0)?.organizations[0]?.corpId;
  if (resolved === undefined) {
    throw new TypeError(
      'DingTalk emulator: in-client login needs an organization, and no user belongs to one; give a user an organization',
    );
  }
  if (!users.some((user) => user.organizations.some((org) => org.corpId === resolved))) {
    throw new TypeError(
      `DingTalk emulator: no user belongs to "${resolved}", so nobody could use the app in the DingTalk client`,
    );
  }
  return resolved;
}
