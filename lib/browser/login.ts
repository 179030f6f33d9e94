import { DingTalkResponseError } from '../api/errors';
import { isRejectedAuthCode } from '../api/token-failure';
import { OrganizationNotServed } from '../organization/app-tokens';
import type { DingTalkMember } from '../organization/member-directory';
import { isCorpId } from '../organization/options';
import { answerKey, LoginAnswer, type PassportActions, perRequest } from '../passport/answer';
import { callHook } from '../passport/call-hook';
import { type DingTalkChallenge, refusal } from '../passport/challenge';
import { callVerify, type VerifyCallback } from '../passport/verify';
import { withMember } from './member-profile';

type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, results?: unknown) => void;
type ProfileCallback = (err: unknown, profile?: unknown) => void;
/** `lookupMember`'s callback: the member, or `false` for someone who is not one. */
export type LookupMemberCallback = (err: unknown, member?: DingTalkMember | false) => void;
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
  lookupMember(unionId: string, corpId: string, done: LookupMemberCallback): unknown;
  tokenParams(options: object): object;
}

/** The per-request object passport-oauth2 runs on, pointing at its login. */
interface Guarded extends PassportAttempt {
  [answerKey]: BrowserLogin;
}

/**
 * One browser login: its answer, and the hooks as they were when the request started (apps stub
 * and replace them; a concurrent request may too). passport-oauth2 runs the login on a
 * per-request object whose hooks add DingTalk's outcomes around the app's:
 * - one answer per request, whatever a hook calls twice or throws;
 * - a `fail()` from the state store carries `reason: 'state_mismatch'`;
 * - a code DingTalk refused is `fail(401)`, and the organization allow-list holds before the
 *   profile is loaded and verify runs;
 * - `profile.corpId` from the token answer, on a copy;
 * - with `memberLookup`, `lookupMember` after `userProfile`, whatever `userProfile` is: a
 *   non-member fails (403) before verify, a member's fields join the profile (on a copy);
 * - verify runs once, with one `done`; an async verify without `done` answers with its result.
 * Everything else, and the order of the steps, is passport-oauth2's own. The actions and the token
 * hook are this login's own functions (apps call them detached: `.catch(this.error)`); the other
 * hooks, which passport-oauth2 calls as methods, are shared by every login and find it through
 * the per-request object.
 */
export class BrowserLogin extends LoginAnswer {
  readonly req: unknown;
  readonly allowedCorpIds: ReadonlySet<string> | undefined;
  readonly tokenClient: TokenClient;
  readonly userProfile: PassportAttempt['userProfile'];
  /** The `memberLookup` option: whatever the hook below has become, the lookup is due. */
  readonly memberLookup: boolean;
  /** With `memberLookup` only. */
  readonly lookupMember: PassportAttempt['lookupMember'] | undefined;
  readonly verify: AnyFunction;
  readonly tokenParams: PassportAttempt['tokenParams'];
  readonly store: StateStoreHook | undefined;
  /** The state this callback came with, for the store to let go of when DingTalk refuses the code. */
  state: string | undefined;
  exchangeStarted = false;
  tokenHeard = false;
  verifyCalled = false;
  corpId: string | undefined;
  /** With `memberLookup`: the lookup found a member, and verify may run. */
  memberConfirmed = false;

  constructor(
    attempt: PassportAttempt,
    req: unknown,
    allowedCorpIds: ReadonlySet<string> | undefined,
    memberLookup: boolean,
  ) {
    super(attempt);
    this.req = req;
    this.allowedCorpIds = allowedCorpIds;
    this.tokenClient = attempt._oauth2;
    this.userProfile = attempt.userProfile;
    this.memberLookup = memberLookup;
    this.lookupMember = memberLookup ? attempt.lookupMember : undefined;
    this.verify = attempt._verify;
    this.tokenParams = attempt.tokenParams;
    this.store = attempt._stateStore;
  }

  /**
   * The object to hand passport-oauth2's `authenticate`: the request's own, or a copy of a
   * strategy instance passport was handed directly, with the guarded hooks in place.
   */
  guard(state: string | undefined): PassportAttempt {
    this.state = state;
    const guarded = Object.assign(perRequest(this.attempt as PassportAttempt, '_oauth2'), sharedHooks) as Guarded;
    guarded[answerKey] = this;
    guarded.success = (...args) => this.give('success', args);
    guarded.fail = (challenge, status) =>
      // Before the exchange, the only fail() passport-oauth2 makes is the state store's refusal.
      this.give('fail', [this.exchangeStarted ? challenge : stateRefusal(challenge), status]);
    guarded.error = (...args) => this.give('error', args);
    guarded.redirect = (...args) => this.give('redirect', args);
    guarded.pass = (...args) => this.give('pass', args);
    guarded._verify = verifyFormOf(this.verify.length);
    const client = Object.create(this.tokenClient) as TokenClient;
    client.getOAuthAccessToken = (code, params, callback) => exchangeCode(this, code, params, callback);
    guarded._oauth2 = client;
    return guarded;
  }

