import { type DynamicModule, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import type { StrategyOptions } from 'passport-dingtalk-oauth2';
import { AuthController } from './auth.controller.mjs';
import { DINGTALK_OPTIONS, DingTalkStrategy } from './dingtalk.strategy.mjs';
import { SessionSerializer } from './session.serializer.mjs';

@Module({})
export class AppModule {
  static register(dingtalk: StrategyOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [PassportModule.register({ session: true })],
      controllers: [AuthController],
      providers: [{ provide: DINGTALK_OPTIONS, useValue: dingtalk }, DingTalkStrategy, SessionSerializer],
    };
  }
}
