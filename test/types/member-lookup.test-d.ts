// memberLookup: the verify callback's profile type follows the option, with no cast.
import { expectTypeOf } from 'expect-type';
import type { Request } from 'express';
import {
  type DingTalkMember,
  type DingTalkUserDetails,
  type LookupMemberCallback,
  type MemberProfile,
  type Profile,
  Strategy,
  type VerifyFunctionWithParams,
} from 'passport-dingtalk-oauth2';
import type { createDingTalkEmulator } from 'passport-dingtalk-oauth2/testing';

const options = { clientID: 'ding-client-id', clientSecret: 'client-secret', callbackURL: '/auth/dingtalk/callback' };
// The app's own token answers for one organization: memberLookup pins the login to it (a run-time rule).
const pinned = { allowedCorpIds: ['ding0123456789abcdef'] };

// memberLookup: true → MemberProfile, with userId and corpId as strings.
new Strategy({ ...options, ...pinned, memberLookup: true }, (_accessToken, _refreshToken, profile, done) => {
  expectTypeOf(profile).toEqualTypeOf<MemberProfile>();
  expectTypeOf(profile.userId).toEqualTypeOf<string>();
  expectTypeOf(profile.corpId).toEqualTypeOf<string>();
  expectTypeOf(profile.isAdmin).toEqualTypeOf<boolean | undefined>();
  expectTypeOf(profile.departmentIds).toEqualTypeOf<number[] | undefined>();
  expectTypeOf(profile._details).toEqualTypeOf<DingTalkUserDetails | undefined>();
  done(null, { id: profile.id, userId: profile.userId });
});

// Without it, or with false, the profile has no userId at all.
new Strategy(options, (_accessToken, _refreshToken, profile, done) => {
  expectTypeOf(profile).toEqualTypeOf<Profile>();
  // @ts-expect-error: no userId without memberLookup
  profile.userId;
  done(null, profile.id);
});
new Strategy({ ...options, memberLookup: false }, (_accessToken, _refreshToken, profile, done) => {
  expectTypeOf(profile).toEqualTypeOf<Profile>();
  done(null, profile.id);
});

// With passReqToCallback, and with params through the typed verify.
new Strategy({ ...options, ...pinned, memberLookup: true, passReqToCallback: true }, (req, _a, _r, profile, done) => {
  expectTypeOf(req).toEqualTypeOf<Request>();
  expectTypeOf(profile.userId).toEqualTypeOf<string>();
  done(null, profile.userId);
});
const verifyWithParams: VerifyFunctionWithParams<MemberProfile> = (_a, _r, params, profile, done) =>
  done(null, { userId: profile.userId, corpId: params.corpId });
new Strategy({ ...options, ...pinned, memberLookup: true }, verifyWithParams);

// A boolean decided at run time: either profile, so userId must be checked.
declare const lookUp: boolean;
new Strategy({ ...options, ...pinned, memberLookup: lookUp }, (_a, _r, profile, done) => {
  expectTypeOf(profile).toEqualTypeOf<Profile | MemberProfile>();
  done(null, 'userId' in profile ? profile.userId : profile.id);
});

// The emulator's helper keeps the literal true.
declare const emulator: Awaited<ReturnType<typeof createDingTalkEmulator>>;
new Strategy({ ...emulator.strategyOptions({ memberLookup: true }), callbackURL: '/cb' }, (_a, _r, profile, done) => {
  expectTypeOf(profile.userId).toEqualTypeOf<string>();
  done(null, profile.userId);
});

// memberLookup cannot go with skipUserProfile.
// @ts-expect-error: the lookup starts from the profile's unionId
new Strategy({ ...options, ...pinned, memberLookup: true, skipUserProfile: true }, (_a, _r, _profile, done) =>
  done(null, {}),
);

// The hook, as tests stub it.
const strategy = new Strategy({ ...options, ...pinned, memberLookup: true }, (_a, _r, profile, done) =>
  done(null, profile),
);
expectTypeOf(strategy.lookupMember).parameters.toEqualTypeOf<[string, string, LookupMemberCallback]>();
strategy.lookupMember = (_unionId, _corpId, done) => done(null, { userId: 'manager4220' } satisfies DingTalkMember);
strategy.lookupMember = (_unionId, _corpId, done) => done(null, false);
