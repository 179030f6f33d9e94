import type { Request } from 'express';
import type { Profile } from './profile';
import type { DingTalkTokenResponse } from './wire';

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

export type AnyVerifyFunction = (...args: unknown[]) => unknown;

export interface VerifyCall {
  verify: AnyVerifyFunction;
  passReqToCallback: boolean;
  req: Request;
  token: DingTalkTokenResponse;
  profile: Profile | undefined;
}

/**
 * Calls the app's verify callback in the form its arity asks for, as passport-oauth2 does, and
 * makes sure `done` answers once: a second call, or an async verify that rejects after calling
 * done, cannot answer the request twice; one that rejects before calling done is an error.
 */
export function callVerify(call: VerifyCall, done: VerifyCallback): void {
  let settled = false;
  const doneOnce: VerifyCallback = (err, user, info) => {
    if (settled) return;
    settled = true;
    done(err, user, info);
  };
  const { verify, token, profile } = call;
  const refreshToken = token.refreshToken ?? '';
  const withParams = verify.length === (call.passReqToCallback ? 6 : 5);
  const args: unknown[] = withParams
    ? [token.accessToken, refreshToken, token, profile, doneOnce]
    : [token.accessToken, refreshToken, profile, doneOnce];
  if (call.passReqToCallback) args.unshift(call.req);
  try {
    const result = verify(...args);
    if (isThenable(result)) result.then(undefined, (error: unknown) => doneOnce(error));
  } catch (error) {
    // A throw after done() comes from the code that ran after the login: not ours to answer.
    if (settled) throw error;
    doneOnce(error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
