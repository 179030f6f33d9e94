// Custom callbacks: passport.authenticate('dingtalk' | 'dingtalk-inapp', (err, user, info, status) => …)
// types all four parameters with no annotation, and leaves every other name to passport's own types.
import { expectTypeOf } from 'expect-type';
import express from 'express';
import passport from 'passport';
import type {
  DingTalkAuthenticateCallback,
  DingTalkAuthenticateInfo,
  DingTalkChallenge,
  FailureReason,
} from 'passport-dingtalk-oauth2';

type User = Express.User | false | undefined;

passport.authenticate('dingtalk', (err, user, info, status) => {
  expectTypeOf(err).toEqualTypeOf<unknown>();
  expectTypeOf(user).toEqualTypeOf<User>();
  expectTypeOf(info).toEqualTypeOf<DingTalkAuthenticateInfo | undefined>();
  expectTypeOf(info?.reason).toEqualTypeOf<FailureReason | undefined>();
  expectTypeOf(info?.message).toEqualTypeOf<string | undefined>();
  expectTypeOf(info?.dingtalkError).toEqualTypeOf<string | undefined>();
  expectTypeOf(info?.state).toEqualTypeOf<unknown>();
  expectTypeOf(status).toEqualTypeOf<number | undefined>();
});

passport.authenticate('dingtalk-inapp', (err, user, info, status) => {
  expectTypeOf(err).toEqualTypeOf<unknown>();
  expectTypeOf(user).toEqualTypeOf<User>();
  expectTypeOf(info).toEqualTypeOf<DingTalkAuthenticateInfo | undefined>();
  expectTypeOf(info?.reason).toEqualTypeOf<FailureReason | undefined>();
  expectTypeOf(status).toEqualTypeOf<number | undefined>();
});

// With per-request options too.
passport.authenticate('dingtalk', { failureRedirect: '/login', corpId: 'dingcorp1' }, (err, user, info, status) => {
  expectTypeOf(err).toEqualTypeOf<unknown>();
  expectTypeOf(user).toEqualTypeOf<User>();
  expectTypeOf(info?.reason).toEqualTypeOf<FailureReason | undefined>();
  expectTypeOf(status).toEqualTypeOf<number | undefined>();
});
passport.authenticate('dingtalk-inapp', { session: false }, (err, user, info, status) => {
  expectTypeOf(err).toEqualTypeOf<unknown>();
  expectTypeOf(user).toEqualTypeOf<User>();
  expectTypeOf(info?.reason).toEqualTypeOf<FailureReason | undefined>();
  expectTypeOf(status).toEqualTypeOf<number | undefined>();
});
// @ts-expect-error corpId is the browser strategy's option, not the in-client one's
passport.authenticate('dingtalk-inapp', { corpId: 'dingcorp1' });

// The strategy's own challenge is one of the infos the callback can get; so is a verify's own info.
expectTypeOf<DingTalkChallenge>().toExtend<DingTalkAuthenticateInfo>();
expectTypeOf<{ message: string }>().toExtend<DingTalkAuthenticateInfo>();

// A callback annotated with passport's own types, or with unknown, still compiles for both names.
const passportCallback: passport.AuthenticateCallback = (err, user) => [err, user];
passport.authenticate('dingtalk', passportCallback);
passport.authenticate('dingtalk-inapp', (err: unknown, user: unknown, info: unknown, status: unknown) => [
  err,
  user,
  info,
  status,
]);
// An async callback, as in Koa.
passport.authenticate('dingtalk-inapp', async (err, user) => {
  expectTypeOf(user).toEqualTypeOf<User>();
  return err;
});
// The callback type is exported, for a callback written apart from the call.
const apart: DingTalkAuthenticateCallback = (_err, user) => {
  expectTypeOf(user).toEqualTypeOf<User>();
};
passport.authenticate('dingtalk', apart);

