import { Agent } from 'node:http';
import type { Request } from 'express';
import nodeFetch, { type RequestInit } from 'node-fetch';

import OAuth2Strategy = require('passport-oauth2');

import type { DingTalkEndpoints } from './hand-written-logins';

type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, results?: object) => void;
type ProfileDone = (err: unknown, profile?: { provider: string; id: string }) => void;

/** The user the verify callbacks log in, as the strategy's route does. */
function verify(
  _accessToken: string,
  _refreshToken: string,
  profile: { id: string },
  done: (err: unknown, user?: { id: string }) => void,
): void {
  done(null, { id: profile.id });
}

function options(dingtalk: DingTalkEndpoints & { authorizationURL: string }, callbackURL: string) {
  const { clientID, clientSecret, authorizationURL, tokenURL } = dingtalk;
  return { clientID, clientSecret, authorizationURL, tokenURL, callbackURL, state: false };
}

/**
 * passport-oauth2 reads `req.query.code`; DingTalk sends `authCode`. An own `query` property is
 * the cheapest way that works on Express 5, whose `req.query` getter parses the URL on every read.
 */
function presentAuthCode(req: Request): void {
  const query = req.query;
  if (typeof query.authCode === 'string') {
    Object.defineProperty(req, 'query', { value: { ...query, code: query.authCode } });
  }
}

/** The strategy's defaults: `timeout` (one deadline per request, body included) and `maxResponseBytes`. */
const deadlineMs = 10_000;
const maxResponseBytes = 1024 * 1024;

/** Sends one request to DingTalk and reads the whole answer as text. */
type FetchText = (url: string, init: RequestInit) => Promise<string>;

/** A bare node-fetch call: no deadline, no size bound, redirects followed (node-fetch's defaults). */
const bareFetchText: FetchText = (url, init) => nodeFetch(url, init).then((response) => response.text());

/**
 * A node-fetch call with what the strategy guarantees of every request, and nothing else: one
 * deadline over the whole exchange (connecting, waiting, reading the body), node-fetch's own
 * `size` bound, and a redirect answered as it came, never followed. No status check, no error
 * classification: a failure is whatever node-fetch rejects with.
 */
const boundedFetchText: FetchText = async (url, init) => {
  const controller = new AbortController();
  const timer = setTimeout(abortRequest, deadlineMs, controller);
  try {
    const response = await nodeFetch(url, {
      ...init,
      signal: controller.signal,
      size: maxResponseBytes,
      redirect: 'manual',
    });
    return await response.text();
  } finally {
    clearTimeout(timer);
  }
};

function abortRequest(controller: AbortController): void {
  controller.abort();
}

/**
 * The framework floor: passport + passport-oauth2, as the strategy uses them, whose token
 * exchange and profile are bare node-fetch calls with a keep-alive agent: the same two requests
 * as the strategy's, no timeout, no size bound, no checks. What the strategy costs above this is
 * its own code, and the deadline and size bound it puts on every request (see SafeFloorStrategy).
 */
export class FrameworkFloorStrategy extends OAuth2Strategy {
  // Not #private: passport calls authenticate() on Object.create(strategy).
  private readonly _profileURL: string;
  private readonly _agent = new Agent({ keepAlive: true });
  private readonly _fetchText: FetchText;

  constructor(
    dingtalk: DingTalkEndpoints & { authorizationURL: string },
    callbackURL: string,
    fetchText: FetchText = bareFetchText,
  ) {
    super(options(dingtalk, callbackURL), verify);
    this._profileURL = dingtalk.userProfileURL;
    this._fetchText = fetchText;
    const { clientID, clientSecret, tokenURL } = dingtalk;
    const agent = this._agent;
    this._oauth2.getOAuthAccessToken = ((code: string, _params: object, callback: TokenCallback) => {
      const body = JSON.stringify({ clientId: clientID, clientSecret, code, grantType: 'authorization_code' });
      const headers = { 'content-type': 'application/json', accept: 'application/json' };
      fetchText(tokenURL, { method: 'POST', headers, body, agent }).then((text) => {
        const token = JSON.parse(text) as { accessToken: string; refreshToken: string };
        callback(null, token.accessToken, token.refreshToken, token);
      }, callback);
    }) as typeof this._oauth2.getOAuthAccessToken;
  }

  override userProfile(accessToken: string, done: ProfileDone): void {
    const headers = { accept: 'application/json', 'x-acs-dingtalk-access-token': accessToken };
    this._fetchText(this._profileURL, { headers, agent: this._agent }).then((text) => {
      const json = JSON.parse(text) as { unionId: string; nick?: string };
      done(null, { provider: 'dingtalk', id: json.unionId });
    }, done);
  }

  override authenticate(req: Request, authenticateOptions?: object): void {
    presentAuthCode(req);
    super.authenticate(req, authenticateOptions);
  }
}

/**
 * The safe floor: the framework floor whose two node-fetch calls each have one deadline (an
 * AbortController and a timer, cleared once the body is read; 10 s), node-fetch's `size` bound
 * (1 MiB) and `redirect: 'manual'`, the strategy's defaults. No code of this package: what the
 * strategy costs above this is its own code.
 */
export class SafeFloorStrategy extends FrameworkFloorStrategy {
  constructor(dingtalk: DingTalkEndpoints & { authorizationURL: string }, callbackURL: string) {
    super(dingtalk, callbackURL, boundedFetchText);
  }
}

/** The parts of the `oauth` package's client used here; its typings leave `_request` out. */
interface OAuthClient {
  setAgent(agent: Agent): void;
  _request(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | null,
    accessToken: null,
    callback: (err: unknown, body?: string) => void,
  ): void;
}

/**
 * What the npm peers build on: passport-oauth2 with its own HTTP client (the `oauth` package), the
 * token exchange sent as JSON through that client, and a keep-alive agent like every other route.
 */
export class OAuthClientStrategy extends OAuth2Strategy {
  private readonly _profileURL: string;

  constructor(dingtalk: DingTalkEndpoints & { authorizationURL: string }, callbackURL: string) {
    super(options(dingtalk, callbackURL), verify);
    this._profileURL = dingtalk.userProfileURL;
    const { clientID, clientSecret, tokenURL } = dingtalk;
    const client = this._oauth2 as unknown as OAuthClient;
    client.setAgent(new Agent({ keepAlive: true }));
    this._oauth2.getOAuthAccessToken = ((code: string, _params: object, callback: TokenCallback) => {
      const body = JSON.stringify({ clientId: clientID, clientSecret, code, grantType: 'authorization_code' });
      const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
      client._request('POST', tokenURL, headers, body, null, (err, text) => {
        if (err) return callback(err);
        const token = JSON.parse(text as string) as { accessToken: string; refreshToken: string };
        callback(null, token.accessToken, token.refreshToken, token);
      });
    }) as typeof this._oauth2.getOAuthAccessToken;
  }

  override userProfile(accessToken: string, done: ProfileDone): void {
    const client = this._oauth2 as unknown as OAuthClient;
    const headers = { Accept: 'application/json', 'x-acs-dingtalk-access-token': accessToken };
    client._request('GET', this._profileURL, headers, null, null, (err, text) => {
      if (err) return done(err);
      const json = JSON.parse(text as string) as { unionId: string };
      done(null, { provider: 'dingtalk', id: json.unionId });
    });
  }

  override authenticate(req: Request, authenticateOptions?: object): void {
    presentAuthCode(req);
    super.authenticate(req, authenticateOptions);
  }
}
