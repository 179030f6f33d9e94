import type { Request } from 'express';
import type { Profile } from '../api/profile';
import type { DingTalkTokenResponse } from '../api/wire';
import type { VerifyCallback } from '../passport/verify';

/**
 * The verify callback: `(accessToken, refreshToken, profile, done)`. Each form takes the type of
 * `profile` as a parameter: `Profile`, or `Profile | undefined` where `skipUserProfile` is set.
 */
export type VerifyFunction<TProfile = Profile> = (
  accessToken: string,
  refreshToken: string,
  profile: TProfile,
  done: VerifyCallback,
) => void;

/** The verify callback that also receives DingTalk's token answer as `params` (with `expireIn`, `corpId`). */
export type VerifyFunctionWithParams<TProfile = Profile> = (
  accessToken: string,
  refreshToken: string,
  params: DingTalkTokenResponse,
  profile: TProfile,
  done: VerifyCallback,
) => void;

/** The verify callback for `passReqToCallback: true`: `(req, accessToken, refreshToken, profile, done)`. */
export type VerifyFunctionWithRequest<TProfile = Profile> = (
  req: Request,
  accessToken: string,
  refreshToken: string,
  profile: TProfile,
  done: VerifyCallback,
) => void;

/** The verify callback for `passReqToCallback: true` that also receives `params`. */
export type VerifyFunctionWithRequestAndParams<TProfile = Profile> = (
  req: Request,
  accessToken: string,
  refreshToken: string,
  params: DingTalkTokenResponse,
  profile: TProfile,
  done: VerifyCallback,
) => void;
