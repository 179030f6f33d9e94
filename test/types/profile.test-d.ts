// The profile verify receives, and DingTalk's answers as typed by the package.
import { expectTypeOf } from 'expect-type';
import type passport from 'passport';
import type { DingTalkTokenResponse, DingTalkUserInfo, Profile } from 'passport-dingtalk-oauth2';

declare const profile: Profile;

expectTypeOf(profile).toExtend<passport.Profile>();
expectTypeOf(profile.provider).toEqualTypeOf<'dingtalk'>();
expectTypeOf(profile.id).toEqualTypeOf<string>();
expectTypeOf(profile.unionId).toEqualTypeOf<string>();
expectTypeOf(profile.displayName).toEqualTypeOf<string>();
expectTypeOf(profile.openId).toEqualTypeOf<string | undefined>();
expectTypeOf(profile.corpId).toEqualTypeOf<string | undefined>();
expectTypeOf(profile.emails).toEqualTypeOf<Array<{ value: string; verified: false }> | undefined>();
expectTypeOf(profile.photos).toEqualTypeOf<Array<{ value: string }> | undefined>();
expectTypeOf(profile.phoneNumbers).toEqualTypeOf<Array<{ value: string }> | undefined>();
expectTypeOf(profile._raw).toEqualTypeOf<string>();
expectTypeOf(profile._json).toEqualTypeOf<DingTalkUserInfo>();

// _json is DingTalk's users/me answer: unionId always, the rest when DingTalk sends it.
expectTypeOf(profile._json.unionId).toEqualTypeOf<string>();
expectTypeOf(profile._json.nick).toEqualTypeOf<string | undefined>();
expectTypeOf(profile._json.openId).toEqualTypeOf<string | undefined>();
expectTypeOf(profile._json.avatarUrl).toEqualTypeOf<string | undefined>();
expectTypeOf(profile._json.mobile).toEqualTypeOf<string | undefined>();
expectTypeOf(profile._json.stateCode).toEqualTypeOf<string | undefined>();
expectTypeOf(profile._json.email).toEqualTypeOf<string | undefined>();
expectTypeOf(profile._json.visitor).toEqualTypeOf<boolean | undefined>();
// Fields DingTalk adds later are there, as unknown until checked.
expectTypeOf(profile._json.someFutureField).toEqualTypeOf<unknown>();

// DingTalk does not verify emails: the type says so.
// @ts-expect-error verified is always false
const verifiedEmail: Profile['emails'] = [{ value: 'zhangsan@example.com', verified: true }];

// The token answer verify receives as params.
declare const params: DingTalkTokenResponse;
expectTypeOf(params.accessToken).toEqualTypeOf<string>();
expectTypeOf(params.refreshToken).toEqualTypeOf<string | undefined>();
expectTypeOf(params.expireIn).toEqualTypeOf<number | undefined>();
expectTypeOf(params.corpId).toEqualTypeOf<string | undefined>();

export { verifiedEmail };
