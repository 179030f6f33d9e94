import type { DingTalkAuthenticateOptions } from '../browser/authorization-params';
import type { FailureReason } from './challenge';

/**
 * The `info` a custom callback of `passport.authenticate('dingtalk', callback)` or
 * `passport.authenticate('dingtalk-inapp', callback)` receives. passport hands the callback the
 * `info` of whichever answer the login got:
 * - a failure this package decided: its {@link DingTalkChallenge}, with `reason` and `message`;
 * - a refusal from your verify, `done(null, false, info)`: your own `info`, as you gave it (no
 *   `reason` unless you set one: keep to `FailureReason`'s values, or use another key);
 * - a success: your verify's `info` (the browser strategy adds `state`, the object a state store
 *   kept for this login, as passport-oauth2 does);
 * - an error: nothing (`undefined`).
 */
export interface DingTalkAuthenticateInfo {
  /** On a failure this package decided: why, to switch on or to look your own text up by. */
  reason?: FailureReason;
  /** A sentence for the developer or the user, in English (or your verify's own message). */
  message?: string;
  /** With `access_denied`: the `error` value DingTalk sent. */
  dingtalkError?: string;
  /** Anything else the state store, or your verify, put in `info`. */
  [key: string]: unknown;
}

/**
 * A custom callback for `passport.authenticate('dingtalk', callback)` and
 * `passport.authenticate('dingtalk-inapp', callback)`, its parameters typed without an annotation.
 * passport calls it in one of three ways:
 * - success: `(null, user, info)`, `status` undefined;
 * - failure: `(null, false, info, status)`, `status` being 400, 401 or 403 for this package's
 *   failures, and undefined for `access_denied` and a refusal from your verify (passport itself
 *   would answer 401);
 * - error: `(err)`, the other three undefined: a `DingTalkError` or another `Error` of this
 *   package, or whatever your verify passed to `done(err)`.
 *
 * If the callback takes the user, it must log them in itself (`req.logIn`).
 */
export type DingTalkAuthenticateCallback = (
  err: unknown,
  user: Express.User | false | undefined,
  info: DingTalkAuthenticateInfo | undefined,
  status: number | undefined,
) => void;

// Overloads of `passport.authenticate` for the two names this package registers, so that a custom
// callback's parameters are typed and DingTalk's options (and a `state` object) compile without a
// cast. Each takes a single string literal, which TypeScript places ahead of passport's own
// `(strategy: string | string[] | Strategy, ...)` forms; any other name, an array of names or a
// strategy instance still reaches those, with passport's own types. Nothing is added to passport's
// AuthenticateOptions, which every other strategy in the app shares: a module augmentation cannot
// widen its `state?: string`, and `corpId` means nothing to them. A strategy registered under
// another name takes `options as AuthenticateOptions` (docs/reference.md, "Per-request options"). The type
// parameters are @types/passport's, as a merged declaration requires.
declare module 'passport' {
  interface Authenticator<InitializeRet, AuthenticateRet, AuthorizeRet, AuthorizeOptions> {
    /** passport-dingtalk-oauth2: starts or finishes a DingTalk login, with a typed custom callback. */
    authenticate(strategy: 'dingtalk', callback?: DingTalkAuthenticateCallback): AuthenticateRet;
    /** passport-dingtalk-oauth2: starts or finishes a DingTalk login with its per-request options. */
    authenticate(
      strategy: 'dingtalk',
      options: DingTalkAuthenticateOptions,
      callback?: DingTalkAuthenticateCallback,
    ): AuthenticateRet;
    /** passport-dingtalk-oauth2: a login inside the DingTalk client, with a typed custom callback. */
    authenticate(strategy: 'dingtalk-inapp', callback?: DingTalkAuthenticateCallback): AuthenticateRet;
    /** passport-dingtalk-oauth2: a login inside the DingTalk client, with passport's options. */
    authenticate(
      strategy: 'dingtalk-inapp',
      options: import('passport').AuthenticateOptions,
      callback?: DingTalkAuthenticateCallback,
    ): AuthenticateRet;
  }
}
