import type { Request } from 'express';

import type { VerifyCallback } from '../verify';
import type { InAppProfile } from './profile';

/** The in-client strategy's verify callback: `(profile, done)`; it may be async. */
export type InAppVerifyFunction = (profile: InAppProfile, done: VerifyCallback) => void | Promise<void>;

/** The verify callback for `passReqToCallback: true`: `(req, profile, done)`; it may be async. */
export type InAppVerifyFunctionWithRequest = (
  req: Request,
  profile: InAppProfile,
  done: VerifyCallback,
) => void | Promise<void>;
