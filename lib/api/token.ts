import type { DingTalkTokenResponse } from './wire';

/**
 * Checks a token exchange answer and returns it typed: `accessToken` must be a non-empty string of
 * visible ASCII;
 * `refreshToken`, `expireIn` and `corpId` are kept only when they have their documented type, so
 * a verify callback can trust `params`. Returns undefined when there is no usable access token.
 */
export function parseTokenResponse(json: Record<string, unknown>): DingTalkTokenResponse | undefined {
  const { accessToken, refreshToken, expireIn, corpId } = json;
  if (!isHeaderSafeToken(accessToken)) return undefined;
  const seconds = typeof expireIn === 'string' && expireIn.trim() !== '' ? Number(expireIn) : expireIn;
  const keptSeconds = typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  const keptRefreshToken = typeof refreshToken === 'string' && refreshToken.length > 0 ? refreshToken : undefined;
  const keptCorpId = typeof corpId === 'string' && corpId.length > 0 ? corpId : undefined;
  // DingTalk's usual answer is kept as it is, with no copy (each costs microseconds on a login).
  if (keptSeconds === expireIn && keptRefreshToken === refreshToken && keptCorpId === corpId)
    return json as DingTalkTokenResponse;
  // The spread last and no `delete`: on Node 20 either one gives the object a hidden class of its
  // own each time.
  const { accessToken: _a, refreshToken: _r, expireIn: _e, corpId: _c, ...rest } = json;
  const token: DingTalkTokenResponse = { accessToken, ...rest };
  if (keptRefreshToken !== undefined) token.refreshToken = keptRefreshToken;
  if (keptSeconds !== undefined) token.expireIn = keptSeconds;
  if (keptCorpId !== undefined) token.corpId = keptCorpId;
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
