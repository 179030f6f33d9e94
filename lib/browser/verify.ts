import type { Request } from 'express';
import type { Profile } from '../api/profile';
import type { DingTalkTokenResponse } from '../api/wire';
import type { VerifyCallback } from '../passport/verify';

/** A verify callback: the arguments `TFirst`, then `profile` and `done`. */
type Verify<TFirst extends unknown[], TProfile> = (
  ...args: [...TFirst, profile: TProfile, done: VerifyCallback]
) => void;
type Tokens = [accessToken: string, refreshToken: string];

/**
 * The verify callback: `(accessToken, refreshToken, profile, done)`. Each form takes the type of
 * `profile` as a parameter: `Profile`, or `Profile | undefined` where `skipUserProfile` is set.
 */
export type VerifyFunction<TProfile = Profile> = Verify<Tokens, TProfile>;

/** The verify callback that also receives DingTalk's token answer as `params` (with `expireIn`, `corpId`). */
export type VerifyFunctionWithParams<TProfile = Profile> = Verify<[...Tokens, params: DingTalkTokenResponse], TProfile>;

/** The verify callback for `passReqToCallback: true`: `(req, accessToken, refreshToken, profile, done)`. */
export type VerifyFunctionWithRequest<TProfile = Profile> = Verify<[req: Request, ...Tokens], TProfile>;

/** The verify callback for `passReqToCallback: true` that also receives `params`. */
export type VerifyFunctionWithRequestAndParams<TProfile = Profile> = Verify<
  [req: Request, ...Tokens, params: DingTalkTokenResponse],
  TProfile
>;
