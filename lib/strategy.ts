import type { Request } from 'express';

import OAuth2Strategy = require('passport-oauth2');

import { buildAuthorizationParams, type DingTalkAuthenticateOptions } from './authorization-params';
import { type CallbackQuery, readCallbackQuery } from './callback-query';
import { DingTalkClient } from './client';
import { classifyTokenFailure } from './failures';
import { resolveOptions, type StrategyOptions, type StrategyOptionsWithRequest } from './options';
import { type Profile, parseProfile } from './profile';
import type { DingTalkTokenResponse } from './wire';

/** Ends the verify callback: an error, a user (login succeeds) or `false` with an info message. */
export type VerifyCallback = (err?: unknown, user?: Express.User | false, info?: object) => void;

/** The verify callback, with or without the token response as `params`. */
export type VerifyFunction =
  | ((accessToken: string, refreshToken: string, profile: Profile, done: VerifyCallback) => void)
  | ((
      accessToken: string,
      refreshToken: string,
      params: DingTalkTokenResponse,
      profile: Profile,
      done: VerifyCallback,
    ) => void);

/** The verify callback for `passReqToCallback: true`: the request comes first. */
export type VerifyFunctionWithRequest =
  | ((req: Request, accessToken: string, refreshToken: string, profile: Profile, done: VerifyCallback) => void)
  | ((
      req: Request,
      accessToken: string,
      refreshToken: string,
      params: DingTalkTokenResponse,
      profile: Profile,
      done: VerifyCallback,
    ) => void);

