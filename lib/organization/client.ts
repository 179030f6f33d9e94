import { DingTalkAPIError, type DingTalkEndpoint, DingTalkError, DingTalkResponseError } from '../api/errors';
import { sendRequest } from '../api/http';
import { nonEmptyString } from '../api/profile';
import { interpretResponse, isPlainObject } from '../api/response';
import { isHeaderSafeToken, parseTokenResponse } from '../api/token';
import type { DingTalkInAppUserInfo } from '../in-app/wire';
import type { Settings } from '../passport/settings';
import { type AppToken, type AppTokenSource, appTokenSource, OrganizationSession } from './app-tokens';
import type { DingTalkUnionIdResult, DingTalkUserDetails } from './wire';

/** A member of the organization, as `lookupMember` hands it over. */
export interface DingTalkMember {
  /** The member's id in the organization (`userid`). */
  userId: string;
  /** `topapi/v2/user/get`'s `result`, unless `skipUserDetails`. */
  details?: DingTalkUserDetails;
}

/** An oapi answer's `result`, and the body it came in. */
type OapiResult<T> = { json: T; raw: string };

const jsonPost = {
  method: 'POST' as const,
  headers: { 'content-type': 'application/json', accept: 'application/json' },
};
// DingTalk documents 7200 s. A shorter answer is kept that long (at least a minute, so a bogus 0
// cannot make every login fetch), a longer one no longer than documented.
const documentedLifetimeSeconds = 7200;
const shortestLifetimeSeconds = 60;
// getbyunionid's "no such user in this organization".
const notFound = '60121';

/**
 * An organization, asked with the app's access token, for both strategies: the app token
 * itself, who a unionId is (`topapi/user/getbyunionid`), a member's details (`topapi/v2/user/get`)
 * and the in-client code's user (`topapi/v2/user/getuserinfo`).
 */
export class OrganizationClient {
  readonly #settings: Settings;
  readonly #tokens: AppTokenSource;

  constructor(settings: Settings) {
    this.#settings = settings;
    this.#tokens = appTokenSource(this, settings);
  }

  /** `POST /v1.0/oauth2/accessToken`: the internal app's own token. */
  async fetchAppToken(): Promise<AppToken> {
    const { clientID, clientSecret, accessTokenURL } = this.#settings;
    const body = { appKey: clientID, appSecret: clientSecret };
    const { response, json } = await this.#post('app-token', accessTokenURL, body, [clientSecret]);
    const token = parseTokenResponse(json);
    if (!token) throw new DingTalkResponseError('app-token', response.status, 'answered without an accessToken');
    const seconds = token.expireIn === undefined || token.expireIn <= 0 ? documentedLifetimeSeconds : token.expireIn;
    const expireIn = Math.min(Math.max(seconds, shortestLifetimeSeconds), documentedLifetimeSeconds);
    return { accessToken: token.accessToken, expireIn };
  }

  /** Who `unionId` is in `corpId`: a member, with their details unless `skipUserDetails`, or `false`. */
  async memberOf(unionId: string, corpId: string): Promise<DingTalkMember | false> {
    const session = new OrganizationSession(this.#tokens, corpId);
    let found: DingTalkUnionIdResult;
    try {
      found = (await this.#call(session, 'member-lookup', this.#settings.getByUnionIdURL, { unionid: unionId })).json;
    } catch (error) {
      if (error instanceof DingTalkAPIError && error.code === notFound) return false;
      throw error;
    }
    // 0: an employee; anything else (1: an external contact) is no member.
    if (String(found.contact_type) !== '0') return false;
    const userId = nonEmptyString(found.userid);
    if (!userId) throw new DingTalkResponseError('member-lookup', 200, 'answered without a userid');
    if (this.#settings.skipUserDetails) return { userId };
    return { userId, details: (await this.#details(session, userId)).json };
  }

  /** The user an in-client code belongs to, with their details unless `skipUserDetails`. */
  async inAppUser(code: string, corpId: string) {
    const session = new OrganizationSession(this.#tokens, corpId);
    const info = await this.#call(session, 'userinfo', this.#settings.userInfoURL, { code }, [code]);
    const { json } = info as OapiResult<DingTalkInAppUserInfo>;
    const missing = (['unionid', 'userid'] as const).find((field) => !nonEmptyString(json[field]));
    if (missing) throw new DingTalkResponseError('userinfo', 200, `answered without a ${missing}`);
    const details = this.#settings.skipUserDetails ? undefined : await this.#details(session, json.userid);
    return { info: json, raw: info.raw, details: details?.json };
  }

  #details(session: OrganizationSession, userId: string): Promise<OapiResult<DingTalkUserDetails>> {
    const body = { userid: userId, language: 'zh_CN' };
    return this.#call(session, 'user-details', this.#settings.userDetailsURL, body);
  }

  /** One oapi request with the session's app token, whose answer must be `errcode: 0` with a `result`. */
  #call(
    session: OrganizationSession,
    endpoint: DingTalkEndpoint,
    endpointURL: URL,
    body: Record<string, string>,
    bodySecrets: readonly string[] = [],
  ): Promise<OapiResult<Record<string, unknown>>> {
    return session.call(async (accessToken) => {
      if (!isHeaderSafeToken(accessToken)) {
        throw new DingTalkError(endpoint, 'the app access token is not one DingTalk issues (it must be visible ASCII)');
      }
      // oapi takes the app token in the query string: never in a log line or an error.
      const url = new URL(endpointURL);
      url.searchParams.set('access_token', accessToken);
      const secrets = [accessToken, this.#settings.clientSecret, ...bodySecrets];
      const { response, json } = await this.#post(endpoint, url, body, secrets);
      if (json.errcode !== 0 && json.errcode !== '0')
        throw new DingTalkResponseError(endpoint, response.status, 'answered without errcode 0');
      if (!isPlainObject(json.result))
        throw new DingTalkResponseError(endpoint, response.status, 'answered without a result object');
      return { json: json.result, raw: response.body };
    });
  }

  /** A JSON POST to DingTalk, its answer read; `secrets` are kept out of anything said about it. */
  async #post(endpoint: DingTalkEndpoint, url: URL, body: object, secrets: string[]) {
    const request = { ...jsonPost, endpoint, url, body: JSON.stringify(body), secrets };
    const response = await sendRequest(this.#settings, request);
    return { response, json: interpretResponse(endpoint, response, secrets) };
  }
}

// 40014: an invalid access token; 42001: an expired one. DingTalk also nests them under errcode 88.
const refusedTokenCodes = new Set(['40014', '42001']);

/** DingTalk refused the app access token: a new one may do. */
export function isRejectedAppToken(error: unknown): error is DingTalkAPIError {
  if (!(error instanceof DingTalkAPIError)) return false;
  return refusedTokenCodes.has(error.code) || (error.code === '88' && refusedTokenCodes.has(error.subCode ?? ''));
}
