import { DingTalkAPIError } from './errors';

/** How a failed token exchange ends the login. */
export type TokenFailure =
  /** The authCode was refused (expired, used twice, made up): the user should simply log in again. */
  | { kind: 'rejected-code'; message: string }
  /** Anything else is the app's or DingTalk's problem and goes to the error handler. */
  | { kind: 'error'; error: Error };

// DingTalk does not publish its codes for bad client credentials; these words are in all of them
// seen so far, and such a failure must reach the developer, not look like a user's stale link.
const credentialWords = /client|secret|appkey|app_key|credential|suite/i;

/**
 * Tells a refused authCode (a 4xx from the token endpoint about the code) from a failure the
 * developer must see (bad credentials, missing permission, throttling, 5xx, network).
 */
export function classifyTokenFailure(error: unknown): TokenFailure {
  if (
    error instanceof DingTalkAPIError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 401 &&
    !error.permissionDenied &&
    !error.throttled &&
    !credentialWords.test(error.code) &&
    !credentialWords.test(error.description)
  ) {
    const said = error.description ? `${error.code}: ${error.description}` : error.code;
    return {
      kind: 'rejected-code',
      message: `DingTalk refused the authorization code (${said}). It may have expired or been used already: please log in again.`,
    };
  }
  return { kind: 'error', error: error instanceof Error ? error : new Error(String(error)) };
}
