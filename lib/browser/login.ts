import { DingTalkResponseError } from '../api/errors';
import type { DingTalkMember } from '../organization/client';
import { answerKey, LoginAnswer, type Outcome, type PassportActions } from '../passport/answer';
import { callHook } from '../passport/call-hook';
import { type DingTalkChallenge, refusal, refusalOf } from '../passport/challenge';
import { isCorpId, type Settings } from '../passport/settings';
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

/**
 * What passport hands a strategy for one request: `Object.create(strategy)` with its own actions;
 * the hooks are the strategy's, or whatever the app stubbed or replaced on it.
 */
export interface PassportAttempt extends PassportActions {
  _oauth2: TokenClient;
  /** SignedCookieStateStore's `codeRefused`: DingTalk refused the code that came with `state`. */
  _stateStore: { codeRefused?(req: unknown, state: string): void };
  _settings: Settings;
  // passport-oauth2's own fields.
  _callbackURL?: string;
  _trustProxy?: boolean;
  userProfile(accessToken: string, done: ProfileCallback): unknown;
  lookupMember(unionId: string, corpId: string, done: LookupMemberCallback): unknown;
  tokenParams(options: object): object;
  /** On the object passport-oauth2 runs a login on: the login's answer. */
  [answerKey]?: BrowserLogin;
}

/**
 * One browser login: its answer, what it has learnt so far, and `login`, the object to run it on.
 * That is a child of passport's per-request object (or of a strategy handed over directly), whose
 * own functions add DingTalk's outcomes around the app's hooks, which are looked up when they are
 * called (apps stub and subclass them):
 * - one answer per request, whatever a hook calls twice or throws;
 * - a `fail()` from the state store carries `reason: 'state_mismatch'`;
 * - a code DingTalk refused is `fail(401)`, and the organization allow-list holds before the
 *   profile is loaded and verify runs;
 * - `profile.corpId` from the token answer, on a copy;
 * - with `memberLookup`, `lookupMember` after `userProfile`, whatever `userProfile` is: a
 *   non-member fails (403) before verify, a member's fields join the profile (on a copy).
 * Everything else, and the order of the steps, is passport-oauth2's own.
 */
export class BrowserLogin extends LoginAnswer {
  readonly login: PassportAttempt;
  readonly req: unknown;
  /** The state the callback came with, for the store to let go of when DingTalk refuses the code. */
  state: string | undefined;
  /** DingTalk's `error=` refusal, given once the state store has checked the state. */
  refused: DingTalkChallenge | undefined;
  /** Puts back the query the request came with, once the login is answered. */
  restoreQuery: (() => void) | undefined;
  exchangeStarted = false;
  verifyCalled = false;
  corpId: string | undefined;
  /** With `memberLookup`: the lookup found a member, and verify may run. */
  memberConfirmed = false;

  constructor(attempt: PassportAttempt, req: unknown) {
    super(attempt);
    this.req = req;
    const login = Object.create(attempt) as PassportAttempt;
    login[answerKey] = this;
    // The actions are this login's own functions: apps call them detached (`.catch(this.error)`).
    for (const outcome of ['success', 'error', 'redirect', 'pass'] as const) {
      login[outcome] = (...args) => this.give(outcome, args);
    }
    login.fail = (challenge, status) =>
      // Before the exchange, the only fail() passport-oauth2 makes is the state store's refusal.
      this.give('fail', [this.exchangeStarted ? challenge : stateRefusal(challenge), status]);
    // passport-oauth2 calls it in the state store's callback, which an async store runs outside any try.
    login.tokenParams = (options) => {
      let params = {};
      this.guard(() => {
        params = attempt.tokenParams.call(login, options);
      });
      return params;
    };
    const tokens = attempt._oauth2;
    const client = Object.create(tokens) as TokenClient;
    client.getOAuthAccessToken = (code, params, callback) => this.#exchange(tokens, code, params, callback);
    login._oauth2 = client;
    login.userProfile = (accessToken, done) => this.#loadProfile(attempt.userProfile, accessToken, done);
    this.login = login;
  }

  override give(outcome: Outcome, args: unknown[]): void {
    this.restoreQuery?.();
    this.restoreQuery = undefined;
    super.give(outcome, args);
  }

  /** Runs `work`: a throw is the login's error, which no caller (a promise, a store) would hear. */
  guard(work: () => void): void {
    try {
      work();
    } catch (thrown) {
      this.error(thrown);
    }
  }

