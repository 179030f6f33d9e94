import type { Settings } from '../passport/settings';
import { DingTalkError, DingTalkResponseError } from './errors';
import { sendRequest } from './http';
import { nonEmptyString, type Profile, parseProfile } from './profile';
import { interpretResponse } from './response';
import { isHeaderSafeToken, parseTokenResponse } from './token';
import type { DingTalkTokenResponse, DingTalkUserInfo } from './wire';

const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json' };

/** Talks to DingTalk's v1.0 API: the token endpoint and the contact "me" endpoint. */
export class DingTalkClient {
  readonly #settings: Settings;

  constructor(settings: Settings) {
    this.#settings = settings;
  }

  /** Trades the authCode from the callback for a user access token. */
  exchangeAuthCode(code: string): Promise<DingTalkTokenResponse> {
    return this.#requestToken('authorization_code', 'code', code);
  }

  /** Trades a refresh token for a new access token. */
  refreshAccessToken(refreshToken: string): Promise<DingTalkTokenResponse> {
    return this.#requestToken('refresh_token', 'refreshToken', refreshToken);
  }

  /** Reads the profile of the user the access token belongs to. */
  async fetchProfile(accessToken: string): Promise<Profile> {
    // An HTTP client would quote a value it cannot send as a header in its error: refused here first.
    if (!isHeaderSafeToken(accessToken))
      throw new DingTalkError('profile', 'the access token is not one DingTalk issues: an HTTP header cannot carry it');
    const secrets = [accessToken, this.#settings.clientSecret];
    const response = await sendRequest(this.#settings, {
      endpoint: 'profile',
      url: this.#settings.userProfileURL,
      method: 'GET',
      headers: { accept: 'application/json', 'x-acs-dingtalk-access-token': accessToken },
      secrets,
    });
    const json = interpretResponse('profile', response, secrets);
    if (!nonEmptyString(json.unionId))
      throw new DingTalkResponseError('profile', response.status, 'answered without a unionId');
    return parseProfile(json as DingTalkUserInfo, response.body);
  }

  /** Sends the app's credentials and the grant, whose `code` or `refreshToken` is `grant`. */
  async #requestToken(grantType: string, field: 'code' | 'refreshToken', grant: string) {
    const { clientID: clientId, clientSecret, tokenURL } = this.#settings;
    const secrets = [clientSecret, grant];
    const response = await sendRequest(this.#settings, {
      endpoint: 'token',
      url: tokenURL,
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify({ clientId, clientSecret, [field]: grant, grantType }),
      secrets,
    });
    const json = interpretResponse('token', response, secrets);
    const token = parseTokenResponse(json);
    if (!token) throw new DingTalkResponseError('token', response.status, 'answered without an accessToken');
    return token;
  }
}
