import { DingTalkAPIError } from '../api/errors';
import { isRejectedAuthCode } from '../api/token-failure';
import { OrganizationNotServed } from '../organization/app-tokens';

/**
 * Why a login ended in `fail()`, for an app that shows its own text in its own language:
 * - `access_denied`: DingTalk redirected back with `error=` (the user cancelled or was refused);
 *   `dingtalkError` holds DingTalk's value.
 * - `malformed_callback`: the callback is not one DingTalk sends (a parameter repeated, nested,
 *   too long, or in the request body); DingTalk was not called. Status 400.
 * - `state_mismatch`: the state store refused the `state` (missing, wrong, expired or replayed:
 *   a forged or stale callback). Status 403.
 * - `code_rejected`: DingTalk refused the authCode (expired or used already, as after the Back
 *   button). Status 401.
 * - `organization_not_allowed`: the organization the user picked is not in `allowedCorpIds`, or
 *   DingTalk did not say which one it was. Status 403.
 * - `not_a_member` (with `memberLookup`): the organization the user picked does not know them
 *   (getbyunionid's 60121), knows them only as an external contact, or DingTalk named no
 *   organization. Status 403.
 * - `unknown_organization` (with `memberLookup` and `getAccessToken`): `getAccessToken` gave no
 *   token for the organization the user picked. Status 403.
 *
 * The in-client strategy (`InAppStrategy`) fails with `code_rejected` (DingTalk refused the
 * in-client code, errcode 40078: the page should ask for a new one; 401) and these:
 * - `malformed_request`: not one code in a POST body (a GET, no code, a repeated or over-long
 *   one); DingTalk was not called. Status 400.
 * - `cross_site_request`: the POST may come from another site, as in a login CSRF: the browser
 *   said `Sec-Fetch-Site: cross-site`, or, sending no such header, sent an `Origin` naming another
 *   host, or posted something other than JSON without an `Origin` naming this host. Status 403.
 * - `unknown_organization`: the `corpId` function gave no corpId (400), or `getAccessToken` gave
 *   no token for it: the app does not serve that organization (403).
 */
export type FailureReason =
  | 'access_denied'
  | 'malformed_callback'
  | 'state_mismatch'
  | 'code_rejected'
  | 'organization_not_allowed'
  | 'not_a_member'
  | 'malformed_request'
  | 'cross_site_request'
  | 'unknown_organization';

/** What the strategy hands to `fail()`; with `failureMessage: true` passport keeps `message`. */
export interface DingTalkChallenge {
  /** A sentence for the developer or the user, in English. */
  message: string;
  /** What happened, to switch on. */
  reason: FailureReason;
  /** With `access_denied`: the `error` value DingTalk sent. */
  dingtalkError?: string;
  /** With `state_mismatch`: anything else the state store said. */
  [detail: string]: unknown;
}

/** Builds the challenge of a failure this package decides, with its machine-readable reason. */
export function refusal(reason: FailureReason, message: string, extra?: object): DingTalkChallenge {
  return { ...extra, message, reason };
}

/**
 * DingTalk's answers that end a login in `fail()` rather than `error()`, one mapping for both
 * strategies: a code DingTalk refused (401), an organization the app does not serve (403).
 */
export function refusalOf(error: unknown): [DingTalkChallenge, number] | undefined {
  if (error instanceof OrganizationNotServed) return [refusal('unknown_organization', error.message), 403];
  if (!(error instanceof DingTalkAPIError)) return undefined;
  if (error.endpoint === 'userinfo' && (error.code === '40078' || (error.code === '88' && error.subCode === '40078'))) {
    // 40078: the in-client code is unknown, expired or used: the page asks for another.
    const said = error.subCode ? `${error.code}, sub_code ${error.subCode}` : error.code;
    const text = error.subDescription || error.description;
    const message = `DingTalk refused the in-client code (${said}${text ? `: ${text}` : ''}). It may have expired or been used already: ask the page for a new one.`;
    return [refusal('code_rejected', message), 401];
  }
  if (error.endpoint !== 'token' || !isRejectedAuthCode(error)) return undefined;
  const said = error.description ? `${error.code}: ${error.description}` : error.code;
  const message = `DingTalk refused the authorization code (${said}). It may have expired or been used already: please log in again.`;
  return [refusal('code_rejected', message), 401];
}
