import { isRejectedAuthCode } from './api/token-failure';
import type { DingTalkChallenge, FailureReason } from './challenge';

type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, results?: unknown) => void;

/** The token hook passport-oauth2 calls: `strategy._oauth2.getOAuthAccessToken`. */
interface TokenClient {
  getOAuthAccessToken(code: string, params: object, callback: TokenCallback): void;
}

type AnyFunction = (...args: unknown[]) => unknown;
type ProfileCallback = (err: unknown, profile?: unknown) => void;

/** The ways passport lets a strategy answer a request. */
const outcomes = ['success', 'fail', 'error', 'redirect', 'pass'] as const;
type Outcome = (typeof outcomes)[number];

/**
 * What passport hands a strategy for one request: `Object.create(strategy)` with its own
 * `success`, `fail`, `error`, `redirect` and `pass`; the hooks are the strategy's, or whatever the
 * app stubbed or replaced on it.
 */
export interface PassportAttempt extends Record<Outcome, AnyFunction> {
  _oauth2: TokenClient;
  _verify: AnyFunction;
  userProfile(accessToken: string, done: ProfileCallback): void;
  tokenParams(options: object): object;
}

/** Builds the challenge of a failure this package decides, with its machine-readable reason. */
export function refusal(reason: FailureReason, message: string, extra?: object): DingTalkChallenge {
  return { ...extra, message, reason };
}

/**
 * Runs passport-oauth2's `authenticate` (`authenticate(guarded)`) on a per-request object that adds
 * DingTalk's outcomes around the hooks the app may have stubbed or replaced, each looked up now:
 * - one answer per request, to the actions passport attached for this request, whatever a hook
 *   calls twice or throws;
 * - a `fail()` from the state store carries `reason: 'state_mismatch'`;
 * - around `_oauth2.getOAuthAccessToken`: a code DingTalk refused is `fail(401)`, and the
 *   organization allow-list holds before the profile is loaded and verify runs;
 * - around `userProfile`: `profile.corpId` from the token answer, on a copy;
 * - around `_verify`: one call, one `done`, and an async verify that rejects reaches `error()`.
 * Everything else, and the order of the steps, is passport-oauth2's own.
 */
export function runGuardedLogin(
  attempt: PassportAttempt,
  allowedCorpIds: ReadonlySet<string> | undefined,
  authenticate: (guarded: PassportAttempt) => void,
  codeRefused?: () => void,
): void {
  // passport's per-request object, Object.create(strategy), takes the guards itself. A strategy
  // passport was handed as an instance (it owns `_oauth2`) gets a per-request copy, so that
  // nothing is written to the shared strategy.
  const guarded = Object.hasOwn(attempt, '_oauth2') ? (Object.create(attempt) as PassportAttempt) : attempt;
  // This request's actions and hooks, read before the guards take their place. Read now, too: on
  // a shared strategy instance a concurrent request replaces the actions before this one answers.
  const actions: Record<Outcome, AnyFunction | undefined> = {
    success: attempt.success,
    fail: attempt.fail,
    error: attempt.error,
    redirect: attempt.redirect,
    pass: attempt.pass,
  };
  const { tokenParams, userProfile, _verify: verify, _oauth2: tokenClient } = attempt;
  let answered = false;
  let exchangeStarted = false;
  let verifyCalled = false;
  let corpId: string | undefined;
  let synchronous = true;
  let thrownWhileAnswering: { error: unknown } | undefined;

  const answer = (name: Outcome, args: unknown[]) => {
    if (answered) return;
    answered = true;
    try {
      actions[name]?.apply(attempt, args);
    } catch (thrown) {
      // The code that took the answer threw (a custom callback that rethrows, an assertion in a
      // test): never a second answer. Within authenticate() the throw reaches its caller, as it
      // would from passport-oauth2; later it would be an unhandled rejection: a warning instead.
      if (synchronous) thrownWhileAnswering ??= { error: thrown };
      else warnAboutThrow(name, thrown);
    }
  };
  for (const name of outcomes) {
    if (name !== 'fail') guarded[name] = (...args: unknown[]) => answer(name, args);
  }
  // Before the exchange, the only fail() passport-oauth2 makes is the state store's refusal.
  guarded.fail = (challenge, status) => answer('fail', [exchangeStarted ? challenge : stateRefusal(challenge), status]);

  // passport-oauth2 calls tokenParams inside the state store's callback, which an async store runs
  // outside any try.
  guarded.tokenParams = (options) => {
    try {
      return tokenParams.call(guarded, options);
    } catch (error) {
      guarded.error(error);
      return {};
    }
  };

  const guardedClient = Object.create(tokenClient) as TokenClient;
  guardedClient.getOAuthAccessToken = (code, params, callback) => {
    // Only the login's own exchange is guarded: one made later (a refresh from verify) goes through,
    // and none is made for a login already answered (a store that called back twice).
    if (exchangeStarted) return tokenClient.getOAuthAccessToken(code, params, callback);
    if (answered) return;
    exchangeStarted = true;
    let calledBack = false;
    const tokenReceived: TokenCallback = (err, accessToken, refreshToken, results) => {
      if (calledBack || answered) return;
      calledBack = true;
      if (isRejectedAuthCode(err)) {
        // The state store may let go of this login's state: no login was made with it.
        try {
          codeRefused?.();
        } catch (error) {
          return guarded.error(error);
        }
        const said = err.description ? `${err.code}: ${err.description}` : err.code;
        const message = `DingTalk refused the authorization code (${said}). It may have expired or been used already: please log in again.`;
        return guarded.fail(refusal('code_rejected', message), 401);
      }
      if (!err && accessToken) {
        corpId = corpIdOf(results);
        const refused = organizationRefusal(allowedCorpIds, corpId);
        if (refused) return guarded.fail(refusal('organization_not_allowed', refused), 403);
      }
      // What follows (the profile, verify) runs inside this callback: a hook that throws there
      // must reach the error handler, not escape into the token client's promise.
      try {
        callback(err, accessToken, refreshToken, results);
      } catch (error) {
        guarded.error(error);
      }
    };
    try {
      tokenClient.getOAuthAccessToken(code, params, tokenReceived);
    } catch (error) {
      guarded.error(error);
    }
  };
  guarded._oauth2 = guardedClient;

  guarded.userProfile = (accessToken, done) => {
    let delivered = false;
    const deliver: ProfileCallback = (err, profile) => {
      if (delivered) return;
      delivered = true;
      done(err, withCorpId(profile, corpId));
    };
    let result: unknown;
    try {
      result = userProfile.call(guarded, accessToken, deliver);
    } catch (error) {
      return deliver(error);
    }
    if (isThenable(result))
      result.then(undefined, (error: unknown) => deliver(error || new Error('userProfile rejected')));
  };

  guarded._verify = sameVerifyForm(verify.length, function (this: unknown, args: unknown[]) {
    if (verifyCalled) return;
    verifyCalled = true;
    const done = args.pop() as AnyFunction;
    let settled = false;
    const doneOnce = (...outcome: unknown[]) => {
      if (settled) return;
      settled = true;
      done(...outcome);
    };
    // A throw is passport-oauth2's to catch; a rejected promise it would ignore.
    const result = verify.apply(this, [...args, doneOnce]);
    if (isThenable(result)) {
      result.then(undefined, (error: unknown) => doneOnce(error || new Error('verify rejected without a reason')));
    }
  });

  try {
    authenticate(guarded);
  } catch (error) {
    // A hook outside passport-oauth2's own try (authorizationParams, a store's store()) threw.
    guarded.error(error);
  } finally {
    synchronous = false;
  }
  if (thrownWhileAnswering) throw thrownWhileAnswering.error;
}

