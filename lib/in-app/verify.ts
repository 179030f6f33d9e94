import type { Request } from 'express';

import type { VerifyCallback } from '../passport/verify';
import type { InAppProfile } from './profile';

/**
 * What an async verify may resolve to instead of calling `done`: the user, or a falsy value that
 * refuses the login. A verify that declares `done` must call it: what it resolves to is ignored.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an async verify that calls done resolves with void.
export type InAppVerifyResult = void | Promise<Express.User | false | null | undefined | void>;

/** The in-client strategy's verify callback: `(profile, done)`; it may be async. */
export type InAppVerifyFunction = (profile: InAppProfile, done: VerifyCallback) => InAppVerifyResult;

/** The verify callback for `passReqToCallback: true`: `(req, profile, done)`; it may be async. */
export type InAppVerifyFunctionWithRequest = (
  req: Request,
  profile: InAppProfile,
  done: VerifyCallback,
) => InAppVerifyResult;