type AnyVerify = (...args: unknown[]) => unknown;
type StateStore = OAuth2Strategy.StateStore;
type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, params?: object) => void;

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
  readonly #client: DingTalkClient;
  readonly #verify: AnyVerify;
  readonly #passReqToCallback: boolean;
  readonly #skipUserProfile: ReturnType<typeof resolveOptions>['skipUserProfile'];
  readonly #storeMeta: { authorizationURL: string; tokenURL: string; clientID: string; callbackURL: string };

  constructor(options: StrategyOptions, verify: VerifyFunction);
  constructor(options: StrategyOptionsWithRequest, verify: VerifyFunctionWithRequest);
  constructor(
    options: StrategyOptions | StrategyOptionsWithRequest,
    verify: VerifyFunction | VerifyFunctionWithRequest,
  ) {
    if (typeof verify !== 'function') {
      throw new TypeError('passport-dingtalk: new Strategy(options, verify) needs a verify function');
    }
    const resolved = resolveOptions(options);
    super(resolved.oauth2 as OAuth2Strategy.StrategyOptions, verify as OAuth2Strategy.VerifyFunction);
    this.#client = new DingTalkClient(resolved);
    this.#verify = verify as AnyVerify;
    this.#passReqToCallback = resolved.passReqToCallback;
    this.#skipUserProfile = resolved.skipUserProfile;
    const { authorizationURL, tokenURL, clientID, callbackURL } = resolved.oauth2;
    this.#storeMeta = { authorizationURL, tokenURL, clientID, callbackURL: callbackURL as string };
    // DingTalk wants a JSON body and answers in camelCase, which the `oauth` client cannot do.
    // The fix lives on this instance only, so other strategies in the process are untouched, and
    // passport-oauth2-refresh (which copies this function to its own client) refreshes through it.
    const client = this.#client;
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
    this.#client.fetchCurrentUser(accessToken).then(
      (user) => done(null, parseProfile(user.json, user.raw)),
      (error: unknown) => done(error),
    );
  }

  /** Starts a login, or finishes one when DingTalk redirects back with `authCode` or `error`. */
  override authenticate(req: Request, options: DingTalkAuthenticateOptions = {}): void {
    const callback = readCallbackQuery(req);
    if (callback.kind === 'start') {
      super.authenticate(req, options);
      return;
    }
    if (callback.kind === 'malformed') {
      this.fail({ message: `Invalid DingTalk callback: ${callback.reason}.` }, 400);
      return;
    }
    this.#verifyState(req, options, callback);
  }

  #verifyState(
    req: Request,
    options: DingTalkAuthenticateOptions,
    callback: Exclude<CallbackQuery, { kind: 'start' | 'malformed' }>,
  ): void {
    const store = (this as unknown as { _stateStore: StateStore })._stateStore;
    const stateVerified = (err: Error | null, ok: unknown, stateInfo: unknown) => {
      if (err) return this.error(err);
      if (!ok) return this.fail(stateInfo as object, 403);
      if (callback.kind === 'refused') {
        return this.fail({ message: `DingTalk login was not authorized: ${callback.error}` }, 403);
      }
      this.#completeLogin(req, callback.code, stateInfo);
    };
    const meta = { ...this.#storeMeta, callbackURL: options.callbackURL ?? this.#storeMeta.callbackURL };
    try {
      // passport-oauth2 tells a store that wants the metadata by its arity; so do we.
      if (store.verify.length === 4) store.verify(req, callback.state as string, meta, stateVerified);
      else store.verify(req, callback.state as string, stateVerified);
    } catch (error) {
      this.error(error as Error);
    }
  }

  async #completeLogin(req: Request, code: string, stateInfo: unknown): Promise<void> {
    let token: DingTalkTokenResponse;
    let profile: Profile | undefined;
    try {
      token = await this.#client.exchangeAuthCode(code);
    } catch (error) {
      const failure = classifyTokenFailure(error);
      if (failure.kind === 'rejected-code') return this.fail({ message: failure.message }, 401);
      return this.error(failure.error);
    }
    try {
      profile = await this.#loadProfile(token);
    } catch (error) {
      return this.error(error as Error);
    }
    this.#runVerify(req, token, profile, stateInfo);
  }

  async #loadProfile(token: DingTalkTokenResponse): Promise<Profile | undefined> {
    if (await this.#shouldSkipProfile(token.accessToken)) return undefined;
    const user = await this.#client.fetchCurrentUser(token.accessToken);
    return parseProfile(user.json, user.raw, token.corpId);
  }

  #shouldSkipProfile(accessToken: string): Promise<boolean> {
    const skip = this.#skipUserProfile;
    if (typeof skip === 'boolean') return Promise.resolve(skip);
    // passport-oauth2 calls a one-argument skipUserProfile synchronously; so do we.
    if (skip.length <= 1) return Promise.resolve(!!(skip as (accessToken: string) => unknown)(accessToken));
    return new Promise((resolve, reject) =>
      skip(accessToken, (err, result) => (err ? reject(err) : resolve(!!result))),
    );
  }

  #runVerify(req: Request, token: DingTalkTokenResponse, profile: Profile | undefined, stateInfo: unknown): void {
    let settled = false;
    const done: VerifyCallback = (err, user, info) => {
      // A verify callback that calls done twice must not answer the request twice.
      if (settled) return;
      settled = true;
      if (err) return this.error(err as Error);
      if (!user) return this.fail(info);
      const successInfo: Record<string, unknown> = { ...info };
      if (stateInfo) successInfo.state = stateInfo;
      this.success(user, successInfo);
    };
    const refreshToken = token.refreshToken ?? '';
    const verify = this.#verify;
    const withParams = this.#passReqToCallback ? verify.length === 6 : verify.length === 5;
    const args: unknown[] = withParams
      ? [token.accessToken, refreshToken, token, profile, done]
      : [token.accessToken, refreshToken, profile, done];
    if (this.#passReqToCallback) args.unshift(req);
    try {
      const result = verify(...args);
      // An async verify that rejects without calling done would otherwise leave the request hanging.
      if (isThenable(result)) result.then(undefined, (error: unknown) => done(error));
    } catch (error) {
      // A throw after done() comes from the code that ran after the login: not ours to answer.
      if (settled) throw error;
      done(error);
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
