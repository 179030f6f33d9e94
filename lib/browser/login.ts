import { isRejectedAuthCode } from '../api/token-failure';
import { answerKey, isThenable, LoginAnswer, type PassportActions, perRequest } from '../passport/answer';
import { type DingTalkChallenge, refusal } from '../passport/challenge';
import { callVerify, type VerifyCallback } from '../passport/verify';

type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, results?: unknown) => void;
type ProfileCallback = (err: unknown, profile?: unknown) => void;
type AnyFunction = (...args: unknown[]) => unknown;

/** The token hook passport-oauth2 calls: `strategy._oauth2.getOAuthAccessToken`. */
interface TokenClient {
  getOAuthAccessToken(code: string, params: object, callback: TokenCallback): void;
}

/** passport-oauth2's state store, as `_stateStore` holds it. */
interface StateStoreHook {
  verify(...args: unknown[]): void;
  /** SignedCookieStateStore's: DingTalk refused the code that came with `state`. */
  codeRefused?(req: unknown, state: string): void;
}

/**
 * What passport hands a strategy for one request: `Object.create(strategy)` with its own actions;
 * the hooks are the strategy's, or whatever the app stubbed or replaced on it.
 */
export interface PassportAttempt extends PassportActions {
  _oauth2: TokenClient;
  _verify: AnyFunction;
  _stateStore: StateStoreHook;
  userProfile(accessToken: string, done: ProfileCallback): unknown;
  tokenParams(options: object): object;
}

/** The per-request object passport-oauth2 runs on, pointing at its login. */
interface Guarded extends PassportAttempt {
  [answerKey]: BrowserLogin;
}

/** The token client passport-oauth2 calls during this login, pointing at it too. */
interface GuardedClient extends TokenClient {
  [answerKey]: BrowserLogin;
}

/**
 * One browser login: its answer, and the hooks as they were when the request started (apps stub
 * and replace them; a concurrent request may too). passport-oauth2 runs the login on a
 * per-request object whose hooks are the module-level functions below, which find this object
 * through it; they add DingTalk's outcomes around the app's hooks:
 * - one answer per request, whatever a hook calls twice or throws;
 * - a `fail()` from the state store carries `reason: 'state_mismatch'`;
 * - a code DingTalk refused is `fail(401)`, and the organization allow-list holds before the
 *   profile is loaded and verify runs;
 * - `profile.corpId` from the token answer, on a copy;
 * - verify runs once, with one `done`; an async verify may answer with what it resolves to.
 * Everything else, and the order of the steps, is passport-oauth2's own.
 */
export class BrowserLogin extends LoginAnswer {
  readonly #req: unknown;
  readonly #allowedCorpIds: ReadonlySet<string> | undefined;
  readonly #tokenClient: TokenClient;
  readonly #userProfile: PassportAttempt['userProfile'];
  readonly #verify: AnyFunction;
  readonly #tokenParams: PassportAttempt['tokenParams'];
  readonly #store: StateStoreHook | undefined;
  /** The state this callback came with, for the store to let go of when DingTalk refuses the code. */
  #state: string | undefined;
  #exchangeStarted = false;
  #tokenHeard = false;
  #profileHeard = false;
  #verifyCalled = false;
  #corpId: string | undefined;

  constructor(attempt: PassportAttempt, req: unknown, allowedCorpIds: ReadonlySet<string> | undefined) {
    super(attempt);
    this.#req = req;
    this.#allowedCorpIds = allowedCorpIds;
    this.#tokenClient = attempt._oauth2;
    this.#userProfile = attempt.userProfile;
    this.#verify = attempt._verify;
    this.#tokenParams = attempt.tokenParams;
    this.#store = attempt._stateStore;
  }

