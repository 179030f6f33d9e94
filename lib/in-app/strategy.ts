import type { Request } from 'express';

import { isThenable, refusal, warnAboutThrow } from '../login-guards';
import type { VerifyCallback } from '../verify';
import { InAppClient, isRejectedInAppCode } from './client';
import { crossSiteRefusal, readInAppCode } from './code-request';
import { InAppLogin, OrganizationNotServed } from './login';
import {
  type CorpIdFunction,
  type InAppStrategyOptions,
  type InAppStrategyOptionsWithRequest,
  isCorpId,
  resolveInAppOptions,
} from './options';
import type { InAppProfile } from './profile';
import type { InAppVerifyFunction, InAppVerifyFunctionWithRequest } from './verify';

type ProfileCallback = (err?: unknown, profile?: InAppProfile) => void;
type AnyVerify = (...args: unknown[]) => unknown;

/** What passport attaches to `Object.create(strategy)` for one request. */
interface PassportActions {
  success(user: unknown, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  error(err: unknown): void;
}

/**
 * Passport strategy for the login inside the DingTalk client (免登): the page gets a code from
 * `dd.requestAuthCode({ corpId, clientId })` and POSTs it; this strategy exchanges it for the
 * user, with no consent page and no redirect.
 *
 * ```ts
 * passport.use(new InAppStrategy({ clientID, clientSecret, corpId },
 *   (profile, done) => done(null, { id: profile.id })));
 * app.post('/auth/dingtalk/in-app', express.json(), passport.authenticate('dingtalk-inapp'), ...);
 * ```
 *
 * The hooks are looked up on every login, so a test or a subclass may replace them:
 * `userProfile(code, corpId, done)` (the DingTalk requests) and `_verify`.
 */
export class InAppStrategy {
  /** `'dingtalk-inapp'`: the name to pass to `passport.authenticate`. */
  name = 'dingtalk-inapp';
  // Plain (not #private) members: passport calls authenticate() on Object.create(strategy), and
  // #private members fail their brand check on such an object.
  /** The verify callback, looked up on every login (tests may replace it). */
  protected _verify: AnyVerify;
  /** True when verify takes `req` first. */
  protected readonly _passReqToCallback: boolean;
  /** The organization, or the function that names it per request. */
  protected readonly _corpId: string | CorpIdFunction;
  private readonly _inAppLogin: InAppLogin;

  /** `verify(profile, done)`. Throws a `TypeError` naming any invalid option. */
  constructor(options: InAppStrategyOptions, verify: InAppVerifyFunction);
  /** `passReqToCallback: true` and `verify(req, profile, done)`. */
  constructor(options: InAppStrategyOptionsWithRequest, verify: InAppVerifyFunctionWithRequest);
  constructor(
    options: InAppStrategyOptions | InAppStrategyOptionsWithRequest,
    verify: InAppVerifyFunction | InAppVerifyFunctionWithRequest,
  ) {
    if (typeof verify !== 'function') {
      throw new TypeError('passport-dingtalk-oauth2: new InAppStrategy(options, verify) needs a verify function');
    }
    const resolved = resolveInAppOptions(options);
    this._verify = verify as AnyVerify;
    this._passReqToCallback = resolved.passReqToCallback;
    this._corpId = resolved.corpId;
    this._inAppLogin = new InAppLogin(new InAppClient(resolved), resolved.getAccessToken, resolved.skipUserDetails);
  }

  /**
   * Exchanges the in-client code for the user: the app access token (cached), `getuserinfo`, and
   * `user/get` unless `skipUserDetails`. Calls `done(err)` with the package's typed errors.
   */
  userProfile(code: string, corpId: string, done: ProfileCallback): void {
    this._inAppLogin.profileFor(code, corpId).then(
      (profile) => done(null, profile),
      (error: unknown) => done(error),
    );
  }

