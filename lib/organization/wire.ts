/**
 * The JSON shapes of DingTalk's organization answers (oapi.dingtalk.com), as documented and as
 * DingTalk's SDK models list them (shared references dingtalk-in-client-login.md §3,
 * dingtalk-member-lookup.md). Every field is optional on the wire; the parsers decide what is
 * required.
 */

/** `result` of `POST /topapi/user/getbyunionid`. */
export interface DingTalkUnionIdResult {
  /** The person's userid in the organization. */
  userid?: string;
  /** 0 a member of the organization, 1 an external contact (外部联系人). */
  contact_type?: number;
  /** Fields not listed here are kept as they came. */
  [field: string]: unknown;
}

/** `result` of `POST /topapi/v2/user/get` (some fields need permissions; third-party apps get fewer). */
export interface DingTalkUserDetails {
  /** The member's id in the organization. */
  userid?: string;
  /** The stable id across one developer's apps. */
  unionid?: string;
  /** The member's name. */
  name?: string;
  /** Avatar image URL; absent for the default avatar. */
  avatar?: string;
  /** Country calling code of `mobile`, such as `"86"`. */
  state_code?: string;
  /** Mobile number; internal apps with the 手机号 permission only. */
  mobile?: string;
  /** Personal email; never verified by DingTalk. */
  email?: string;
  /** Work email (企业邮箱). */
  org_email?: string;
  /** Job title. */
  title?: string;
  /** Employee number (工号). */
  job_number?: string;
  /** Ids of the departments the member is in. */
  dept_id_list?: number[];
  /** True for an administrator of the organization (管理员). */
  admin?: boolean;
  /** True for the organization's boss (老板). */
  boss?: boolean;
  /** Whether the member leads each of their departments: `[{ dept_id, leader }]`. */
  leader_in_dept?: Array<{ dept_id?: number; leader?: boolean }>;
  /** The member's roles: `[{ id, name, group_name }]`. */
  role_list?: Array<{ id?: number; name?: string; group_name?: string }>;
  /** The date the member was hired, in epoch milliseconds. */
  hired_date?: number;
  /** The userid of the member's manager. */
  manager_userid?: string;
  /** Fields not listed here are kept as they came. */
  [field: string]: unknown;
}
