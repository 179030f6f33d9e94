import { type DynamicModule, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuthController } from './auth.controller.mjs';
import { DINGTALK_SETTINGS, type DingTalkSettings, DingTalkStrategy } from './dingtalk.strategy.mjs';

@Module({})
export class AppModule {
  static register(settings: DingTalkSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [PassportModule.register({ session: false })],
      controllers: [AuthController],
      providers: [{ provide: DINGTALK_SETTINGS, useValue: settings }, DingTalkStrategy],
    };
  }
}
