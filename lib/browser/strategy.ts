import type { Request } from 'express';

import OAuth2Strategy = require('passport-oauth2');

import { DingTalkClient } from '../api/client';
import { DingTalkError } from '../api/errors';
import type { Profile } from '../api/profile';
import { OrganizationClient } from '../organization/client';
import { callBack } from '../passport/answer';
import { refusal } from '../passport/challenge';
import {
  insecureCallbackURL,
  missingCorpIdScope,
  readSettings,
  type Settings,
  scopeHasCorpId,
} from '../passport/settings';
import { buildAuthorizationParams, type DingTalkAuthenticateOptions } from './authorization-params';
import { presentQuery, readCallbackQuery } from './callback-request';
import { resolveCallbackURL } from './callback-url';
import { BrowserLogin, guardVerify, type LookupMemberCallback, type PassportAttempt } from './login';
import type { MemberProfile } from './member-profile';
import type {
  StrategyOptions,
  StrategyOptionsSkippingProfile,
  StrategyOptionsWithRequest,
  StrategyOptionsWithRequestSkippingProfile,
} from './options';
import type {
  VerifyFunction,
  VerifyFunctionWithParams,
  VerifyFunctionWithRequest,
  VerifyFunctionWithRequestAndParams,
} from './verify';

type AnyStrategyOptions =
  | StrategyOptions<boolean>
  | StrategyOptionsWithRequest<boolean>
  | StrategyOptionsSkippingProfile
  | StrategyOptionsWithRequestSkippingProfile;

/** The profile verify receives: a {@link MemberProfile} with `memberLookup: true`. */
export type ProfileOf<TLookup extends boolean> = TLookup extends true ? MemberProfile : Profile;

type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, results?: object) => void;

/**
 * Passport strategy for "Login with DingTalk" (钉钉登录), DingTalk's browser OAuth 2.0 flow.
 *
 * passport-oauth2's `authenticate` runs both legs of the login; this class only adds where
 * DingTalk differs: the authorize parameters, the `authCode` callback field, the JSON token
 * exchange, the profile, and DingTalk's failure outcomes.
 *
 * ```ts
 * passport.use(new Strategy({ clientID, clientSecret, callbackURL, state: true },
 *   (accessToken, refreshToken, profile, done) => done(null, { id: profile.id })));
 * ```
 *
 * `TLookup` is read from the options' `memberLookup`: with `true`, verify's profile is a
 * {@link MemberProfile}; nothing else in the class depends on it.
 */
export class Strategy<TLookup extends boolean = false> extends OAuth2Strategy {
  /** `'dingtalk'`: the name to pass to `passport.authenticate`. */
  override name = 'dingtalk';
  // Plain (not #private) members: passport calls authenticate() on Object.create(strategy), and
  // #private members fail their brand check on such an object.
  /** The options as read and checked: each login reads them from its per-request object. */
  protected readonly _settings: Settings;
  private readonly _dingtalkClient: DingTalkClient;
  private readonly _organization: OrganizationClient | undefined;

