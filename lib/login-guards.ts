import { isRejectedAuthCode } from './api/token-failure';
import type { DingTalkChallenge, FailureReason } from './challenge';

type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, results?: unknown) => void;

/** The token hook passport-oauth2 calls: `strategy._oauth2.getOAuthAccessToken`. */
interface TokenClient {
  getOAuthAccessToken(code: string, params: object, callback: TokenCallback): void;
}

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * What passport hands a strategy for one request: `Object.create(strategy)` with its own
 * `success`, `fail`, `error`, `redirect` and `pass`; the hooks are the strategy's, or whatever the
 * app stubbed or replaced on it.
 */
export interface PassportAttempt {
  _oauth2: TokenClient;
  _verify: AnyFunction;
  fail(challenge?: unknown, status?: number): void;
  error(err: unknown): void;
}

/** Builds the challenge of a failure this package decides, with its machine-readable reason. */
export function refusal(reason: FailureReason, message: string, extra?: object): DingTalkChallenge {
  return { ...extra, message, reason };
}

/**
 * Returns a per-request object for passport-oauth2's callback leg that adds DingTalk's outcomes
 * around the hooks the app may have stubbed or replaced, each looked up now, for this request:
 * - a `fail()` from the state store carries `reason: 'state_mismatch'`;
 * - around `_oauth2.getOAuthAccessToken`: a code DingTalk refused is `fail(401)`, and the
 *   organization allow-list is enforced before the profile is loaded and verify runs;
 * - around `_verify`: `profile.corpId` from the token answer, one answer however often `done` is
 *   called, and an async verify that rejects reaches `error()`.
 * Everything else, and the order of the steps, is passport-oauth2's own `authenticate`.
 */
export function guardCallback(
  attempt: PassportAttempt,
  allowedCorpIds: ReadonlySet<string> | undefined,
): PassportAttempt {
  const guarded = Object.create(attempt) as PassportAttempt;
  let exchangeStarted = false;
  let corpId: string | undefined;

  // Before the exchange, the only fail() passport-oauth2 makes is the state store's refusal.
  guarded.fail = (challenge, status) => {
    attempt.fail(exchangeStarted ? challenge : stateRefusal(challenge), status);
  };

  const tokenClient = attempt._oauth2;
  const guardedClient = Object.create(tokenClient) as TokenClient;
  guardedClient.getOAuthAccessToken = (code, params, callback) => {
    exchangeStarted = true;
    tokenClient.getOAuthAccessToken(code, params, (err, accessToken, refreshToken, results) => {
      if (isRejectedAuthCode(err)) {
        const said = err.description ? `${err.code}: ${err.description}` : err.code;
        const message = `DingTalk refused the authorization code (${said}). It may have expired or been used already: please log in again.`;
        return attempt.fail(refusal('code_rejected', message), 401);
      }
      if (!err && accessToken) {
        corpId = corpIdOf(results);
        const refused = organizationRefusal(allowedCorpIds, corpId);
        if (refused) return attempt.fail(refusal('organization_not_allowed', refused), 403);
      }
      // What follows (the profile, verify, the login) runs inside this callback: a throw there must
      // reach the error handler, not escape into the token client's promise.
      try {
        callback(err, accessToken, refreshToken, results);
      } catch (error) {
        attempt.error(error);
      }
    });
  };
  guarded._oauth2 = guardedClient;

  const verify = attempt._verify;
  guarded._verify = withLength(verify.length, function (this: unknown, ...args: unknown[]) {
    // passport-oauth2 calls verify with the profile just before done, whichever form it picked.
    const done = args.pop() as AnyFunction;
    const profile = args[args.length - 1];
    if (corpId && typeof profile === 'object' && profile !== null) (profile as { corpId?: string }).corpId = corpId;
    let answered = false;
    const doneOnce = (...outcome: unknown[]) => {
      if (answered) return;
      answered = true;
      done(...outcome);
    };
    // A throw is passport-oauth2's to catch; a rejected promise it would ignore.
    const result = verify.apply(this, [...args, doneOnce]);
    if (isThenable(result)) result.then(undefined, (error: unknown) => doneOnce(error ?? new Error('verify rejected')));
  });
  return guarded;
}

function stateRefusal(info: unknown): DingTalkChallenge {
  const details = typeof info === 'object' && info !== null ? info : undefined;
  const said = typeof info === 'string' ? info : (details as { message?: unknown } | undefined)?.message;
  const message = typeof said === 'string' && said ? said : 'Invalid authorization request state.';
  return refusal('state_mismatch', message, details);
}

function corpIdOf(results: unknown): string | undefined {
  const corpId = typeof results === 'object' && results !== null ? (results as { corpId?: unknown }).corpId : undefined;
  return typeof corpId === 'string' && corpId.length > 0 ? corpId : undefined;
}

/** Why the organization the user picked may not log in, if it may not. */
function organizationRefusal(allowed: ReadonlySet<string> | undefined, corpId: string | undefined): string | undefined {
  if (!allowed) return undefined;
  if (!corpId) {
    return 'DingTalk did not say which organization was picked: this app needs the scope "openid corpid".';
  }
  if (!allowed.has(corpId)) return `The organization ${corpId} may not log in to this app.`;
  return undefined;
}

/** passport-oauth2 picks the verify form by `verify.length`: the wrapper must report the app's. */
function withLength<T extends AnyFunction>(length: number, fn: T): T {
  Object.defineProperty(fn, 'length', { value: length });
  return fn;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
