import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import session from 'express-session';
import passport from 'passport';
import type { StrategyOptions } from 'passport-dingtalk-oauth2';
import { AppModule } from './app.module.mjs';

export interface AppSettings {
  /** clientID, clientSecret and callbackURL, as registered in the DingTalk developer console. */
  dingtalk: StrategyOptions;
  /** Signs the session cookie. */
  sessionSecret: string;
}

/** Builds the Nest app: the DingTalk routes, plus the session that keeps the state and the user. */
export async function createApp(
  { dingtalk, sessionSecret }: AppSettings,
  nestOptions: NestApplicationOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.register(dingtalk), nestOptions);
  // Lax lets the cookie ride along on DingTalk's redirect back, which the state check needs.
  app.use(session({ secret: sessionSecret, resave: false, saveUninitialized: false, cookie: { sameSite: 'lax' } }));
  app.use(passport.session());
  return app;
}
