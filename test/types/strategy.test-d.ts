// The constructor's overloads: each verify form gets its parameter types from the options alone.
import { expectTypeOf } from 'expect-type';
import type { Request } from 'express';
import passport from 'passport';
import {
  type DingTalkTokenResponse,
  type Profile,
  Strategy,
  type VerifyCallback,
  type VerifyFunction,
  type VerifyFunctionWithParams,
  type VerifyFunctionWithRequest,
  type VerifyFunctionWithRequestAndParams,
} from 'passport-dingtalk-oauth2';

const options = { clientID: 'ding-client-id', clientSecret: 'client-secret', callbackURL: '/auth/dingtalk/callback' };
const withRequest = { ...options, passReqToCallback: true as const };

// (accessToken, refreshToken, profile, done)
new Strategy(options, (accessToken, refreshToken, profile, done) => {
  expectTypeOf(accessToken).toEqualTypeOf<string>();
  expectTypeOf(refreshToken).toEqualTypeOf<string>();
  expectTypeOf(profile).toEqualTypeOf<Profile>();
  expectTypeOf(done).toEqualTypeOf<VerifyCallback>();
  done(null, { id: profile.id });
});

// (accessToken, refreshToken, params, profile, done). TypeScript types an inline arrow's parameters
// from the first overload it tries, which has four, so the forms with params need annotations (or a
// typed variable): unannotated, their parameters are implicitly `any`, an error under `strict`.
const verifyWithParams: VerifyFunctionWithParams = (accessToken, refreshToken, params, profile, done) => {
  expectTypeOf(accessToken).toEqualTypeOf<string>();
  expectTypeOf(refreshToken).toEqualTypeOf<string>();
  expectTypeOf(params).toEqualTypeOf<DingTalkTokenResponse>();
  expectTypeOf(params.expireIn).toEqualTypeOf<number | undefined>();
  expectTypeOf(params.corpId).toEqualTypeOf<string | undefined>();
  expectTypeOf(profile).toEqualTypeOf<Profile>();
  expectTypeOf(done).toEqualTypeOf<VerifyCallback>();
  done(null, { id: profile.id, corpId: params.corpId });
};
new Strategy(options, verifyWithParams);
new Strategy(
  options,
  (
    _accessToken: string,
    _refreshToken: string,
    params: DingTalkTokenResponse,
    profile: Profile,
    done: VerifyCallback,
  ) => done(null, { id: profile.id, expireIn: params.expireIn }),
);

// (req, accessToken, refreshToken, profile, done) with passReqToCallback: true
new Strategy({ ...options, passReqToCallback: true }, (req, accessToken, refreshToken, profile, done) => {
  expectTypeOf(req).toEqualTypeOf<Request>();
  expectTypeOf(accessToken).toEqualTypeOf<string>();
  expectTypeOf(refreshToken).toEqualTypeOf<string>();
  expectTypeOf(profile).toEqualTypeOf<Profile>();
  expectTypeOf(done).toEqualTypeOf<VerifyCallback>();
  done(null, { id: profile.id, path: req.path });
});

// (req, accessToken, refreshToken, params, profile, done) with passReqToCallback: true
const verifyWithRequestAndParams: VerifyFunctionWithRequestAndParams = (req, at, rt, params, profile, done) => {
  expectTypeOf(req).toEqualTypeOf<Request>();
  expectTypeOf(at).toEqualTypeOf<string>();
  expectTypeOf(rt).toEqualTypeOf<string>();
  expectTypeOf(params).toEqualTypeOf<DingTalkTokenResponse>();
  expectTypeOf(profile).toEqualTypeOf<Profile>();
  expectTypeOf(done).toEqualTypeOf<VerifyCallback>();
  done(null, { id: profile.id, path: req.path });
};
new Strategy({ ...options, passReqToCallback: true }, verifyWithRequestAndParams);

// passReqToCallback: false is the same as leaving it out.
new Strategy({ ...options, passReqToCallback: false }, (_accessToken, _refreshToken, profile, done) =>
  done(null, { id: profile.id }),
);

