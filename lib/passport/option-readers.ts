import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import nodeFetch from 'node-fetch';

import type { FetchFunction, HttpSettings } from '../api/http';

/** What every option error starts with, so a stack trace names the package. */
export const optionPrefix = 'passport-dingtalk-oauth2:';

const defaultTimeoutMs = 10_000;
// setTimeout's largest delay: a longer one overflows and fires after 1 ms, aborting every request.
const maxTimerMs = 2 ** 31 - 1;
const defaultMaxResponseBytes = 1024 * 1024;

/** The options that shape requests to DingTalk, shared by both strategies. */
export interface HttpOptions {
  timeout?: number;
  maxResponseBytes?: number;
  fetch?: FetchFunction;
  agent?: HttpAgent;
}

/** A non-blank string option, or a `TypeError` that says what belongs there. */
export function requireText(value: unknown, name: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${optionPrefix} the "${name}" option is required: ${what}`);
  }
  return value;
}

/**
 * The names an option is often given by mistake, in lower case: DingTalk's own spelling (its
 * console says ClientId, and AppKey/AppSecret before that) and other casings of the name.
 */
const misspellings: Readonly<Record<string, readonly string[]>> = {
  clientID: ['clientid', 'appkey', 'client_id'],
  clientSecret: ['clientsecret', 'appsecret', 'client_secret'],
  callbackURL: ['callbackurl', 'callback_url', 'redirecturi', 'redirect_uri'],
  corpId: ['corpid', 'corp_id'],
};

/**
 * A required text option read from `options`, whose `TypeError` when it is left out names the
 * look-alike key the options do have (`clientId` for `clientID`, say). Only the key is named,
 * never a value: it may be the secret.
 */
export function requireTextOption(options: object, name: string, what: string): string {
  const value = (options as Record<string, unknown>)[name];
  if (value !== undefined) return requireText(value, name, what);
  const candidates = misspellings[name] ?? [];
  const found = Object.keys(options).find((key) => key !== name && candidates.includes(key.toLowerCase()));
  if (found === undefined) return requireText(value, name, what);
  const whose = found === 'clientId' ? " (DingTalk's spelling)" : '';
  throw new TypeError(
    `${optionPrefix} the "${name}" option is required: ${what}. The options have "${found}"${whose}: did you mean ${name}?`,
  );
}

/** The options object itself, and the app's credentials in it: `clientID` and `clientSecret`. */
export function readAppCredentials(
  options: unknown,
  constructorName: string,
): { clientID: string; clientSecret: string } {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${optionPrefix} new ${constructorName}(options, verify) needs an options object`);
  }
  return {
    clientID: requireTextOption(options, 'clientID', 'the ClientId (AppKey) from the DingTalk developer console'),
    clientSecret: requireTextOption(
      options,
      'clientSecret',
      'the ClientSecret (AppSecret) from the DingTalk developer console',
    ),
  };
}

/** `true`/`false` or left out (false). */
export function readFlag(value: unknown, name: string): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${optionPrefix} the "${name}" option must be true or false`);
  }
  return value === true;
}

/**
 * An absolute http(s) URL option. One that `carriesSecrets` (the client secret, a token or a
 * code travels to it) must be https unless it is on loopback (an emulator).
 */
export function readEndpointURL(value: unknown, name: string, fallback: string, carriesSecrets: boolean): URL {
  const text = value ?? fallback;
  let url: URL;
  try {
    if (typeof text !== 'string') throw new TypeError('not a string');
    url = new URL(text);
  } catch {
    throw new TypeError(`${optionPrefix} the "${name}" option must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`${optionPrefix} the "${name}" option must be an http(s) URL`);
  }
  if (carriesSecrets && url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new TypeError(`${optionPrefix} the "${name}" option must use https (plain http is allowed only on loopback)`);
  }
  return url;
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** `timeout`, `maxResponseBytes`, `fetch` and `agent`, checked, with their defaults. */
export function readHttpSettings(options: HttpOptions): HttpSettings {
  const timeoutMs = readPositiveNumber(options.timeout, 'timeout', defaultTimeoutMs, 'milliseconds', maxTimerMs);
  const maxResponseBytes = readPositiveNumber(
    options.maxResponseBytes,
    'maxResponseBytes',
    defaultMaxResponseBytes,
    'bytes',
    Number.MAX_VALUE,
  );
  const fetch = readFetch(options.fetch);
  const agentFor = readAgent(options.agent);
  // The bundled node-fetch bounds the body itself (`size`); any other fetch is read with a bound here.
  const fetchEnforcesSize = fetch === (nodeFetch as unknown as FetchFunction);
  return { fetch, fetchEnforcesSize, agentFor, timeoutMs, maxResponseBytes };
}

function readPositiveNumber(value: unknown, name: string, fallback: number, unit: string, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    const most = max < Number.MAX_VALUE ? `, at most ${max}` : '';
    throw new TypeError(`${optionPrefix} the "${name}" option must be a positive number of ${unit}${most}`);
  }
  return value;
}

function readFetch(fetch: unknown): FetchFunction {
  if (fetch === undefined) return nodeFetch as unknown as FetchFunction;
  if (typeof fetch !== 'function') throw new TypeError(`${optionPrefix} the "fetch" option must be a function`);
  return fetch as FetchFunction;
}

function readAgent(agent: unknown): HttpSettings['agentFor'] {
  if (agent !== undefined) {
    if (typeof agent !== 'object' || agent === null) {
      throw new TypeError(`${optionPrefix} the "agent" option must be an http.Agent or https.Agent`);
    }
    const fixed = agent as HttpAgent;
    return () => fixed;
  }
  // One keep-alive pool per strategy: a login then costs no new TLS handshake.
  let httpsAgent: HttpsAgent | undefined;
  let httpAgent: HttpAgent | undefined;
  return (url) => {
    if (url.protocol === 'http:') {
      httpAgent ??= new HttpAgent({ keepAlive: true });
      return httpAgent;
    }
    httpsAgent ??= new HttpsAgent({ keepAlive: true });
    return httpsAgent;
  };
}