/** passport-oauth2's state store, as `_stateStore` holds it. */
interface StateStoreHook {
  verify(...args: unknown[]): void;
}

/**
 * Ends a login DingTalk refused (`error=`): the state is checked first, as for any callback, so
 * that the store uses it up (a session store forgets it, a cookie store clears its cookie) and a
 * forged refusal is told apart; then the login fails with `access_denied`. passport-oauth2 would
 * skip the store here, leaving the state behind for the next login to trip over.
 */
export function refuseLogin(
  attempt: PassportAttempt & { _stateStore: StateStoreHook },
  req: unknown,
  state: string | undefined,
  meta: object,
  refused: DingTalkChallenge,
): void {
  let answered = false;
  const verified = (err: unknown, ok: unknown, info?: unknown) => {
    if (answered) return;
    answered = true;
    if (err) return attempt.error(err);
    if (!ok) return attempt.fail(stateRefusal(info), 403);
    attempt.fail(refused);
  };
  try {
    const store = attempt._stateStore;
    // passport-oauth2's stores say by their arity whether they take the metadata.
    if (store.verify.length === 4) store.verify(req, state, meta, verified);
    else store.verify(req, state, verified);
  } catch (error) {
    verified(error, false);
  }
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

/**
 * The profile with the organization from the token answer: a copy (same prototype), so that a
 * profile object a stub or a cache hands out again, or a frozen one, is never written to.
 */
function withCorpId(profile: unknown, corpId: string | undefined): unknown {
  if (!corpId || typeof profile !== 'object' || profile === null) return profile;
  if ((profile as { corpId?: unknown }).corpId === corpId) return profile;
  return Object.assign(Object.create(Object.getPrototypeOf(profile)), profile, { corpId });
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

/**
 * passport-oauth2 picks the verify form by `_verify.length` (6 or 5, else the shortest form): the
 * wrapper must lead it to the app's form. A fixed parameter list per form, since redefining a
 * function's `length` on every login costs more than the rest of the guards.
 */
function sameVerifyForm(length: number, verifyWith: (this: unknown, args: unknown[]) => void): AnyFunction {
  // The parameters passport-oauth2 left unfilled come last, as undefined; done, always a function,
  // is the last one it passed.
  const body = function (this: unknown, args: unknown[]) {
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
    verifyWith.call(this, args);
  };
  if (length === 6) {
    return function (this: unknown, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown) {
      body.call(this, [a, b, c, d, e, f]);
    } as AnyFunction;
  }
  if (length === 5) {
    return function (this: unknown, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, ...more: unknown[]) {
      body.call(this, [a, b, c, d, e, ...more]);
    } as AnyFunction;
  }
  return function (this: unknown, a: unknown, b: unknown, c: unknown, d: unknown, ...more: unknown[]) {
    body.call(this, [a, b, c, d, ...more]);
  } as AnyFunction;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Warns that the code that took an answer threw, once the throw can no longer reach a caller. */
export function warnAboutThrow(outcome: string, thrown: unknown): void {
  const said = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  process.emitWarning(`passport-dingtalk-oauth2: the code that took the login's ${outcome}() threw: ${said}`, {
    type: 'PassportDingTalkWarning',
    detail: thrown instanceof Error ? thrown.stack : undefined,
  });
}