  /**
   * The object to hand passport-oauth2's `authenticate`: the request's own, or a copy of a
   * strategy instance passport was handed directly, with the guarded hooks in place.
   */
  guard(attempt: PassportAttempt, state: string | undefined): Guarded {
    this.#state = state;
    const guarded = perRequest(attempt, '_oauth2') as Guarded;
    guarded[answerKey] = this;
    guarded.success = success;
    guarded.fail = fail;
    guarded.error = error;
    guarded.redirect = redirect;
    guarded.pass = pass;
    guarded.tokenParams = tokenParams;
    guarded.userProfile = userProfile;
    guarded._verify = verifyFormOf(this.#verify.length);
    const client = Object.create(this.#tokenClient) as GuardedClient;
    client[answerKey] = this;
    client.getOAuthAccessToken = exchangeCode;
    guarded._oauth2 = client;
    return guarded;
  }

  /**
   * Ends a login DingTalk refused (`error=`): the state is checked first, as for any callback, so
   * that the store uses it up (a session store forgets it, a cookie store clears its cookie) and a
   * forged refusal is told apart; then the login fails with `access_denied`. passport-oauth2 would
   * skip the store here, leaving the state behind for the next login to trip over.
   */
  refuse(store: StateStoreHook, state: string | undefined, meta: object, refused: DingTalkChallenge): void {
    const verified = (err: unknown, ok: unknown, info?: unknown) => {
      if (err) this.error(err);
      else if (!ok) this.fail(stateRefusal(info), 403);
      else this.fail(refused);
    };
    try {
      // passport-oauth2's stores say by their arity whether they take the metadata.
      if (store.verify.length === 4) store.verify(this.#req, state, meta, verified);
      else store.verify(this.#req, state, verified);
    } catch (thrown) {
      this.error(thrown);
    }
  }

  /** Only the login's own exchange is guarded; one made later (a refresh from verify) goes through. */
  exchange(code: string, params: object, callback: TokenCallback): void {
    if (this.#exchangeStarted) {
      this.#tokenClient.getOAuthAccessToken(code, params, callback);
      return;
    }
    // A store that called back twice, or after the login was answered, starts no exchange.
    if (this.answered) return;
    this.#exchangeStarted = true;
    try {
      this.#tokenClient.getOAuthAccessToken(code, params, (err, accessToken, refreshToken, results) =>
        this.#tokenReceived(callback, err, accessToken, refreshToken, results),
      );
    } catch (thrown) {
      this.error(thrown);
    }
  }

  #tokenReceived(
    callback: TokenCallback,
    err: unknown,
    accessToken: string | undefined,
    refreshToken: string | undefined,
    results: unknown,
  ): void {
    if (this.#tokenHeard || this.answered) return;
    this.#tokenHeard = true;
    if (isRejectedAuthCode(err)) {
      // The state store may let go of this login's state: no login was made with it.
      const store = this.#store;
      try {
        if (this.#state !== undefined && typeof store?.codeRefused === 'function') {
          store.codeRefused(this.#req, this.#state);
        }
      } catch (thrown) {
        this.error(thrown);
        return;
      }
      const said = err.description ? `${err.code}: ${err.description}` : err.code;
      const message = `DingTalk refused the authorization code (${said}). It may have expired or been used already: please log in again.`;
      this.fail(refusal('code_rejected', message), 401);
      return;
    }
    if (!err && accessToken) {
      this.#corpId = corpIdOf(results);
      const refused = organizationRefusal(this.#allowedCorpIds, this.#corpId);
      if (refused) {
        this.fail(refusal('organization_not_allowed', refused), 403);
        return;
      }
    }
    // What follows (the profile, verify) runs inside this callback: a hook that throws there must
    // reach the error handler, not escape into the token client's promise.
    try {
      callback(err, accessToken, refreshToken, results);
    } catch (thrown) {
      this.error(thrown);
    }
  }

  /** Calls the app's `userProfile` as it was when the request started; its answer is heard once. */
  loadProfile(guarded: Guarded, accessToken: string, done: ProfileCallback): void {
    const deliver: ProfileCallback = (err, profile) => {
      if (this.#profileHeard) return;
      this.#profileHeard = true;
      done(err, withCorpId(profile, this.#corpId));
    };
    let result: unknown;
    try {
      result = this.#userProfile.call(guarded, accessToken, deliver);
    } catch (thrown) {
      deliver(thrown);
      return;
    }
    if (isThenable(result)) result.then(undefined, (err: unknown) => deliver(err || new Error('userProfile rejected')));
  }

  /** Calls the app's verify once; `args` end with passport-oauth2's `done`. */
  verify(guarded: Guarded, args: unknown[]): void {
    if (this.#verifyCalled) return;
    this.#verifyCalled = true;
    const done = args.pop() as VerifyCallback;
    // A throw is passport-oauth2's to catch.
    callVerify(this.#verify, guarded, args, done);
  }

  /** passport-oauth2 calls tokenParams in the state store's callback, which an async store runs outside any try. */
  tokenParams(guarded: Guarded, options: object): object {
    try {
      return this.#tokenParams.call(guarded, options);
    } catch (thrown) {
      this.error(thrown);
      return {};
    }
  }

  /** Before the exchange, the only fail() passport-oauth2 makes is the state store's refusal. */
  failFromPassport(challenge: unknown, status: unknown): void {
    this.give('fail', [this.#exchangeStarted ? challenge : stateRefusal(challenge), status]);
  }
}

// The hooks passport-oauth2 finds on the per-request objects: one function each for every login.
function success(this: Guarded, ...args: unknown[]): void {
  this[answerKey].give('success', args);
}
function error(this: Guarded, ...args: unknown[]): void {
  this[answerKey].give('error', args);
}
function redirect(this: Guarded, ...args: unknown[]): void {
  this[answerKey].give('redirect', args);
}
function pass(this: Guarded, ...args: unknown[]): void {
  this[answerKey].give('pass', args);
}
function fail(this: Guarded, challenge: unknown, status: unknown): void {
  this[answerKey].failFromPassport(challenge, status);
}
function tokenParams(this: Guarded, options: object): object {
  return this[answerKey].tokenParams(this, options);
}
function userProfile(this: Guarded, accessToken: string, done: ProfileCallback): void {
  this[answerKey].loadProfile(this, accessToken, done);
}
function exchangeCode(this: GuardedClient, code: string, params: object, callback: TokenCallback): void {
  this[answerKey].exchange(code, params, callback);
}

/**
 * passport-oauth2 picks the verify form by `_verify.length` (6 or 5, else the shortest form), so
 * the guarded verify has the app's length where it matters. Lengths are set once, here: setting
 * one on every login would cost more than the rest of the guards.
 */
const verifyForms = [0, 5, 6].map((length) =>
  Object.defineProperty(
    function guardedVerify(this: Guarded, ...args: unknown[]): void {
      this[answerKey].verify(this, args);
    },
    'length',
    { value: length },
  ),
);

function verifyFormOf(length: number): AnyFunction {
  return (length === 5 ? verifyForms[1] : length === 6 ? verifyForms[2] : verifyForms[0]) as AnyFunction;
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
