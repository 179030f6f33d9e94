import type { HttpSettings } from '../api/http';
import type { MemberDirectorySettings } from '../organization/member-directory';
import { organizationDefaultURLs, readGetAccessToken } from '../organization/options';
import { optionPrefix as prefix, readEndpointURL, readFlag } from '../passport/option-readers';
import type { StrategyOptionsBase } from './options';

const dependentOptions = [
  'skipUserDetails',
  'accessTokenURL',
  'getByUnionIdURL',
  'userDetailsURL',
  'getAccessToken',
] as const;

/** The options of `memberLookup`, as the caller gives them (documented on `StrategyOptionsBase`). */
type MemberLookupOptions = Pick<StrategyOptionsBase, 'memberLookup' | (typeof dependentOptions)[number]>;

/** `memberLookup` resolved: where to ask, and whether to load the details. */
export interface MemberLookupSettings {
  directory: MemberDirectorySettings;
  skipUserDetails: boolean;
}

/**
 * Reads `memberLookup` and the options that only mean something with it. The organization comes
 * from the token answer's `corpId`, so the lookup needs `corpid` in the scope, and a unionId, so
 * it cannot go with `skipUserProfile`. Its token is the organization's: `getAccessToken`'s, or the
 * app's own, which belongs to one organization only, named by `allowedCorpIds`.
 */
export function readMemberLookup(
  options: MemberLookupOptions & { skipUserProfile?: unknown },
  scope: readonly string[],
  allowedCorpIds: ReadonlySet<string> | undefined,
  credentials: { clientID: string; clientSecret: string },
  http: HttpSettings,
): MemberLookupSettings | undefined {
  if (!readFlag(options.memberLookup, 'memberLookup')) {
    const stray = dependentOptions.find((name) => options[name] !== undefined);
    if (stray) throw new TypeError(`${prefix} the "${stray}" option only has a meaning with memberLookup: true`);
    return undefined;
  }
  if (options.skipUserProfile !== undefined && options.skipUserProfile !== false) {
    throw new TypeError(
      `${prefix} memberLookup needs the profile's unionId, so it cannot go with skipUserProfile: remove one of them`,
    );
  }
  if (!scope.includes('corpid')) throw new TypeError(`${prefix} ${missingCorpIdScope}`);
  const getAccessToken = readGetAccessToken(options.getAccessToken);
  // The app's own token answers for the app's own organization, whichever one the user picked:
  // looked up with it, a member of another organization would get this one's userId and roles
  // under the other's corpId. The login is pinned to the organization the token answers for.
  if (!getAccessToken && allowedCorpIds?.size !== 1) {
    throw new TypeError(
      `${prefix} memberLookup with the app's own access token needs allowedCorpIds: [the app's own corpId], ` +
        'since that token answers for its own organization only; a third-party app passes getAccessToken instead',
    );
  }
  const readURL = (name: keyof typeof organizationDefaultURLs) =>
    // The app secret travels to the first, the app token to the other two.
    readEndpointURL(options[name], name, organizationDefaultURLs[name], true);
  return {
    directory: {
      ...credentials,
      http,
      accessTokenURL: readURL('accessTokenURL'),
      getByUnionIdURL: readURL('getByUnionIdURL'),
      userDetailsURL: readURL('userDetailsURL'),
      getAccessToken,
    },
    skipUserDetails: readFlag(options.skipUserDetails, 'skipUserDetails'),
  };
}

export const missingCorpIdScope =
  'memberLookup needs the scope "corpid" (such as "openid corpid"): the organization to ask comes from it';

/** True when a scope option (a string or an array, as passport-oauth2 takes it) names `corpid`. */
export function scopeHasCorpId(scope: unknown): boolean {
  const scopes = typeof scope === 'string' ? scope.split(' ') : Array.isArray(scope) ? scope : [];
  return scopes.some((item) => typeof item === 'string' && item.trim() === 'corpid');
}
