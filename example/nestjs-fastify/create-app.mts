import secureSession from '@fastify/secure-session';
import type { NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.mjs';
import type { DingTalkSettings } from './dingtalk.strategy.mjs';

export interface AppSettings extends DingTalkSettings {
  /** Encrypts the session cookie, the same on every instance, at least 32 bytes. */
  sessionSecret: string;
}

/** Builds the Nest app on Fastify: the DingTalk routes, with no server-side session store. */
export async function createApp(
  { sessionSecret, ...settings }: AppSettings,
  nestOptions: NestApplicationOptions = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(settings),
    new FastifyAdapter(),
    nestOptions,
  );
  // Fastify hands passport no reply to set a cookie on: SignedCookieStateStore keeps its signed
  // value in this session, itself an encrypted cookie. Lax lets it ride along on DingTalk's
  // redirect back.
  await app.register(secureSession, {
    secret: sessionSecret,
    salt: 'dingtalk-session', // 16 bytes
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto' },
  });
  return app;
}
