// Per-request options: passport.authenticate('dingtalk', options).
import { expectTypeOf } from 'expect-type';
import passport from 'passport';
import type { DingTalkAuthenticateOptions } from 'passport-dingtalk';

const organizationLogin: DingTalkAuthenticateOptions = {
  scope: 'openid corpid',
  state: 'a-fixed-state',
  prompt: 'consent',
  corpId: 'ding-corp-id',
  orgType: 'management',
  exclusiveLogin: true,
  exclusiveCorpId: 'ding-corp-id',
  callbackURL: '/auth/dingtalk/callback',
  // passport's own options are there too.
  failureRedirect: '/login',
  failureMessage: true,
  session: false,
};
passport.authenticate('dingtalk', organizationLogin);
passport.authenticate('dingtalk', { scope: ['openid', 'corpid'] });

expectTypeOf<DingTalkAuthenticateOptions['scope']>().toEqualTypeOf<string | string[] | undefined>();
expectTypeOf<DingTalkAuthenticateOptions['exclusiveLogin']>().toEqualTypeOf<boolean | undefined>();
expectTypeOf<DingTalkAuthenticateOptions>().toExtend<passport.AuthenticateOptions>();

// @ts-expect-error a misspelt option: corpID
const misspelt: DingTalkAuthenticateOptions = { corpID: 'ding-corp-id' };
// @ts-expect-error exclusiveLogin is a boolean
const notBoolean: DingTalkAuthenticateOptions = { exclusiveLogin: 'true' };
// @ts-expect-error scope is a string or an array of strings
const notScope: DingTalkAuthenticateOptions = { scope: 42 };

export { misspelt, notBoolean, notScope };
