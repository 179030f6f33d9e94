import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { type Profile, SignedCookieStateStore, Strategy, type StrategyOptions } from 'passport-dingtalk-oauth2';

/** Injection token of the app's DingTalk settings. */
export const DINGTALK_SETTINGS = Symbol('DINGTALK_SETTINGS');

export interface DingTalkSettings {
  /** clientID, clientSecret and callbackURL, as registered in the DingTalk developer console. */
  dingtalk: StrategyOptions;
  /** Signs the login state; the same on every instance, at least 32 bytes. */
  stateSecret: string;
}

/** What the app keeps of a DingTalk user; a real app would load or create its own user here. */
export interface DingTalkUser {
  unionId: string;
  nick: string;
}

@Injectable()
export class DingTalkStrategy extends PassportStrategy(Strategy, 'dingtalk') {
  constructor(@Inject(DINGTALK_SETTINGS) { dingtalk, stateSecret }: DingTalkSettings) {
    // No server-side session: the login's state travels signed in the (encrypted) session cookie,
    // so any instance that shares the secrets can finish a login another one started.
    super({ ...dingtalk, store: new SignedCookieStateStore({ secret: stateSecret }) });
  }

  /** Nest calls this with (accessToken, refreshToken, profile); what it returns becomes req.user. */
  validate(_accessToken: string, _refreshToken: string, profile: Profile): DingTalkUser {
    return { unionId: profile.id, nick: profile.displayName };
  }
}