// Every other name, an array of names and a strategy instance keep passport's own form: its
// callback is `AuthenticateCallback | ((...args: any[]) => any)`, which takes any annotation...
passport.authenticate('github', (err: Error | null, user: { login: string } | false) => [err, user]);
passport.authenticate('local', { failureRedirect: '/login' }, (err: unknown, user: unknown) => [err, user]);
passport.authenticate(
  ['dingtalk', 'dingtalk-inapp'],
  (err: unknown, user: unknown, infos: unknown[], statuses: Array<number | undefined>) => [err, user, infos, statuses],
);
const name: string = 'dingtalk';
passport.authenticate(name, (err: unknown) => err);
// ...and types no parameter: under strict, an unannotated one is TS7006, as without this package.
// @ts-expect-error passport's own types leave the parameters of another name's callback implicitly any
passport.authenticate('github', (err) => err);
// @ts-expect-error the same for an array of names, even of this package's two
passport.authenticate(['dingtalk', 'dingtalk-inapp'], (err) => err);
// @ts-expect-error and for a name in a variable
passport.authenticate(name, (err) => err);

// The "Why a login failed" callback of docs/errors.md, as written there, compiles under strict TypeScript
// (its map covers every reason; a map of some reasons takes Partial<Record<FailureReason, string>>).
const app = express();
const loginFailures = {
  access_denied: 'The DingTalk login was cancelled.',
  malformed_callback: 'This login link is not valid: please log in again.',
  state_mismatch: 'This login request has expired: please log in again.',
  code_rejected: 'This login has expired: please log in again.',
  organization_not_allowed: 'Your organization may not use this app.',
  not_a_member: 'Only members of the organization may log in.', // with memberLookup
  // InAppStrategy's reasons, for the in-client route (unknown_organization also with memberLookup):
  malformed_request: 'This login request is not valid.',
  cross_site_request: 'This login request came from another site.',
  unknown_organization: 'Your organization does not use this app.',
};

app.get('/auth/dingtalk/callback', (req, res, next) => {
  passport.authenticate('dingtalk', (err, user, info, status) => {
    if (err) return next(err); // such as a DingTalkError, whose status is 502, 503 or 504
    if (!user) {
      // The strategy's failures have a reason; a refusal from your verify has your own info.
      const text = (info?.reason && loginFailures[info.reason]) ?? info?.message ?? 'Login failed';
      expectTypeOf(text).toEqualTypeOf<string>();
      return res.status(status ?? 401).send(text);
    }
    req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.redirect('/')));
  })(req, res, next);
});

// docs/member-lookup.md's: a map of some reasons.
const someFailures = new Map([
  ['not_a_member', 'Only members of our organization can log in.'],
  ['organization_not_allowed', 'Please pick our organization on the DingTalk page.'],
]);
const typedFailures: Partial<Record<FailureReason, string>> = { not_a_member: 'Only members may log in.' };
app.get('/auth/dingtalk/member-callback', (req, res, next) => {
  passport.authenticate('dingtalk', (err, user, info, status) => {
    if (err) return next(err);
    if (!user) {
      const text = (info?.reason && someFailures.get(info.reason)) ?? info?.message ?? 'Login failed';
      const typed = (info?.reason && typedFailures[info.reason]) ?? info?.message ?? 'Login failed';
      expectTypeOf(text).toEqualTypeOf<string>();
      expectTypeOf(typed).toEqualTypeOf<string>();
      return res
        .status(status ?? 401)
        .type('text')
        .send(text);
    }
    req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.redirect('/')));
  })(req, res, next);
});

// The in-client route of docs/in-client-login.md.
app.post('/auth/dingtalk/in-app', express.json({ limit: '1kb' }), (req, res, next) => {
  passport.authenticate('dingtalk-inapp', (err, user, info, status) => {
    if (err) return next(err);
    if (!user) return res.status(status ?? 401).json({ reason: info?.reason, message: info?.message });
    req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.json({ ok: true })));
  })(req, res, next);
});
