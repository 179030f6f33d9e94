import { DingTalkAPIError, type DingTalkEndpoint, DingTalkError, DingTalkResponseError } from '../api/errors';
import { type HttpSettings, sendRequest } from '../api/http';
import { interpretResponse, isPlainObject } from '../api/response';
import { isHeaderSafeToken, parseTokenResponse } from '../api/token';
import type { AppToken } from './app-token-cache';

/** What the organization endpoints need: the app's credentials and how to reach DingTalk. */
export interface OrganizationClientSettings {
  clientID: string;
  clientSecret: string;
  accessTokenURL: URL;
  http: HttpSettings;
}

/** An oapi answer's `result`, parsed and as the whole body came. */
export interface OapiResult<T> {
  json: T;
  raw: string;
}

const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json' };

// DingTalk's documented lifetime of an app token (7200 s). An answer that leaves `expireIn` out,
// or says something absurd, is taken to mean it; a lifetime under a minute would make every
// login fetch a token, which DingTalk throttles.
const documentedLifetimeSeconds = 7200;
const shortestLifetimeSeconds = 60;

function lifetimeOf(seconds: number | undefined): number {
  if (seconds === undefined || seconds <= 0) return documentedLifetimeSeconds;
  return Math.min(Math.max(seconds, shortestLifetimeSeconds), documentedLifetimeSeconds);
}

/**
 * Talks to the endpoints that answer for an organization with the app's own access token: the
 * token itself (api.dingtalk.com, v1.0 errors by HTTP status) and the oapi calls
 * (oapi.dingtalk.com, which answers HTTP 200 and puts its error in `errcode`).
 */
export class OrganizationClient {
  readonly #settings: OrganizationClientSettings;

  constructor(settings: OrganizationClientSettings) {
    this.#settings = settings;
  }

  /** `POST /v1.0/oauth2/accessToken` with `{ appKey, appSecret }`: an internal app's own token. */
  async fetchAppToken(): Promise<AppToken> {
    const { clientID, clientSecret, accessTokenURL, http } = this.#settings;
    const response = await sendRequest(http, {
      endpoint: 'app-token',
      url: accessTokenURL,
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify({ appKey: clientID, appSecret: clientSecret }),
      secrets: [clientSecret],
    });
    // The same answer shape as the user token's: the same parser checks the token and reads expireIn.
    const token = parseTokenResponse(interpretResponse('app-token', response, [clientSecret]));
    if (!token) throw new DingTalkResponseError('app-token', response.status, 'answered without an accessToken');
    return { accessToken: token.accessToken, expireIn: lifetimeOf(token.expireIn) };
  }

  /**
   * `POST <endpointURL>?access_token=…` with a JSON body, for its `result`. `bodySecrets` are the
   * values of `body` no error may quote (a login code).
   */
  async callOapi(
    endpoint: DingTalkEndpoint,
    endpointURL: URL,
    accessToken: string,
    body: Record<string, string>,
    bodySecrets: readonly string[],
  ): Promise<OapiResult<Record<string, unknown>>> {
    // The token travels in the query string, which an HTTP client quotes in its errors: it is cut
    // out of them (sendRequest's secrets) and refused here when no URL could carry it as it is.
    if (!isHeaderSafeToken(accessToken)) {
      throw new DingTalkError(endpoint, 'the app access token is not one DingTalk issues (it must be visible ASCII)');
    }
    const url = new URL(endpointURL);
    url.searchParams.set('access_token', accessToken);
    const secrets = [accessToken, this.#settings.clientSecret, ...bodySecrets];
    const response = await sendRequest(this.#settings.http, {
      endpoint,
      url,
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify(body),
      secrets,
    });
    const json = interpretResponse(endpoint, response, secrets);
    // The oapi's success is errcode 0 (a number, or "0" as its calling guide writes it), never
    // the mere presence of a result.
    if (json.errcode !== 0 && json.errcode !== '0') {
      throw new DingTalkResponseError(endpoint, response.status, 'answered without errcode 0');
    }
    if (!isPlainObject(json.result)) {
      throw new DingTalkResponseError(endpoint, response.status, 'answered without a result object');
    }
    return { json: json.result, raw: response.body };
  }
}

// 40014 不合法的access_token, 42001 access_token超时 (DingTalk's "服务端API错误码"); oapi wraps them
// as the sub_code of 88 鉴权异常 (docs/dingtalk-answers.md).
const refusedTokenCodes = new Set(['40014', '42001']);

/** True when DingTalk refused the app access token, which is then fetched again. */
export function isRejectedAppToken(error: unknown): error is DingTalkAPIError {
  if (!(error instanceof DingTalkAPIError)) return false;
  return refusedTokenCodes.has(error.code) || (error.code === '88' && refusedTokenCodes.has(error.subCode ?? ''));
}
