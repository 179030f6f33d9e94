import type { Request } from 'express';

import type { CallbackQuery } from './callback-query';
import type { DingTalkClient } from './client';
import { classifyTokenFailure } from './failures';
import type {
  SkipUserProfileFunction,
  StateStore,
  StateStoreMeta,
  StateStoreVerify,
  StateStoreVerifyWithMeta,
} from './options';
import { type Profile, parseProfile } from './profile';
import { type AnyVerifyFunction, callVerify } from './verify';
import type { DingTalkTokenResponse } from './wire';

/** The answers passport attaches to a strategy for one request. */
export interface PassportActions {
  success(user: Express.User, info?: object): void;
  fail(challenge?: object, status?: number): void;
  error(err: unknown): void;
}

/** Everything the callback needs, fixed when the strategy is constructed. */
export interface CallbackSettings {
  client: DingTalkClient;
  verify: AnyVerifyFunction;
  passReqToCallback: boolean;
  skipUserProfile: boolean | SkipUserProfileFunction;
  stateStore: StateStore;
  allowedCorpIds: ReadonlySet<string> | undefined;
  storeMeta: StateStoreMeta & { callbackURL: string };
}

type Returning = Extract<CallbackQuery, { kind: 'authorized' | 'refused' }>;

/**
 * Finishes a login when DingTalk redirects back: checks the state first (even for a refusal,
 * so that the stored state is used up), then exchanges the code, loads the profile and calls
 * verify. Each step ends in exactly one of success, fail or error.
 */
export function finishLogin(
  actions: PassportActions,
  settings: CallbackSettings,
  req: Request,
  callbackURL: string | undefined,
  callback: Returning,
): void {
  const stateVerified = (err: Error | null, ok: boolean, stateInfo?: unknown) => {
    if (err) return actions.error(err);
    if (!ok) return actions.fail(stateInfo as object, 403);
    if (callback.kind === 'refused') {
      return actions.fail({ message: `DingTalk login was not authorized: ${callback.error}` }, 403);
    }
    // Nothing inside rejects except code run after the login (the app's routes): hand that to the
    // error handler rather than let it become an unhandled rejection that stops the process.
    completeLogin(actions, settings, req, callback.code, stateInfo).catch((error: unknown) => actions.error(error));
  };
  const store = settings.stateStore;
  const state = callback.state as string;
  try {
    // passport-oauth2 tells a store that wants the metadata by its arity; so do we. Its own stores
    // take three arguments: the metadata is built only for a store that reads it.
    if (store.verify.length === 4) {
      const meta = { ...settings.storeMeta, callbackURL: callbackURL ?? settings.storeMeta.callbackURL };
      (store.verify as StateStoreVerifyWithMeta)(req, state, meta, stateVerified);
    } else {
      (store.verify as StateStoreVerify)(req, state, stateVerified);
    }
  } catch (error) {
    actions.error(error);
  }
}

async function completeLogin(
  actions: PassportActions,
  settings: CallbackSettings,
  req: Request,
  code: string,
  stateInfo: unknown,
): Promise<void> {
  let token: DingTalkTokenResponse;
  let profile: Profile | undefined;
  try {
    token = await settings.client.exchangeAuthCode(code);
  } catch (error) {
    const failure = classifyTokenFailure(error);
    if (failure.kind === 'rejected-code') return actions.fail({ message: failure.message }, 401);
    return actions.error(failure.error);
  }
  const refusal = organizationRefusal(settings.allowedCorpIds, token.corpId);
  if (refusal) return actions.fail({ message: refusal }, 403);
  try {
    profile = await loadProfile(settings, token);
  } catch (error) {
    return actions.error(error);
  }
  // Named one by one: on Node 20 an object literal with properties after a spread, such as
  // `{ ...settings, req }`, costs microseconds (a new hidden class each time), a plain one nanoseconds.
  const { verify, passReqToCallback } = settings;
  callVerify({ verify, passReqToCallback, req, token, profile }, (err, user, info) => {
    if (err) return actions.error(err);
    if (!user) return actions.fail(info);
    const successInfo: Record<string, unknown> = { ...info };
    if (stateInfo) successInfo.state = stateInfo;
    actions.success(user, successInfo);
  });
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

async function loadProfile(settings: CallbackSettings, token: DingTalkTokenResponse): Promise<Profile | undefined> {
  if (await shouldSkipProfile(settings.skipUserProfile, token.accessToken)) return undefined;
  const user = await settings.client.fetchCurrentUser(token.accessToken);
  return parseProfile(user.json, user.raw, token.corpId);
}

function shouldSkipProfile(skip: CallbackSettings['skipUserProfile'], accessToken: string): Promise<boolean> {
  if (typeof skip === 'boolean') return Promise.resolve(skip);
  // passport-oauth2 calls a one-argument skipUserProfile synchronously; so do we.
  if (skip.length <= 1) return Promise.resolve(!!(skip as (accessToken: string) => unknown)(accessToken));
  return new Promise((resolve, reject) => skip(accessToken, (err, result) => (err ? reject(err) : resolve(!!result))));
}