  /**
   * Logs in the user whose in-client code the page POSTed. Refused before DingTalk is asked:
   * anything but one code in a POST body (400), a request that may come from another site (403),
   * an organization that is not a corpId (400). A code DingTalk refuses is `fail(401)`; anything else going wrong with
   * DingTalk is `error()` with a typed error whose `status` is a 5xx.
   */
  authenticate(req: Request, _options?: object): void {
    const attempt = this as unknown as InAppStrategy & PassportActions;
    const read = readInAppCode(req);
    if (!read.ok) {
      attempt.fail(refusal('malformed_request', read.message), 400);
      return;
    }
    const crossSite = crossSiteRefusal(req);
    if (crossSite) {
      attempt.fail(refusal('cross_site_request', crossSite), 403);
      return;
    }
    const answer = answerOnce(attempt);
    logIn(attempt, req, read.code, answer).catch((error: unknown) => answer.error(error));
  }
}

/**
 * The rest of a login, after the request was read. `_corpId`, `userProfile` and `_verify` are
 * read from the per-request object now, so a subclass or a test may replace any of them.
 */
async function logIn(strategy: InAppStrategy, req: Request, code: string, answer: PassportActions): Promise<void> {
  const fields = strategy as unknown as {
    _corpId: string | CorpIdFunction;
    _passReqToCallback: boolean;
    _verify: AnyVerify;
  };
  const corpId = typeof fields._corpId === 'function' ? await fields._corpId(req) : fields._corpId;
  if (!isCorpId(corpId)) {
    const message = 'The in-client login names no organization this app knows (corpId).';
    return answer.fail(refusal('unknown_organization', message), 400);
  }
  let profile: InAppProfile | undefined;
  try {
    profile = await profileOf(strategy, code, corpId);
  } catch (error) {
    if (error instanceof OrganizationNotServed) {
      return answer.fail(refusal('unknown_organization', error.message), 403);
    }
    if (!isRejectedInAppCode(error)) throw error;
    const said = error.subCode ? `${error.code}, sub_code ${error.subCode}` : error.code;
    const text = error.subDescription || error.description;
    const message = `DingTalk refused the in-client code (${said}${text ? `: ${text}` : ''}). It may have expired or been used already: ask the page for a new one.`;
    return answer.fail(refusal('code_rejected', message), 401);
  }
  let settled = false;
  const verified: VerifyCallback = (err, user, info) => {
    if (settled) return;
    settled = true;
    if (err) return answer.error(err);
    if (!user) return answer.fail(info);
    answer.success(user, info);
  };
  const args = fields._passReqToCallback ? [req, profile, verified] : [profile, verified];
  // A verify that declares no `done` answers with what its promise resolves to; one that declares
  // it may call it later, from a callback, so only a user it returns counts.
  const takesDone = fields._verify.length >= args.length;
  const result = fields._verify.apply(strategy, args);
  if (isThenable(result)) {
    result.then(
      (user) => {
        if (!takesDone) verified(null, (user ?? false) as Express.User | false);
        else if (user !== undefined) verified(null, user as Express.User | false);
      },
      (error: unknown) => verified(error || new Error('verify rejected without a reason')),
    );
  }
}

/** `userProfile`, as the app may have replaced it, called once and heard once. */
function profileOf(strategy: InAppStrategy, code: string, corpId: string): Promise<InAppProfile> {
  return new Promise((resolve, reject) => {
    // Whatever an override hands over, verify only ever sees an object with an id: an app that
    // looks its user up by `profile.id` must never look up `undefined`.
    const deliver = (profile: unknown) => {
      if (isProfileLike(profile)) resolve(profile);
      else
        reject(
          new Error('passport-dingtalk-oauth2: userProfile gave no profile (an object with a non-empty string id)'),
        );
    };
    const result: unknown = strategy.userProfile(code, corpId, (err, profile) => {
      if (err) reject(err);
      else deliver(profile);
    });
    // An async override may return the profile instead of calling done.
    if (isThenable(result)) {
      result.then(
        (returned) => {
          if (returned !== undefined && returned !== null) deliver(returned);
        },
        (error: unknown) => reject(error || new Error('userProfile rejected')),
      );
    }
  });
}

function isProfileLike(value: unknown): value is InAppProfile {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0;
}

/**
 * This request's actions, read now (on a shared strategy a concurrent request replaces them), of
 * which only the first call counts. A throw from the code that took the answer (a custom callback
 * that rethrows) can reach no caller this late: it becomes a warning, never a second answer.
 */
function answerOnce(attempt: PassportActions): PassportActions {
  const actions = { success: attempt.success, fail: attempt.fail, error: attempt.error };
  let answered = false;
  const answer =
    (name: keyof PassportActions) =>
    (...args: unknown[]) => {
      if (answered) return;
      answered = true;
      try {
        (actions[name] as (...args: unknown[]) => void).apply(attempt, args);
      } catch (thrown) {
        warnAboutThrow(name, thrown);
      }
    };
  return { success: answer('success'), fail: answer('fail'), error: answer('error') };
}