  /**
   * The login's own exchange, guarded. Once it has started, a refresh (verify's, through
   * `this._oauth2`) goes through; another exchange of the code (a store that called back twice)
   * does not, nor one after the login was answered.
   */
  #exchange(tokens: TokenClient, code: string, params: object, callback: TokenCallback): void {
    if (this.exchangeStarted) {
      if ((params as { grant_type?: unknown } | null)?.grant_type === 'refresh_token') {
        tokens.getOAuthAccessToken(code, params, callback);
      }
      return;
    }
    if (this.answered) return;
    this.exchangeStarted = true;
    if (this.refused) {
      this.fail(this.refused);
      return;
    }
    let heard = false;
    this.guard(() =>
      tokens.getOAuthAccessToken(code, params, (err, accessToken, refreshToken, results) => {
        if (heard || this.answered) return;
        heard = true;
        // What follows (the profile, verify) runs inside this callback: a hook that throws there
        // must reach the error handler, not escape into the token client's promise.
        this.guard(() => {
          const refused = this.#tokenRefusal(err, accessToken, results);
          if (refused) this.fail(...refused);
          else callback(err, accessToken, refreshToken, results);
        });
      }),
    );
  }

  /** Why the login fails after the token answer: a code DingTalk refused, or an organization that may not log in. */
  #tokenRefusal(err: unknown, accessToken: unknown, results: unknown): [DingTalkChallenge, number] | undefined {
    const refused = refusalOf(err);
    // The state store may let go of the state (SignedCookieStateStore clears its cookie).
    if (refused && this.state !== undefined) this.login._stateStore.codeRefused?.(this.req, this.state);
    if (refused || err || !accessToken) return refused;
    const found = (results as { corpId?: unknown } | null)?.corpId;
    const corpId = typeof found === 'string' && found.length > 0 ? found : undefined;
    this.corpId = corpId;
    const { allowedCorpIds, memberLookup } = this.login._settings;
    if (allowedCorpIds && !(corpId && allowedCorpIds.has(corpId))) {
      const message = corpId
        ? `The organization ${corpId} may not log in to this app.`
        : 'DingTalk did not say which organization was picked: this app needs the scope "openid corpid".';
      return [refusal('organization_not_allowed', message), 403];
    }
    // The scope had corpid (the options make sure of it), yet DingTalk named no organization: the
    // user picked none, so they are no organization's member. Nobody to ask, no profile to load.
    if (memberLookup && !corpId) {
      const message = 'DingTalk named no organization for this login, so the user is not a member of one.';
      return [refusal('not_a_member', message), 403];
    }
    return undefined;
  }

  /** `userProfile` as the app has it now, then the organization: its corpId, and with `memberLookup` the member. */
  #loadProfile(userProfile: PassportAttempt['userProfile'], accessToken: string, done: ProfileCallback): void {
    callHook(userProfile, this.login, [accessToken], 'userProfile', (err, profile) =>
      // A throw from here on (a profile getter, what the profile answer leads to) is the login's
      // error, not the hook's: the hook has been heard already.
      this.guard(() => {
        if (err || !this.login._settings.memberLookup) done(err, withCorpId(profile, this.corpId));
        else this.#lookUpMember(profile, done);
      }),
    );
  }

  /**
   * Asks the app's `lookupMember` who the profile's user is in the organization of the token
   * answer: a member goes on to verify with their fields, anyone else fails (403, `not_a_member`).
   */
  #lookUpMember(profile: unknown, done: ProfileCallback): void {
    const unionId = unionIdOf(profile);
    if (typeof unionId !== 'string') {
      done(new Error(`passport-dingtalk-oauth2: memberLookup needs the profile's unionId, but ${unionId.problem}`));
      return;
    }
    // Never undefined here: a token answer without one ended the login (#tokenRefusal).
    const corpId = this.corpId as string;
    if (!isCorpId(corpId)) {
      done(new DingTalkResponseError('token', 200, 'named an organization (corpId) of a form DingTalk never issues'));
      return;
    }
    const lookupMember = this.login.lookupMember;
    if (typeof lookupMember !== 'function') {
      done(
        new Error('passport-dingtalk-oauth2: memberLookup is on, but the strategy’s lookupMember is not a function'),
      );
      return;
    }
    // Whatever the answer holds (a getter that throws, a profile field that cannot be set), the
    // login gets one answer, and nothing escapes into the hook's own promise.
    const heard = (err: unknown, member: unknown) =>
      this.guard(() => this.#takeMember(profile, corpId, err, member, done));
    // An async override may return the member (or false) instead of calling done.
    callHook(lookupMember, this.login, [unionId, corpId], 'lookupMember', heard, (returned) => returned !== undefined);
  }

  /** The lookup's answer: a member's profile on to verify, or the login's refusal or error. */
  #takeMember(profile: unknown, corpId: string, err: unknown, member: unknown, done: ProfileCallback): void {
    const refused = refusalOf(err);
    if (refused || err || !member) {
      const message = `This DingTalk account is not a member of the organization ${corpId}.`;
      if (refused) this.fail(...refused);
      else if (err) done(err);
      else this.fail(refusal('not_a_member', message), 403);
      return;
    }
    // Read once: a getter may answer differently each time.
    const { userId, details } = member as Partial<DingTalkMember>;
    if (typeof userId !== 'string' || userId.length === 0) {
      done(
        new Error('passport-dingtalk-oauth2: lookupMember gave neither a member (an object with a userId) nor false'),
      );
      return;
    }
    const merged = withMember(profile as object, { userId, details }, corpId);
    this.memberConfirmed = true;
    done(null, merged);
  }
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
 * The app's verify, wrapped once when the strategy is built: called once per login, with one
 * `done`, and never for a login that skipped the member lookup (a subclass's own
 * `_loadUserProfile`, `_skipUserProfile` set after construction). An async verify without `done`
 * answers with its result. It keeps the app's `length`: passport-oauth2 picks the form by it.
 */
export function guardVerify(verify: AnyFunction): AnyFunction {
  function guardedVerify(this: PassportAttempt, ...args: unknown[]): void {
    const answer = this[answerKey];
    if (answer) {
      if (answer.verifyCalled) return;
      answer.verifyCalled = true;
      if (this._settings.memberLookup && !answer.memberConfirmed) {
        answer.error(
          new Error('passport-dingtalk-oauth2: memberLookup is on, but the login reached verify without it'),
        );
        return;
      }
    }
    const done = args.pop() as VerifyCallback;
    // A throw is passport-oauth2's to catch.
    callVerify(verify, this, args, done);
  }
  return Object.defineProperty(guardedVerify, 'length', { value: verify.length });
}

function stateRefusal(info: unknown): DingTalkChallenge {
  const details = typeof info === 'object' && info !== null ? info : undefined;
  const said = typeof info === 'string' ? info : (details as { message?: unknown } | undefined)?.message;
  const message = typeof said === 'string' && said ? said : 'Invalid authorization request state.';
  return refusal('state_mismatch', message, details);
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
