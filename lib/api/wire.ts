/**
 * The JSON shapes DingTalk's v1.0 API sends, as documented (see shared reference §3 and §4).
 * Every field is optional on the wire; the parsers decide what is required.
 */

/** `POST /v1.0/oauth2/userAccessToken` success body, after the token parser has checked it. */
export interface DingTalkTokenResponse {
  /** The user access token, sent as `x-acs-dingtalk-access-token`. */
  accessToken: string;
  /** Refresh token, valid for 30 days. */
  refreshToken?: string;
  /** Lifetime of `accessToken` in seconds (7200 on DingTalk). */
  expireIn?: number;
  /** The organization the user picked; present only when the scope contained `corpid`. */
  corpId?: string;
  /** Fields DingTalk may add later are kept as they came. */
  [field: string]: unknown;
}

/** `GET /v1.0/contact/users/me` success body. */
export interface DingTalkUserInfo {
  /** The user's DingTalk nickname. */
  nick?: string;
  /** Avatar image URL. */
  avatarUrl?: string;
  /** Mobile number without country code; needs the `Contact.User.mobile` permission. */
  mobile?: string;
  /** Country calling code of `mobile`, such as `"86"`. */
  stateCode?: string;
  /** Per-app user id; DingTalk discourages using it as an identifier. */
  openId?: string;
  /** The stable user id across DingTalk apps of one developer: use this one. */
  unionId: string;
  /** Email address, often missing and never verified by DingTalk. */
  email?: string;
  /**
   * The email address the user logs in to DingTalk with (登录邮箱), when they have one: reported in
   * public evidence for this endpoint, not on its DingTalk page. Not verified either.
   */
  loginEmail?: string;
  /** True for users who are guests rather than members. */
  visitor?: boolean;
  /** Fields DingTalk may add later are kept as they came. */
  [field: string]: unknown;
}