// An async verify, and one that refuses the login with a message.
new Strategy(options, async (_accessToken, _refreshToken, profile, done) => {
  done(null, await Promise.resolve({ id: profile.id }));
});
new Strategy(options, (_accessToken, _refreshToken, _profile, done) =>
  done(null, false, { message: 'Not an employee' }),
);

// Every documented option has a type.
new Strategy(
  {
    ...options,
    scope: ['openid', 'corpid'],
    state: true,
    skipUserProfile: (_accessToken, done) => done(null, false),
    authorizationURL: 'https://login.dingtalk.com/oauth2/auth',
    tokenURL: 'https://api.dingtalk.com/v1.0/oauth2/userAccessToken',
    userProfileURL: 'https://api.dingtalk.com/v1.0/contact/users/me',
    timeout: 5000,
    maxResponseBytes: 65536,
    fetch: globalThis.fetch,
    proxy: true,
    sessionKey: 'oauth2:dingtalk',
  },
  (_accessToken, _refreshToken, profile, done) => done(null, profile ? { id: profile.id } : false),
);

// Where skipUserProfile is set, profile may be undefined, in every verify form.
new Strategy({ ...options, skipUserProfile: true }, (_accessToken, _refreshToken, profile, done) => {
  expectTypeOf(profile).toEqualTypeOf<Profile | undefined>();
  done(null, { id: profile?.id ?? 'unknown' });
});
new Strategy({ ...withRequest, skipUserProfile: () => true }, (req, _accessToken, _refreshToken, profile, done) => {
  expectTypeOf(req).toEqualTypeOf<Request>();
  expectTypeOf(profile).toEqualTypeOf<Profile | undefined>();
  done(null, { id: profile?.id ?? 'unknown' });
});
const verifySkipping: VerifyFunctionWithParams<Profile | undefined> = (_at, _rt, params, profile, done) =>
  done(null, { id: profile?.id ?? params.accessToken });
new Strategy({ ...options, skipUserProfile: true }, verifySkipping);
// @ts-expect-error profile may be undefined when skipUserProfile is set
new Strategy({ ...options, skipUserProfile: true }, (_at, _rt, profile, done) => done(null, { id: profile.id }));
// skipUserProfile: false is the same as leaving it out.
new Strategy({ ...options, skipUserProfile: false }, (_at, _rt, profile, done) => done(null, { id: profile.id }));

// The strategy is a passport strategy named 'dingtalk'.
const strategy = new Strategy(options, (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id }));
expectTypeOf(strategy.name).toEqualTypeOf<string>();
expectTypeOf(strategy).toExtend<passport.Strategy>();
passport.use(strategy);

// Mistakes are compile errors.
const verify: VerifyFunction = (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id });
const verifyWithRequest: VerifyFunctionWithRequest = (_req, _at, _rt, profile, done) => done(null, { id: profile.id });

// @ts-expect-error clientSecret is required
new Strategy({ clientID: 'ding-client-id', callbackURL: '/auth/dingtalk/callback' }, verify);
// @ts-expect-error callbackURL is required
new Strategy({ clientID: 'ding-client-id', clientSecret: 'client-secret' }, verify);
// @ts-expect-error a misspelt option: clientSecrett
new Strategy({ clientID: 'ding-client-id', clientSecrett: 'client-secret', callbackURL: '/cb' }, verify);
// @ts-expect-error a misspelt optional option: timout
new Strategy({ ...options, timout: 5000 }, verify);
// @ts-expect-error state is true/false (a fixed state is a per-request option)
new Strategy({ ...options, state: 'fixed' }, verify);
// @ts-expect-error scope is a string or an array of strings
new Strategy({ ...options, scope: 42 }, verify);
// @ts-expect-error the verify callback is required
new Strategy(options);
// @ts-expect-error passReqToCallback: true needs a verify that takes req first
new Strategy(withRequest, verify);
// @ts-expect-error a verify that takes req needs passReqToCallback: true
new Strategy(options, verifyWithRequest);
// @ts-expect-error an inline verify without req, under passReqToCallback: true
new Strategy(withRequest, (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id }));
// @ts-expect-error six parameters without passReqToCallback: true
new Strategy(options, (_req, _accessToken, _refreshToken, _params, _profile, done) => done(null, {}));