  // One overload per verify form. An inline arrow gets its parameter types from the first
  // overload TypeScript tries, so only the four-parameter form can be written unannotated; type
  // the others as VerifyFunctionWithParams and so on (a union would leave every form `any`).
  /** `verify(accessToken, refreshToken, profile, done)`. Throws a `TypeError` naming any invalid option. */
  constructor(options: StrategyOptions<TLookup>, verify: VerifyFunction<ProfileOf<TLookup>>);
  /** `verify(accessToken, refreshToken, params, profile, done)`: `params` is DingTalk's token answer. */
  constructor(options: StrategyOptions<TLookup>, verify: VerifyFunctionWithParams<ProfileOf<TLookup>>);
  /** `passReqToCallback: true` and `verify(req, accessToken, refreshToken, profile, done)`. */
  constructor(options: StrategyOptionsWithRequest<TLookup>, verify: VerifyFunctionWithRequest<ProfileOf<TLookup>>);
  /** `passReqToCallback: true` and `verify(req, accessToken, refreshToken, params, profile, done)`. */
  constructor(
    options: StrategyOptionsWithRequest<TLookup>,
    verify: VerifyFunctionWithRequestAndParams<ProfileOf<TLookup>>,
  );
  // With skipUserProfile set, the same four forms, whose profile may be undefined.
  /** `skipUserProfile` set: `verify(accessToken, refreshToken, profile | undefined, done)`. */
  constructor(options: StrategyOptionsSkippingProfile, verify: VerifyFunction<Profile | undefined>);
  /** `skipUserProfile` set: `verify(accessToken, refreshToken, params, profile | undefined, done)`. */
  constructor(options: StrategyOptionsSkippingProfile, verify: VerifyFunctionWithParams<Profile | undefined>);
  /** `skipUserProfile` and `passReqToCallback: true`: `verify(req, accessToken, refreshToken, profile | undefined, done)`. */
  constructor(
    options: StrategyOptionsWithRequestSkippingProfile,
    verify: VerifyFunctionWithRequest<Profile | undefined>,
  );
  /** `skipUserProfile` and `passReqToCallback: true`, with `params`. */
  constructor(
    options: StrategyOptionsWithRequestSkippingProfile,
    verify: VerifyFunctionWithRequestAndParams<Profile | undefined>,
  );
  constructor(
    options: AnyStrategyOptions,
    // `never`: every overload's verify is assignable to this, whatever its profile type.
    verify:
      | VerifyFunction<never>
      | VerifyFunctionWithParams<never>
      | VerifyFunctionWithRequest<never>
      | VerifyFunctionWithRequestAndParams<never>,
  ) {
    if (typeof verify !== 'function') {
      throw new TypeError('passport-dingtalk-oauth2: new Strategy(options, verify) needs a verify function');
    }
    const settings = readSettings(options, 'Strategy');
    super(passportOAuth2Options(settings), guardVerify(verify as never) as OAuth2Strategy.VerifyFunction);
    this._settings = settings;
    const client = new DingTalkClient(settings);
    this._dingtalkClient = client;
    this._organization = settings.memberLookup ? new OrganizationClient(settings) : undefined;
    // passport-oauth2 keeps the secret on its `oauth` client, where util.inspect and JSON.stringify
    // would print it (a logged strategy). Still readable: passport-oauth2-refresh copies it.
    Object.defineProperty(this._oauth2, '_clientSecret', { enumerable: false });
    // DingTalk wants a JSON body and answers in camelCase, which the `oauth` client cannot do.
    // The fix lives on this instance only, so other strategies in the process are untouched;
    // passport-oauth2 looks it up on every login (tests may stub it), and passport-oauth2-refresh
    // copies it to refresh through it. Only `grant_type` is read from `params`: DingTalk's body has
    // no room for the OAuth2 form fields (`redirect_uri`, or whatever tokenParams adds).
    this._oauth2.getOAuthAccessToken = ((code: string, params: { grant_type?: string }, callback: TokenCallback) => {
      const request =
        params?.grant_type === 'refresh_token' ? client.refreshAccessToken(code) : client.exchangeAuthCode(code);
      request.then(
        (token) => callback(null, token.accessToken, token.refreshToken ?? '', token),
        (error: unknown) => callback(error),
      );
    }) as typeof this._oauth2.getOAuthAccessToken;
  }

  /** Adds DingTalk's own authorize parameters (`prompt`, `corpId`, `org_type`, exclusive login). */
  override authorizationParams(options: DingTalkAuthenticateOptions): Record<string, string> {
    return buildAuthorizationParams(options);
  }

  /** Fetches the DingTalk user the access token belongs to (`GET /v1.0/contact/users/me`). */
  override userProfile(accessToken: string, done: (err?: unknown, profile?: Profile) => void): void {
    callBack(this, this._dingtalkClient.fetchProfile(accessToken), done);
  }

  /**
   * With `memberLookup`: who the user `unionId` is in the organization `corpId` (the one they
   * picked, from the token answer). Calls `done(null, { userId, details })` for a member,
   * `done(null, false)` for anyone else (an external contact, a stranger), or `done(err)` with the
   * package's typed errors. Runs after `userProfile` on every login, whatever `userProfile` is; a
   * test may replace it, and a subclass may override it (an async override may return the answer).
   */
  lookupMember(unionId: string, corpId: string, done: LookupMemberCallback): void {
    const member = this._organization
      ? this._organization.memberOf(unionId, corpId)
      : Promise.reject(new Error('passport-dingtalk-oauth2: lookupMember needs the option memberLookup: true'));
    callBack(this, member, done);
  }

  /**
   * Keeps this package's typed errors as they are: passport-oauth2 would wrap them in an
   * `InternalOAuthError`, hiding the class, the 5xx `status` and DingTalk's code.
   */
  protected _createOAuthError(message: string, err: unknown): Error {
    if (err instanceof DingTalkError) return err;
    const base = OAuth2Strategy.prototype as unknown as { _createOAuthError(message: string, err: unknown): Error };
    return base._createOAuthError.call(this, message, err);
  }