  /**
   * Ends a login DingTalk refused (`error=`): the state is checked first, as for any callback, so
   * that the store uses it up (a session store forgets it, a cookie store clears its cookie) and a
   * forged refusal is told apart; then the login fails with `access_denied`. passport-oauth2 would
   * skip the store here, leaving the state behind for the next login to trip over.
   */
  refuse(state: string | undefined, meta: object, refused: DingTalkChallenge): void {
    const verified = (err: unknown, ok: unknown, info?: unknown) => {
      if (err) this.error(err);
      else if (!ok) this.fail(stateRefusal(info), 403);
      else this.fail(refused);
    };
    try {
      const store = this.store as StateStoreHook;
      // passport-oauth2's stores say by their arity whether they take the metadata.
      if (store.verify.length === 4) store.verify(this.req, state, meta, verified);
      else store.verify(this.req, state, verified);
    } catch (thrown) {
      this.error(thrown);
    }
  }
}

/** The hooks passport-oauth2 calls as methods of the per-request object, shared by every login. */
const sharedHooks = {
  // passport-oauth2 calls it in the state store's callback, which an async store runs outside any try.
  tokenParams(this: Guarded, options: object): object {
    try {
      return this[answerKey].tokenParams.call(this, options);
    } catch (thrown) {
      this[answerKey].error(thrown);
      return {};
    }
  },
  userProfile(this: Guarded, accessToken: string, done: ProfileCallback): void {
    const login = this[answerKey];
    callHook(login.userProfile, this, [accessToken], 'userProfile', (err, profile) => {
      // A throw from here on (a profile getter, what the profile answer leads to) is the login's
      // error, not the hook's: the hook has been heard already.
      try {
        if (err || !login.memberLookup) done(err, withCorpId(profile, login.corpId));
        else lookUpMember(this, login, profile, done);
      } catch (thrown) {
        login.error(thrown);
      }
    });
  },
};

/**
 * Asks the app's `lookupMember` (as it was when the request started) who the profile's user is in
 * the organization of the token answer: a member goes on to verify with their fields, anyone else
 * fails (403, `not_a_member`).
 */
function lookUpMember(attempt: Guarded, login: BrowserLogin, profile: unknown, done: ProfileCallback): void {
  const unionId = unionIdOf(profile);
  if (typeof unionId !== 'string') {
    done(new Error(`passport-dingtalk-oauth2: memberLookup needs the profile's unionId, but ${unionId.problem}`));
    return;
  }
  // Never undefined here: a token answer without one ended the login (refusedOrganization).
  const corpId = login.corpId as string;
  if (!isCorpId(corpId)) {
    done(new DingTalkResponseError('token', 200, 'named an organization (corpId) of a form DingTalk never issues'));
    return;
  }
  const lookupMember = login.lookupMember;
  if (typeof lookupMember !== 'function') {
    done(new Error('passport-dingtalk-oauth2: memberLookup is on, but the strategy’s lookupMember is not a function'));
    return;
  }
  // An async override may return the member (or false) instead of calling done.
  const isMember = (returned: unknown) => returned !== undefined;
  callHook(
    lookupMember,
    attempt,
    [unionId, corpId],
    'lookupMember',
    (err, member) => {
      // Whatever the answer holds (a getter that throws, a profile field that cannot be set), the
      // login gets one answer, and nothing escapes into the hook's own promise.
      try {
        takeMember(login, profile, corpId, err, member, done);
      } catch (thrown) {
        login.error(thrown);
      }
    },
    isMember,
  );
}

/** The lookup's answer: a member's profile on to verify, or the login's refusal or error. */
function takeMember(
  login: BrowserLogin,
  profile: unknown,
  corpId: string,
  err: unknown,
  member: unknown,
  done: ProfileCallback,
): void {
  if (err instanceof OrganizationNotServed) login.fail(refusal('unknown_organization', err.message), 403);
  else if (err) done(err);
  else if (!member) login.fail(refusal('not_a_member', notAMember(corpId)), 403);
  else {
    // Read once: a getter may answer differently each time.
    const { userId, details } = member as { userId?: unknown; details?: DingTalkMember['details'] };
    if (typeof userId !== 'string' || userId.length === 0) {
      done(
        new Error('passport-dingtalk-oauth2: lookupMember gave neither a member (an object with a userId) nor false'),
      );
      return;
    }
    const merged = withMember(profile as object, details ? { userId, details } : { userId }, corpId);
    login.memberConfirmed = true;
    done(null, merged);
  }
}

