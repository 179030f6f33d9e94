import { Strategy } from './browser/strategy';

export {
  DingTalkAPIError,
  type DingTalkAPIErrorDetails,
  type DingTalkEndpoint,
  DingTalkError,
  DingTalkNetworkError,
  DingTalkResponseError,
  DingTalkTimeoutError,
} from './api/errors';
export type { FetchFunction, FetchRequestInit, FetchResponse } from './api/http';
export type { Profile } from './api/profile';
export type * from './api/wire';
export type { DingTalkAuthenticateOptions } from './browser/authorization-params';
export type { LookupMemberCallback } from './browser/login';
export type { MemberProfile } from './browser/member-profile';
export {
  defaultURLs,
  type SkipUserProfileFunction,
  type StrategyOptions,
  type StrategyOptionsBase,
  type StrategyOptionsSkippingProfile,
  type StrategyOptionsWithRequest,
  type StrategyOptionsWithRequestSkippingProfile,
} from './browser/options';
export { type ProfileOf, Strategy } from './browser/strategy';
export type * from './browser/verify';
export {
  type CorpIdFunction,
  type InAppStrategyOptions,
  type InAppStrategyOptionsBase,
  type InAppStrategyOptionsWithRequest,
  inAppDefaultURLs,
} from './in-app/options';
export type { InAppProfile } from './in-app/profile';
export { InAppStrategy } from './in-app/strategy';
export type * from './in-app/verify';
export type * from './in-app/wire';
export type { AccessTokenRequestContext, GetAccessTokenFunction } from './organization/app-tokens';
export type { DingTalkMember } from './organization/client';
export type * from './organization/wire';
export type * from './passport/authenticate-types';
export type { DingTalkChallenge, FailureReason } from './passport/challenge';
export type * from './passport/state-store';
export type { VerifyCallback } from './passport/verify';
export { SignedCookieStateStore, type SignedCookieStateStoreOptions } from './state/signed-cookie-store';
export default Strategy;

// As with passport-google-oauth20 and passport-github2, `require('passport-dingtalk-oauth2')` is the
// Strategy constructor itself, carrying every export as well (`.Strategy`, `.default`, the errors,
// the state store), so `new (require('passport-dingtalk-oauth2'))(options, verify)` works as users expect.
// `__esModule` keeps `import Strategy from` and bundlers reading `.default`.
module.exports = Object.defineProperty(Object.assign(Strategy, module.exports), '__esModule', { value: true });
