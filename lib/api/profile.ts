import type { Profile as PassportProfile } from 'passport';
import type { DingTalkUserInfo } from './wire';

/**
 * The user as the verify callback sees it: Passport's portable contact shape, plus DingTalk's ids.
 * `id` is the `unionId`, the identifier DingTalk recommends; `openId` differs per app.
 */
export interface Profile extends PassportProfile {
  /** Always `'dingtalk'`. */
  provider: 'dingtalk';
  /** Same as `unionId`. */
  id: string;
  /** The DingTalk nickname (`nick`), or an empty string when DingTalk sends none. */
  displayName: string;
  /** DingTalk's cross-app user id. */
  unionId: string;
  /** DingTalk's per-app user id. */
  openId?: string;
  /** The organization the user picked, when the scope contained `corpid`. */
  corpId?: string;
  /**
   * `email`, then `loginEmail` when it is another address. DingTalk does not verify either, so
   * `verified` is always false.
   */
  emails?: Array<{ value: string; verified: false }>;
  /** The avatar (`avatarUrl`), when the user has one. */
  photos?: Array<{ value: string }>;
  /** `+<stateCode><mobile>` (E.164), for example `+8613800000000`; absent when DingTalk masks the number (third-party apps). */
  phoneNumbers?: Array<{ value: string }>;
  /** The profile answer's body text. */
  _raw: string;
  /** The profile answer, parsed. */
  _json: DingTalkUserInfo;
}

/**
 * Maps DingTalk's current-user answer to a Profile. Pure: no I/O, no throwing; fields that are
 * missing, empty or of the wrong type are left out.
 */
export function parseProfile(json: DingTalkUserInfo, raw: string): Profile {
  const profile: Profile = {
    provider: 'dingtalk',
    id: json.unionId,
    displayName: nonEmptyString(json.nick) ?? '',
    unionId: json.unionId,
    _raw: raw,
    _json: json,
  };
  const openId = nonEmptyString(json.openId);
  if (openId) profile.openId = openId;
  // `loginEmail` is an address of the same user, so it belongs in Passport's `emails` as much as
  // `email` does, for an app that only wants somewhere to write to; `email` comes first, as it always
  // has, and the same address (in any letter case) is listed once. Neither is verified by DingTalk
  // (an `email` has been seen from another organization), so both are `verified: false`, and neither
  // may identify the user: `id` (the unionId) does.
  const emails: NonNullable<Profile['emails']> = [];
  for (const value of [nonEmptyString(json.email), nonEmptyString(json.loginEmail)]) {
    if (value && !emails.some((known) => known.value.toLowerCase() === value.toLowerCase()))
      emails.push({ value, verified: false });
  }
  if (emails.length > 0) profile.emails = emails;
  const avatarUrl = nonEmptyString(json.avatarUrl);
  if (avatarUrl) profile.photos = [{ value: avatarUrl }];
  const phoneNumber = phoneNumberOf(json.mobile, json.stateCode);
  if (phoneNumber) profile.phoneNumbers = [{ value: phoneNumber }];
  return profile;
}

/**
 * `+<stateCode><mobile>` (E.164) from DingTalk's two fields, or the mobile as sent when there is no
 * country code. Third-party apps get a masked number (155****3240): no phone number is made of it.
 */
export function phoneNumberOf(mobile: unknown, stateCode: unknown): string | undefined {
  const number = nonEmptyString(mobile);
  if (!number || number.includes('*')) return undefined;
  const code = nonEmptyString(stateCode)?.replace(/^\+/, '');
  return code ? `+${code}${number}` : number;
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
