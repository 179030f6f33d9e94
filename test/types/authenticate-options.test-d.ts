// Per-request options: passport.authenticate('dingtalk', options).
import { expectTypeOf } from 'expect-type';
import passport from 'passport';
import type { DingTalkAuthenticateOptions } from 'passport-dingtalk-oauth2';

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

// A per-request state object, handed back on success as req.authInfo.state: no cast.
passport.authenticate('dingtalk', { state: { returnTo: '/orders' } });
passport.authenticate('dingtalk', { state: { returnTo: '/orders' }, failureRedirect: '/login' }, (err, user) => {
  // passport's own callback type would say null too; passport never passes null (custom-callback.test-d.ts).
  expectTypeOf(user).toEqualTypeOf<Express.User | false | undefined>();
  return err;
});
expectTypeOf<DingTalkAuthenticateOptions['state']>().toEqualTypeOf<string | object | undefined>();

// DingTalk's options stay off passport's own AuthenticateOptions, which every strategy shares.
expectTypeOf<passport.AuthenticateOptions>().not.toHaveProperty('corpId');
expectTypeOf<passport.AuthenticateOptions>().not.toHaveProperty('exclusiveCorpId');
// @ts-expect-error corpId means nothing to another strategy
passport.authenticate('local', { corpId: 'ding-corp-id' });
// A DingTalk strategy registered under another name takes one cast.
passport.authenticate('dingtalk-corp', { corpId: 'ding-corp-id' } as passport.AuthenticateOptions);

// @ts-expect-error a misspelt option: corpID
const misspelt: DingTalkAuthenticateOptions = { corpID: 'ding-corp-id' };
// @ts-expect-error exclusiveLogin is a boolean
const notBoolean: DingTalkAuthenticateOptions = { exclusiveLogin: 'true' };
// @ts-expect-error scope is a string or an array of strings
const notScope: DingTalkAuthenticateOptions = { scope: 42 };

export { misspelt, notBoolean, notScope };
