import type { Request } from 'express';

import { OrganizationClient } from '../organization/client';
import { answerKey, callBack, LoginAnswer, type PassportActions } from '../passport/answer';
import { callHook } from '../passport/call-hook';
import { refusal, refusalOf } from '../passport/challenge';
import { isCorpId, readSettings } from '../passport/settings';
import { callVerify, type VerifyCallback } from '../passport/verify';
import { crossSiteRefusal, readInAppCode } from './code-request';
import type { CorpIdFunction, InAppStrategyOptions, InAppStrategyOptionsWithRequest } from './options';
import { type InAppProfile, parseInAppProfile } from './profile';
import type { InAppVerifyFunction, InAppVerifyFunctionWithRequest } from './verify';

type ProfileCallback = (err?: unknown, profile?: InAppProfile) => void;
type AnyVerify = (...args: unknown[]) => unknown;

// Keyed by a symbol: a subclass's own `_logIn` or `logIn` cannot replace the login by accident.
const logIn = Symbol('logIn');

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
  private readonly _organization: OrganizationClient;

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
    const settings = readSettings(options, 'InAppStrategy');
    this._verify = verify as AnyVerify;
    this._passReqToCallback = settings.passReqToCallback;
    this._corpId = settings.corpId;
    this._organization = new OrganizationClient(settings);
  }

  /**
   * Exchanges the in-client code for the user: the app access token (cached), `getuserinfo`, and
   * `user/get` unless `skipUserDetails`. Calls `done(err)` with the package's typed errors.
   */
  userProfile(code: string, corpId: string, done: ProfileCallback): void {
    const profile = this._organization.inAppUser(code, corpId).then((user) => parseInAppProfile(user, corpId));
    callBack(this, profile, done);
  }

  /**
   * Logs in the user whose in-client code the page POSTed. Refused before DingTalk is asked:
   * anything but one code in a POST body (400), a request that may come from another site (403),
   * an organization that is not a corpId (400). A code DingTalk refuses is `fail(401)`; anything else going wrong with
   * DingTalk is `error()` with a typed error whose `status` is a 5xx.
   */
  authenticate(req: Request, _options?: object): void {
    const answer = new LoginAnswer(this as PassportActions);
    const attempt = Object.assign(Object.create(this) as this, { [answerKey]: answer });
    const read = readInAppCode(req);
    const crossSite = read.ok ? crossSiteRefusal(req) : undefined;
    if (!read.ok) answer.fail(refusal('malformed_request', read.message), 400);
    else if (crossSite) answer.fail(refusal('cross_site_request', crossSite), 403);
    else attempt[logIn](req, read.code, answer).catch((error: unknown) => answer.error(error));
    answer.endOfAuthenticate();
  }

  /**
   * The rest of a login, after the request was read. `_corpId`, `userProfile` and `_verify` are
   * read from the per-request object now, so a subclass or a test may replace any of them.
   */
  async [logIn](req: Request, code: string, answer: LoginAnswer): Promise<void> {
    const corpId = typeof this._corpId === 'function' ? await this._corpId(req) : this._corpId;
    if (!isCorpId(corpId)) {
      const message = 'The in-client login names no organization this app knows (corpId).';
      return answer.fail(refusal('unknown_organization', message), 400);
    }
    const profile = await profileOf(this, code, corpId).catch((error: unknown) => {
      const refused = refusalOf(error);
      if (!refused) throw error;
      answer.fail(...refused);
    });
    if (!profile) return;
    const verified: VerifyCallback = (err, user, info) => {
      if (err) answer.error(err);
      else if (!user) answer.fail(info);
      else answer.give('success', [user, info]);
    };
    callVerify(this._verify, this, this._passReqToCallback ? [req, profile] : [profile], verified);
  }
}

/** `userProfile`, as the app may have replaced it, called once and heard once. */
function profileOf(strategy: InAppStrategy, code: string, corpId: string): Promise<InAppProfile> {
  return new Promise((resolve, reject) => {
    const heard = (err: unknown, profile: unknown) => {
      // verify only ever sees an object with an id: an app that looks its user up by
      // `profile.id` must never look up `undefined`.
      if (err) reject(err);
      else if (isProfileLike(profile)) resolve(profile);
      else reject(new Error(`passport-dingtalk-oauth2: userProfile gave no profile (${profileShape})`));
    };
    // An async override may return the profile instead of calling done.
    callHook(strategy.userProfile, strategy, [code, corpId], 'userProfile', heard, (returned) => returned != null);
  });
}

const profileShape = 'an object with a non-empty string id';

function isProfileLike(value: unknown): value is InAppProfile {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0;
}
