/**
 * The language of the `errmsg` and `sub_msg` texts the emulator gives at oapi: `zh`, the Chinese
 * ones of DingTalk's error tables, or `en`, English ones as some real answers carry (40078's
 * "nonexistent temp auth code"). An app that decides by `errcode`/`sub_code` works with both.
 */
export type OAPIMessageLanguage = 'zh' | 'en';

/**
 * Each oapi text in both languages. The Chinese ones are DingTalk's (error tables, captures;
 * docs/dingtalk-answers.md); of the English ones only 40078's and "access_token is blank" are seen
 * in real answers: every other English text is a **guess** at DingTalk's wording.
 */
const texts = {
  /** 40078: a code wrong, expired, used or of another kind. English: seen in real answers. */
  unknownCode: { zh: '不存在的临时授权码', en: 'nonexistent temp auth code' },
  /** sub_code 40014: an invalid or revoked app token. English: a guess. */
  invalidToken: { zh: '不合法的access_token', en: 'invalid access_token' },
  /** sub_code 42001: an expired app token. English: a guess. */
  expiredToken: { zh: 'access_token超时', en: 'access_token expired' },
  /** sub_code 40000: no app token. English in the capture already, so the same in both. */
  blankToken: { zh: 'access_token is blank', en: 'access_token is blank' },
  /** 60011: the app lacks the permission. English: a guess. */
  noPermission: { zh: '没有调用该接口的权限', en: 'no permission to call this api' },
  /** 60121: someone the organization does not know. English: a guess. */
  userNotFound: { zh: '找不到该用户', en: 'user not found' },
  /** 33012: DingTalk's page's answer to an invalid userid. English: a guess. */
  invalidUserId: { zh: '无效的USERID', en: 'invalid userid' },
  /** 43002: another method than POST. Both a guess (the older global error table's code). */
  notPost: { zh: '需要POST请求', en: 'require POST request' },
  /** 40035: a body too large. Both a guess. */
  bodyTooLarge: { zh: '不合法的参数：请求体过大', en: 'invalid parameter: the request body is too large' },
  /** 90002: the per-API rate limit. English: a guess. */
  throttled: { zh: '超出了该接口承受的最大qps', en: 'exceeded the max qps of this api' },
} as const;

export type OAPIMessage = keyof typeof texts;

/** The text of `message` in `language`. */
export function oapiText(message: OAPIMessage, language: OAPIMessageLanguage): string {
  return texts[message][language];
}
