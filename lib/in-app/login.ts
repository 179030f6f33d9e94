import { AppTokenCache } from './app-token-cache';
import { type InAppClient, isRejectedAppToken } from './client';
import type { GetAccessTokenFunction } from './options';
import { type InAppProfile, parseInAppProfile } from './profile';

/** Where a login's app access token comes from; `rejected` is the one DingTalk just refused. */
type AppTokenSource = (corpId: string, rejected: string | undefined) => Promise<string>;

/**
 * The server side of one in-client login: an app access token, the code exchange, and the
 * details unless skipped. A token DingTalk refuses (40014, 42001) is replaced and the request
 * retried, once per login.
 */
export class InAppLogin {
  readonly #client: InAppClient;
  readonly #tokenFor: AppTokenSource;
  readonly #skipUserDetails: boolean;

  constructor(client: InAppClient, getAccessToken: GetAccessTokenFunction | undefined, skipUserDetails: boolean) {
    this.#client = client;
    this.#tokenFor = getAccessToken ? suppliedTokens(getAccessToken) : cachedTokens(client);
    this.#skipUserDetails = skipUserDetails;
  }

  /** The profile of the user who brought `code`; rejects with the package's typed errors. */
  async profileFor(code: string, corpId: string): Promise<InAppProfile> {
    let token = await this.#tokenFor(corpId, undefined);
    let retried = false;
    const withToken = async <T>(request: (token: string) => Promise<T>): Promise<T> => {
      try {
        return await request(token);
      } catch (error) {
        if (retried || !isRejectedAppToken(error)) throw error;
        retried = true;
        token = await this.#tokenFor(corpId, token);
        return request(token);
      }
    };
    const info = await withToken((appToken) => this.#client.exchangeCode(appToken, code));
    const details = this.#skipUserDetails
      ? undefined
      : await withToken((appToken) => this.#client.fetchUserDetails(appToken, info.json.userid));
    return parseInAppProfile(info.json, info.raw, corpId, details?.json);
  }
}

/** The internal app's own token, from DingTalk, cached per strategy (one organization). */
function cachedTokens(client: InAppClient): AppTokenSource {
  const cache = new AppTokenCache(() => client.fetchAppToken());
  return (_corpId, rejected) => {
    if (rejected !== undefined) cache.forget(rejected);
    return cache.get();
  };
}

/**
 * `getAccessToken` answered nothing for the organization: the app does not serve it (a third-party
 * app the organization never installed). The login fails; nobody's server failed.
 */
export class OrganizationNotServed extends Error {
  constructor(corpId: string) {
    super(`This app has no access token for the organization ${corpId}: it does not serve it.`);
    this.name = 'OrganizationNotServed';
  }
}

/** The app's `getAccessToken`, whose answer is checked. */
function suppliedTokens(getAccessToken: GetAccessTokenFunction): AppTokenSource {
  return async (corpId, rejected) => {
    const token: unknown = await getAccessToken(corpId, rejected === undefined ? {} : { rejectedToken: rejected });
    if (token === undefined || token === null) throw new OrganizationNotServed(corpId);
    if (typeof token !== 'string' || token.length === 0) {
      throw new TypeError('passport-dingtalk-oauth2: getAccessToken(corpId) must resolve to the access token string');
    }
    return token;
  };
}
