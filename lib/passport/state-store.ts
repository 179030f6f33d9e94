import type { Request } from 'express';

/** What passport-oauth2 tells a state store about the login. */
export interface StateStoreMeta {
  /** The authorize page the user is sent to. */
  authorizationURL: string;
  /** The token endpoint the code is exchanged at. */
  tokenURL: string;
  /** The app's ClientId. */
  clientID: string;
  /** The callback URL of this login, when one is known. */
  callbackURL: string | undefined;
}

/** Called by a state store once it has kept a state; `state` goes into the authorize URL. */
export type StateStoreStoreCallback = (err: Error | null, state?: string) => void;

/** Called by a state store with its verdict; `info` reaches `fail()` or the success info. */
export type StateStoreVerifyCallback = (err: Error | null, ok: boolean, info?: unknown) => void;

/**
 * A passport-oauth2 state store. Like passport-oauth2, the strategy tells the forms apart by
 * their number of parameters, so either form of each method may be implemented.
 */
export interface StateStore {
  /** Keeps a new state for a login that starts, and hands it to `callback`. */
  store:
    | ((req: Request, callback: StateStoreStoreCallback) => void)
    | ((req: Request, meta: StateStoreMeta, callback: StateStoreStoreCallback) => void)
    // The four-parameter form also receives the route's `state` option when it is an object.
    | ((req: Request, appState: unknown, meta: StateStoreMeta, callback: StateStoreStoreCallback) => void);
  /** Checks the state DingTalk sent back, and says whether it is the one kept for this login. */
  verify: StateStoreVerify | StateStoreVerifyWithMeta;
}

/** `verify(req, state, callback)`. */
export type StateStoreVerify = (req: Request, state: string, callback: StateStoreVerifyCallback) => void;

/** `verify(req, state, meta, callback)`. */
export type StateStoreVerifyWithMeta = (
  req: Request,
  state: string,
  meta: StateStoreMeta,
  callback: StateStoreVerifyCallback,
) => void;
