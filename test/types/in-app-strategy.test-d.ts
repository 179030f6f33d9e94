// InAppStrategy's two verify forms get their parameter types from the options alone.
import { expectTypeOf } from 'expect-type';
import type { Request } from 'express';
import passport from 'passport';
import {
  type DingTalkAPIError,
  type InAppProfile,
  InAppStrategy,
  type InAppStrategyOptions,
  type VerifyCallback,
} from 'passport-dingtalk-oauth2';

const options = { clientID: 'ding-client-id', clientSecret: 'client-secret', corpId: 'dingcorp1' };

// (profile, done)
new InAppStrategy(options, (profile, done) => {
  expectTypeOf(profile).toEqualTypeOf<InAppProfile>();
  expectTypeOf(profile.id).toEqualTypeOf<string>();
  expectTypeOf(profile.userId).toEqualTypeOf<string>();
  expectTypeOf(profile.adminLevel).toEqualTypeOf<number>();
  expectTypeOf(done).toEqualTypeOf<VerifyCallback>();
  done(null, { id: profile.id });
});

// (req, profile, done), async
new InAppStrategy({ ...options, passReqToCallback: true }, async (req, profile, done) => {
  expectTypeOf(req).toEqualTypeOf<Request>();
  expectTypeOf(profile).toEqualTypeOf<InAppProfile>();
  done(null, { id: profile.id });
});

// An async verify may return the user instead of calling done.
new InAppStrategy(options, async (profile) => ({ id: profile.id }));
new InAppStrategy(options, async () => false);

// A third-party app: corpId per request, with getAccessToken.
new InAppStrategy(
  {
    ...options,
    corpId: (req) => (typeof req.body?.corpId === 'string' ? req.body.corpId : undefined),
    getAccessToken: async (corpId, { rejectedToken }) => {
      expectTypeOf(corpId).toEqualTypeOf<string>();
      expectTypeOf(rejectedToken).toEqualTypeOf<string | undefined>();
      return 'token';
    },
  },
  (_profile, done) => done(null, false),
);

// @ts-expect-error req comes first only with passReqToCallback: true
new InAppStrategy(options, (_req: Request, _profile: InAppProfile, _done: VerifyCallback) => {});
// @ts-expect-error getAccessToken must give a string
new InAppStrategy({ ...options, getAccessToken: () => 42 }, (_profile, done) => done(null, false));

passport.use(new InAppStrategy(options, (_profile, done) => done(null, false)));
expectTypeOf<InAppStrategyOptions['corpId']>().toExtend<string | ((req: Request) => unknown)>();
expectTypeOf<DingTalkAPIError['subCode']>().toEqualTypeOf<string | undefined>();
