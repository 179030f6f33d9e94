import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { type Profile, Strategy, type StrategyOptions } from 'passport-dingtalk-oauth2';

/** Injection token of the DingTalk strategy options (ClientId, ClientSecret, callbackURL...). */
export const DINGTALK_OPTIONS = Symbol('DINGTALK_OPTIONS');

/** What the app keeps of a DingTalk user; a real app would load or create its own user here. */
export interface DingTalkUser {
  unionId: string;
  nick: string;
}

@Injectable()
export class DingTalkStrategy extends PassportStrategy(Strategy, 'dingtalk') {
  // The options come through an injection token, so the module decides where they are read from.
  constructor(@Inject(DINGTALK_OPTIONS) options: StrategyOptions) {
    // state: true keeps a random state in the session and checks it on the callback (CSRF).
    super({ ...options, state: true });
  }

  /** Nest calls this with (accessToken, refreshToken, profile); what it returns becomes req.user. */
  validate(_accessToken: string, _refreshToken: string, profile: Profile): DingTalkUser {
    // profile.id is the unionId: the stable id DingTalk recommends.
    return { unionId: profile.id, nick: profile.displayName };
  }
}
