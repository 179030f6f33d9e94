import { Strategy } from './strategy';

export type { DingTalkAuthenticateOptions } from './authorization-params';
export {
  DingTalkAPIError,
  type DingTalkAPIErrorDetails,
  type DingTalkEndpoint,
  DingTalkError,
  DingTalkNetworkError,
  DingTalkResponseError,
  DingTalkTimeoutError,
} from './errors';
export type { FetchFunction, FetchRequestInit, FetchResponse } from './http';
export {
  defaultURLs,
  type SkipUserProfileFunction,
  type StateStore,
  type StateStoreMeta,
  type StateStoreStoreCallback,
  type StateStoreVerifyCallback,
  type StrategyOptions,
  type StrategyOptionsBase,
  type StrategyOptionsWithRequest,
} from './options';
export type { Profile } from './profile';
export { SignedCookieStateStore, type SignedCookieStateStoreOptions } from './state/signed-cookie-store';
export { Strategy } from './strategy';
export type {
  VerifyCallback,
  VerifyFunction,
  VerifyFunctionWithParams,
  VerifyFunctionWithRequest,
  VerifyFunctionWithRequestAndParams,
} from './verify';
export type { DingTalkTokenResponse, DingTalkUserInfo } from './wire';

export default Strategy;
