import type { AuthenticateOptions } from 'passport';

/**
 * Per-request options for `passport.authenticate('dingtalk', options)`. The DingTalk-specific
 * ones become query parameters of the authorize URL (shared reference §1).
 */
export interface DingTalkAuthenticateOptions extends Omit<AuthenticateOptions, 'state'> {
  /** Overrides the strategy's scope for this login, such as `'openid corpid'`. */
  scope?: string | string[];
  /**
   * A string: a fixed state for this login instead of a generated one. An object (with a state
   * store): kept by the store and handed back on success as `req.authInfo.state`, such as
   * `{ returnTo: '/orders' }`.
   */
  state?: string | object;
  /** DingTalk requires `consent`, the default; change it only if DingTalk documents another value. */
  prompt?: string;
  /** Pre-selects an organization on DingTalk's page. */
  corpId?: string;
  /** `management` limits the organizations offered to those the user manages (sent as `org_type`). */
  orgType?: string;
  /** With `exclusiveCorpId`, only members of that organization can log in (专属登录). */
  exclusiveLogin?: boolean;
  /** The organization an exclusive login is restricted to. */
  exclusiveCorpId?: string;
  /** Overrides the strategy's callbackURL for this login. */
  callbackURL?: string;
}

// Its overload of `passport.authenticate('dingtalk', options)` is in ../passport/authenticate-types.ts.

/**
 * Builds the DingTalk-specific authorize parameters. Always a fresh object: passport-oauth2 adds
 * `redirect_uri`, `scope` and `state` to what this returns, and if that were the route's shared
 * options object, the first login's state would stick to every later one.
 */
export function buildAuthorizationParams(options: DingTalkAuthenticateOptions): Record<string, string> {
  // Without prompt=consent DingTalk skips the consent step and the profile call later fails.
  const params: Record<string, string> = { prompt: nonEmpty(options.prompt) ?? 'consent' };
  const corpId = nonEmpty(options.corpId);
  if (corpId) params.corpId = corpId;
  const orgType = nonEmpty(options.orgType);
  if (orgType) params.org_type = orgType;
  if (typeof options.exclusiveLogin === 'boolean') params.exclusiveLogin = String(options.exclusiveLogin);
  const exclusiveCorpId = nonEmpty(options.exclusiveCorpId);
  if (exclusiveCorpId) params.exclusiveCorpId = exclusiveCorpId;
  return params;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
