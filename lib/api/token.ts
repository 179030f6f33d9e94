import type { DingTalkTokenResponse } from './wire';

/**
 * Checks a token exchange answer and returns it typed: `accessToken` must be a non-empty string of
 * visible ASCII;
 * `refreshToken`, `expireIn` and `corpId` are kept only when they have their documented type, so
 * a verify callback can trust `params`. Returns undefined when there is no usable access token.
 */
export function parseTokenResponse(json: Record<string, unknown>): DingTalkTokenResponse | undefined {
  const { accessToken, refreshToken, expireIn, corpId, ...rest } = json;
  if (!isHeaderSafeToken(accessToken)) return undefined;
  // The spread last and no `delete`: on Node 20 either one gives the object a hidden class of its
  // own each time, which costs microseconds.
  const token: DingTalkTokenResponse = { accessToken, ...rest };
  if (typeof refreshToken === 'string' && refreshToken.length > 0) token.refreshToken = refreshToken;
  const seconds = typeof expireIn === 'string' && expireIn.trim() !== '' ? Number(expireIn) : expireIn;
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) token.expireIn = seconds;
  if (typeof corpId === 'string' && corpId.length > 0) token.corpId = corpId;
  return token;
}

/**
 * True for a non-empty token of visible ASCII, which is what DingTalk issues and what an HTTP
 * header (`x-acs-dingtalk-access-token`) can carry; anything else would be refused by the HTTP
 * client, quoted whole in its error.
 */
export function isHeaderSafeToken(token: unknown): token is string {
  return typeof token === 'string' && /^[\x21-\x7e]+$/.test(token);
}
