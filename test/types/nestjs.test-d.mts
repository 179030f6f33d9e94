// NestJS: PassportStrategy(Strategy) keeps the constructor's option types, with no casts.
import { PassportStrategy } from '@nestjs/passport';
import { expectTypeOf } from 'expect-type';
import type { Request } from 'express';
import {
  type InAppProfile,
  InAppStrategy,
  type Profile,
  Strategy,
  type StrategyOptions,
  type StrategyOptionsWithRequest,
} from 'passport-dingtalk-oauth2';

const options = { clientID: 'ding-client-id', clientSecret: 'client-secret', callbackURL: '/auth/dingtalk/callback' };

export class DingTalkStrategy extends PassportStrategy(Strategy, 'dingtalk') {
  constructor() {
    super({ ...options, state: true });
  }

  validate(_accessToken: string, _refreshToken: string, profile: Profile): { unionId: string } {
    return { unionId: profile.id };
  }
}

export class DingTalkStrategyWithRequest extends PassportStrategy(Strategy, 'dingtalk-request') {
  constructor() {
    super({ ...options, passReqToCallback: true });
  }

  validate(req: Request, _accessToken: string, _refreshToken: string, profile: Profile): { unionId: string } {
    return { unionId: `${req.hostname}:${profile.id}` };
  }
}

expectTypeOf<DingTalkStrategy>().toExtend<Strategy>();
expectTypeOf<DingTalkStrategy['name']>().toEqualTypeOf<string>();

export class MisspeltOption extends PassportStrategy(Strategy, 'misspelt') {
  constructor() {
    // @ts-expect-error a misspelt option: clientSecrett
    super({ clientID: 'ding-client-id', clientSecrett: 'client-secret', callbackURL: '/cb' });
  }

  validate(): null {
    return null;
  }
}

// The base class takes the Strategy's options (the verify callback is Nest's), and only them.
const DingTalkBase = PassportStrategy(Strategy, 'base');
type BaseArguments = ConstructorParameters<typeof DingTalkBase>;
expectTypeOf<[StrategyOptions]>().toExtend<BaseArguments>();
expectTypeOf<[StrategyOptionsWithRequest]>().toExtend<BaseArguments>();
expectTypeOf<[]>().not.toExtend<BaseArguments>();
expectTypeOf<[{ clientID: string; callbackURL: string }]>().not.toExtend<BaseArguments>();

// The in-client strategy: validate(profile), or validate(req, profile) with passReqToCallback.
export class DingTalkInAppStrategy extends PassportStrategy(InAppStrategy, 'dingtalk-inapp') {
  constructor() {
    super({ clientID: 'ding-client-id', clientSecret: 'client-secret', corpId: 'dingcorp1' });
  }

  validate(profile: InAppProfile): { unionId: string; userId: string } {
    return { unionId: profile.id, userId: profile.userId };
  }
}

export class DingTalkInAppStrategyWithRequest extends PassportStrategy(InAppStrategy, 'dingtalk-inapp-request') {
  constructor() {
    super({ clientID: 'ding-client-id', clientSecret: 'client-secret', corpId: 'dingcorp1', passReqToCallback: true });
  }

  validate(req: Request, profile: InAppProfile): { unionId: string } {
    return { unionId: `${req.hostname}:${profile.id}` };
  }
}

expectTypeOf<DingTalkInAppStrategy['name']>().toEqualTypeOf<string>();

export class InAppMissingCorpId extends PassportStrategy(InAppStrategy, 'in-app-missing-corp') {
  constructor() {
    // @ts-expect-error corpId is required
    super({ clientID: 'ding-client-id', clientSecret: 'client-secret' });
  }

  validate(profile: InAppProfile): string {
    return profile.id;
  }
}
