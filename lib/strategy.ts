import type { Request } from 'express';

import OAuth2Strategy = require('passport-oauth2');

import { buildAuthorizationParams, type DingTalkAuthenticateOptions } from './authorization-params';
import { type CallbackSettings, finishLogin } from './callback-flow';
import { readCallbackQuery } from './callback-query';
import { resolveCallbackURL } from './callback-url';
import { DingTalkClient } from './client';
import { resolveOptions, type StateStore, type StrategyOptions, type StrategyOptionsWithRequest } from './options';
import { type Profile, parseProfile } from './profile';
import type {
  AnyVerifyFunction,
  VerifyFunction,
  VerifyFunctionWithParams,
  VerifyFunctionWithRequest,
  VerifyFunctionWithRequestAndParams,
} from './verify';

type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, params?: object) => void;

interface DingTalkSettings extends CallbackSettings {
  proxyOption: boolean | undefined;
}

/**
 * Passport strategy for "Login with DingTalk" (钉钉登录), DingTalk's browser OAuth 2.0 flow.
 *
 * ```ts
 * passport.use(new Strategy({ clientID, clientSecret, callbackURL, state: true },
 *   (accessToken, refreshToken, profile, done) => done(null, { id: profile.id })));
 * ```
 */
export class Strategy extends OAuth2Strategy {
  /** `'dingtalk'`: the name to pass to `passport.authenticate`. */
  override name = 'dingtalk';
  // Plain (not #private) members: passport calls authenticate() on Object.create(strategy), and
  // #private members fail their brand check on such an object.
  private readonly _dingtalk: DingTalkSettings;

  // One overload per verify form. An inline arrow gets its parameter types from the first
  // overload TypeScript tries, so only the four-parameter form can be written unannotated; type
  // the others as VerifyFunctionWithParams and so on (a union would leave every form `any`).
  /** `verify(accessToken, refreshToken, profile, done)`. Throws a `TypeError` naming any invalid option. */
  constructor(options: StrategyOptions, verify: VerifyFunction);
  /** `verify(accessToken, refreshToken, params, profile, done)`: `params` is DingTalk's token answer. */
  constructor(options: StrategyOptions, verify: VerifyFunctionWithParams);
  /** `passReqToCallback: true` and `verify(req, accessToken, refreshToken, profile, done)`. */
  constructor(options: StrategyOptionsWithRequest, verify: VerifyFunctionWithRequest);
  /** `passReqToCallback: true` and `verify(req, accessToken, refreshToken, params, profile, done)`. */
  constructor(options: StrategyOptionsWithRequest, verify: VerifyFunctionWithRequestAndParams);
  constructor(
    options: StrategyOptions | StrategyOptionsWithRequest,
    verify: VerifyFunction | VerifyFunctionWithParams | VerifyFunctionWithRequest | VerifyFunctionWithRequestAndParams,
  ) {
    if (typeof verify !== 'function') {
      throw new TypeError('passport-dingtalk: new Strategy(options, verify) needs a verify function');
    }
    const resolved = resolveOptions(options);
    super(resolved.oauth2 as OAuth2Strategy.StrategyOptions, verify as OAuth2Strategy.VerifyFunction);
    const { authorizationURL, tokenURL, clientID, callbackURL } = resolved.oauth2;
    const client = new DingTalkClient(resolved);
    this._dingtalk = {
      client,
      verify: verify as AnyVerifyFunction,
      passReqToCallback: resolved.passReqToCallback,
      skipUserProfile: resolved.skipUserProfile,
      // passport-oauth2 builds the store from the `state`/`store` options; the callback reuses it.
      stateStore: (this as unknown as { _stateStore: StateStore })._stateStore,
      allowedCorpIds: resolved.allowedCorpIds,
      storeMeta: { authorizationURL, tokenURL, clientID, callbackURL: callbackURL as string },
      proxyOption: resolved.oauth2.proxy as boolean | undefined,
    };
    // DingTalk wants a JSON body and answers in camelCase, which the `oauth` client cannot do.
    // The fix lives on this instance only, so other strategies in the process are untouched, and
    // passport-oauth2-refresh (which copies this function to its own client) refreshes through it.
    this._oauth2.getOAuthAccessToken = ((code: string, params: { grant_type?: string }, callback: TokenCallback) => {
      const request =
        params?.grant_type === 'refresh_token' ? client.refreshAccessToken(code) : client.exchangeAuthCode(code);
      request.then(
        (token) => callback(null, token.accessToken, token.refreshToken, token),
        (error: unknown) => callback(error),
      );
    }) as typeof this._oauth2.getOAuthAccessToken;
  }

  /** Adds DingTalk's own authorize parameters (`prompt`, `corpId`, `org_type`, exclusive login). */
  override authorizationParams(options: DingTalkAuthenticateOptions): Record<string, string> {
    return buildAuthorizationParams(options);
  }

  /** Fetches the DingTalk user the access token belongs to. */
  override userProfile(accessToken: string, done: (err?: unknown, profile?: Profile) => void): void {
    this._dingtalk.client.fetchCurrentUser(accessToken).then(
      (user) => done(null, parseProfile(user.json, user.raw)),
      (error: unknown) => done(error),
    );
  }

  /** Starts a login, or finishes one when DingTalk redirects back with `authCode` or `error`. */
  override authenticate(req: Request, options: DingTalkAuthenticateOptions = {}): void {
    const callback = readCallbackQuery(req);
    const settings = this._dingtalk;
    if (callback.kind === 'start') {
      const configured = options.callbackURL ?? settings.storeMeta.callbackURL;
      const callbackURL = resolveCallbackURL(req, configured, settings.proxyOption);
      super.authenticate(req, callbackURL ? { ...options, callbackURL } : options);
    } else if (callback.kind === 'malformed') {
      this.fail({ message: `Invalid DingTalk callback: ${callback.reason}.` }, 400);
    } else {
      finishLogin(this, settings, req, options.callbackURL, callback);
    }
  }
}