function notAMember(corpId: string): string {
  return `This DingTalk account is not a member of the organization ${corpId}.`;
}

/**
 * The unionId to look the member up by: the profile's `id`, which is the unionId in this package's
 * profiles and what apps key their users by. A profile whose `unionId` says otherwise (an app's own
 * `userProfile`) is refused: one identity's membership must not be given to another.
 */
function unionIdOf(profile: unknown): string | { problem: string } {
  if (typeof profile !== 'object' || profile === null) return { problem: 'userProfile gave no profile' };
  const { unionId, id } = profile as { unionId?: unknown; id?: unknown };
  if (typeof id !== 'string' || id.length === 0) return { problem: 'the profile has no id' };
  if (unionId !== undefined && unionId !== id) return { problem: 'the profile’s unionId and id differ' };
  return id;
}

/**
 * The login's own exchange, guarded. Once it has started, a refresh (verify's, through
 * `this._oauth2`) goes through; another exchange of the code (a store that called back twice)
 * does not, nor one after the login was answered.
 */
function exchangeCode(login: BrowserLogin, code: string, params: object, callback: TokenCallback): void {
  if (login.exchangeStarted) {
    if ((params as { grant_type?: unknown } | null)?.grant_type === 'refresh_token') {
      login.tokenClient.getOAuthAccessToken(code, params, callback);
    }
    return;
  }
  if (login.answered) return;
  login.exchangeStarted = true;
  try {
    login.tokenClient.getOAuthAccessToken(code, params, (err, accessToken, refreshToken, results) => {
      if (login.tokenHeard || login.answered) return;
      login.tokenHeard = true;
      const refused = refusedCode(login, err) || (!err && !!accessToken && refusedOrganization(login, results));
      if (!refused) {
        // What follows (the profile, verify) runs inside this callback: a hook that throws there
        // must reach the error handler, not escape into the token client's promise.
        try {
          callback(err, accessToken, refreshToken, results);
        } catch (thrown) {
          login.error(thrown);
        }
      }
    });
  } catch (thrown) {
    login.error(thrown);
  }
}

/** A code DingTalk refused fails the login (401); the state store may let go of its state. */
function refusedCode(login: BrowserLogin, err: unknown): boolean {
  if (!isRejectedAuthCode(err)) return false;
  try {
    if (login.state !== undefined) login.store?.codeRefused?.(login.req, login.state);
  } catch (thrown) {
    login.error(thrown);
    return true;
  }
  const said = err.description ? `${err.code}: ${err.description}` : err.code;
  const message = `DingTalk refused the authorization code (${said}). It may have expired or been used already: please log in again.`;
  login.fail(refusal('code_rejected', message), 401);
  return true;
}

/** Notes the organization of a token answer, and fails the login when it may not log in. */
function refusedOrganization(login: BrowserLogin, results: unknown): boolean {
  login.corpId = corpIdOf(results);
  const refused = organizationRefusal(login.allowedCorpIds, login.corpId);
  if (refused) login.fail(refusal('organization_not_allowed', refused), 403);
  else if (login.memberLookup && !login.corpId) {
    // The scope had corpid (the options make sure of it), yet DingTalk named no organization: the
    // user picked none, so they are no organization's member. Nobody to ask, no profile to load.
    const message = 'DingTalk named no organization for this login, so the user is not a member of one.';
    login.fail(refusal('not_a_member', message), 403);
    return true;
  }
  return refused !== undefined;
}

/**
 * passport-oauth2 picks the verify form by `_verify.length` (6 or 5, else the shortest form), so
 * the guarded verify has the app's length where it matters. Lengths are set once, here: setting
 * one on every login would cost more than the rest of the guards.
 */
const verifyForms = [0, 5, 6].map((length) =>
  Object.defineProperty(
    function guardedVerify(this: Guarded, ...args: unknown[]): void {
      const login = this[answerKey];
      if (login.verifyCalled) return;
      login.verifyCalled = true;
      // The lookup runs in the profile step: a login that skipped it (a subclass's own
      // _loadUserProfile, _skipUserProfile set after construction) must not reach verify.
      if (login.memberLookup && !login.memberConfirmed) {
        login.error(new Error('passport-dingtalk-oauth2: memberLookup is on, but the login reached verify without it'));
        return;
      }
      const done = args.pop() as VerifyCallback;
      // A throw is passport-oauth2's to catch.
      callVerify(login.verify, this, args, done);
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
