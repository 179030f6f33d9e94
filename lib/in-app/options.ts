import type { Request } from 'express';

import type { TransportOptions } from '../browser/options';
import type { GetAccessTokenFunction } from '../organization/app-tokens';

/** Where DingTalk's in-client login (免登) lives unless the options say otherwise. */
export const inAppDefaultURLs = {
  accessTokenURL: 'https://api.dingtalk.com/v1.0/oauth2/accessToken',
  userInfoURL: 'https://oapi.dingtalk.com/topapi/v2/user/getuserinfo',
  userDetailsURL: 'https://oapi.dingtalk.com/topapi/v2/user/get',
} as const;

/**
 * The organization (corpId) a login belongs to, decided per request: for a third-party app that
 * many organizations install. What it returns came from the browser (a page parameter such as
 * `$CORPID$`), so it is untrusted: the strategy checks its form, and `getAccessToken` must only
 * answer for organizations that installed the app. Returning undefined refuses the login (400).
 */
export type CorpIdFunction = (req: Request) => string | undefined | Promise<string | undefined>;

/** Options of `InAppStrategy`, shared by both verify forms. */
export interface InAppStrategyOptionsBase extends TransportOptions {
  /** The app's ClientId (for an internal app, its AppKey): the same as the browser strategy's. */
  clientID: string;
  /** The app's ClientSecret (AppSecret). Sent only to `accessTokenURL`, never logged. */
  clientSecret: string;
  /**
   * The organization (corpId) the app serves: a string for an internal app, or a function of the
   * request for a third-party app used by many organizations (which then needs `getAccessToken`).
   */
  corpId: string | CorpIdFunction;
  /** Supplies the access token per organization (third-party apps); see {@link GetAccessTokenFunction}. */
  getAccessToken?: GetAccessTokenFunction;
  /** Don't fetch the user's details (`/topapi/v2/user/get`): one request less, no avatar, mobile or email. */
  skipUserDetails?: boolean;
  /** DingTalk's app token endpoint. Must be https unless it is on loopback (an emulator). */
  accessTokenURL?: string;
  /** DingTalk's in-client code exchange. Must be https unless it is on loopback. */
  userInfoURL?: string;
  /** DingTalk's user details endpoint. Must be https unless it is on loopback. */
  userDetailsURL?: string;
}

/** Options for `verify(profile, done)`. */
export interface InAppStrategyOptions extends InAppStrategyOptionsBase {
  /** Left out or `false`: verify does not receive `req`. */
  passReqToCallback?: false;
}

/** Options for `verify(req, profile, done)`. */
export interface InAppStrategyOptionsWithRequest extends InAppStrategyOptionsBase {
  /** `true`: verify receives `req` as its first argument. */
  passReqToCallback: true;
}