  /**
   * Starts a login, or finishes one when DingTalk redirects back with `authCode` or `error`.
   * passport-oauth2 runs both; this refuses first what DingTalk never sends, and lets it find
   * `authCode` as `req.query.code`.
   */
  override authenticate(req: Request, options: DingTalkAuthenticateOptions = {}): void {
    const answer = new BrowserLogin(this as unknown as PassportAttempt, req);
    // A hook outside passport-oauth2's own try (authorizationParams, a store's store()) may throw.
    answer.guard(() => startOrFinish(answer, req, options));
    answer.endOfAuthenticate();
  }
}

/** What passport-oauth2 is built with: the settings it knows, and nothing unknown. */
function passportOAuth2Options(settings: Settings): OAuth2Strategy.StrategyOptions {
  const { clientID, clientSecret, callbackURL, scope, skipUserProfile, passReqToCallback } = settings;
  // Left undefined, these are as good as absent to passport-oauth2.
  const { state, store, proxy, sessionKey } = settings;
  const urls = { authorizationURL: settings.authorizationURL.href, tokenURL: settings.tokenURL.href };
  const options = { clientID, clientSecret, callbackURL, ...urls, scope, skipUserProfile, passReqToCallback };
  return { ...options, state, store, proxy, sessionKey } as unknown as OAuth2Strategy.StrategyOptions;
}

/**
 * Refuses first what DingTalk never sends, then hands the login to passport-oauth2 with
 * `authCode` as `req.query.code`, and DingTalk's `error=` as a callback whose state is checked
 * first, as for any callback (so that the store uses it up and a forged refusal is told apart),
 * then failing with `access_denied`. A throw is the login's error.
 */
function startOrFinish(answer: BrowserLogin, req: Request, options: DingTalkAuthenticateOptions): void {
  const { login } = answer;
  const callback = readCallbackQuery(req);
  if (callback.kind === 'malformed') {
    answer.fail(refusal('malformed_callback', `Invalid DingTalk callback: ${callback.reason}.`), 400);
    return;
  }
  const { memberLookup, allowHttpCallbackURL } = login._settings;
  if (callback.kind === 'start' && memberLookup && options.scope !== undefined && !scopeHasCorpId(options.scope)) {
    throw new Error(`passport-dingtalk-oauth2: the scope of this login drops "corpid": ${missingCorpIdScope}`);
  }
  const configured = options.callbackURL || login._callbackURL;
  const callbackURL = configured && resolveCallbackURL(req, configured, login._trustProxy);
  // The configured absolute URL was checked at construction; a resolved or per-request one is checked here.
  if (callbackURL && callbackURL !== login._callbackURL && !allowHttpCallbackURL) {
    const insecure = insecureCallbackURL(callbackURL);
    if (insecure) throw new Error(insecure);
  }
  if (callback.kind === 'refused') {
    // passport-oauth2 would answer anything but access_denied with a server error; DingTalk
    // publishes no list of its values, and none of them is the app's fault. The value is
    // anyone's to choose (a crafted link): it is repeated only when it looks like an error code.
    const said = /^[A-Za-z0-9_.-]{1,64}$/.test(callback.error) ? callback.error : undefined;
    const message = `DingTalk login was not authorized${said ? `: ${said}` : '.'}`;
    answer.refused = refusal('access_denied', message, said ? { dingtalkError: said } : undefined);
    // passport-oauth2 checks the state of a callback with a code only; the token step then
    // gives the refusal without asking DingTalk. The app's handlers see the query as it came.
    answer.restoreQuery = presentQuery(req, { ...callback.query, error: undefined, code: 'refused' });
  } else if (callback.kind === 'authorized') {
    // passport-oauth2 reads `req.query.code`: DingTalk sends `authCode`, and node:http has no `req.query`.
    if (req.query?.code !== callback.code) presentQuery(req, { ...callback.query, code: callback.code });
    answer.state = callback.state;
  }
  // One absolute callback URL for both legs: the state store sees the same `meta.callbackURL`
  // in store() and verify(), and passport-oauth2's own resolution (which reads
  // `req.connection`, absent on Fastify) never runs.
  const resolved = callbackURL && callbackURL !== configured ? { ...options, callbackURL } : options;
  OAuth2Strategy.prototype.authenticate.call(login, req, resolved);
}
