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
  type StrategyOptions,
  type StrategyOptionsBase,
  type StrategyOptionsWithRequest,
} from './options';
export type { Profile } from './profile';
export { Strategy, type VerifyCallback, type VerifyFunction, type VerifyFunctionWithRequest } from './strategy';
export type { DingTalkTokenResponse, DingTalkUserInfo } from './wire';

export default Strategy;
