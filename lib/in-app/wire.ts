/**
 * The JSON shapes of DingTalk's in-client login answers, as documented (shared reference
 * dingtalk-in-client-login.md §3). Every field is optional on the wire; the parsers decide what
 * is required.
 */

/** `result` of `POST /topapi/v2/user/getuserinfo`. */
export interface DingTalkInAppUserInfo {
  /** The member's id in the organization (`userid`). */
  userid: string;
  /** The stable id across one developer's apps: the same as the browser login's `unionId`. */
  unionid: string;
  /** The member's name. */
  name?: string;
  /** True for an administrator of the organization. */
  sys?: boolean;
  /** 1 主管理员 (main administrator), 2 子管理员 (sub-administrator), 100 老板 (boss), 0 anyone else. */
  sys_level?: number;
  /** The device the code was requested on. */
  device_id?: string;
  /** The unionId of an associated account, when there is one. */
  associated_unionid?: string;
  /** Fields DingTalk may add later are kept as they came. */
  [field: string]: unknown;
}
