import type { Request } from 'express';
import type { Profile } from './api/profile';
import type { DingTalkTokenResponse } from './api/wire';

/** Ends the verify callback: an error, a user (login succeeds) or `false` with an info message. */
export type VerifyCallback = (err?: unknown, user?: Express.User | false, info?: object) => void;

/** The verify callback: `(accessToken, refreshToken, profile, done)`. */
export type VerifyFunction = (
  accessToken: string,
  refreshToken: string,
  profile: Profile,
  done: VerifyCallback,
) => void;

/** The verify callback that also receives DingTalk's token answer as `params` (with `expireIn`, `corpId`). */
export type VerifyFunctionWithParams = (
  accessToken: string,
  refreshToken: string,
  params: DingTalkTokenResponse,
  profile: Profile,
  done: VerifyCallback,
) => void;

/** The verify callback for `passReqToCallback: true`: `(req, accessToken, refreshToken, profile, done)`. */
export type VerifyFunctionWithRequest = (
  req: Request,
  accessToken: string,
  refreshToken: string,
  profile: Profile,
  done: VerifyCallback,
) => void;

/** The verify callback for `passReqToCallback: true` that also receives `params`. */
export type VerifyFunctionWithRequestAndParams = (
  req: Request,
  accessToken: string,
  refreshToken: string,
  params: DingTalkTokenResponse,
  profile: Profile,
  done: VerifyCallback,
) => void;
