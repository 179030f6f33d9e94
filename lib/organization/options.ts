import { optionPrefix } from '../passport/option-readers';
import type { GetAccessTokenFunction } from './app-tokens';

/** Where DingTalk answers for an organization unless the options say otherwise. */
export const organizationDefaultURLs = {
  accessTokenURL: 'https://api.dingtalk.com/v1.0/oauth2/accessToken',
  getByUnionIdURL: 'https://oapi.dingtalk.com/topapi/user/getbyunionid',
  userDetailsURL: 'https://oapi.dingtalk.com/topapi/v2/user/get',
} as const;

/** The `getAccessToken` option: a function, or left out. */
export function readGetAccessToken(value: unknown): GetAccessTokenFunction | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    throw new TypeError(`${optionPrefix} the "getAccessToken" option must be a function (corpId) => Promise<string>`);
  }
  return value as GetAccessTokenFunction;
}

/**
 * True for text shaped like a corpId (`ding` and hex digits, in practice). The check is loose on
 * purpose; it keeps out what could not be one (spaces, slashes, markup, kilobytes).
 */
export function isCorpId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value) && !objectKeyNames.has(value);
}

// Names an app keying a plain object by corpId would trip over.
const objectKeyNames = new Set(['__proto__', 'constructor', 'prototype']);
