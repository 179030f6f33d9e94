import type { EmulatorUser } from './types';

/** A user kept as an external contact (外部联系人) of one organization, the default userid filled in. */
export interface ExternalContact {
  user: EmulatorUser;
  corpId: string;
  userId: string;
}

/** The user as an external contact of the organization `corpId`, if they are one. */
export function externalContactIn(user: EmulatorUser, corpId: string): ExternalContact | undefined {
  const entry = user.externalContactOf?.find((contact) => contact.corpId === corpId);
  return entry && { user, corpId, userId: entry.userId ?? user.unionId };
}
