import { Controller, Get, Redirect, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { DingTalkAuthGuard, LoggedInGuard } from './auth.guards.mjs';

@Controller()
export class AuthController {
  /** The guard answers with a redirect to DingTalk; this body never runs. */
  @Get('auth/dingtalk')
  @UseGuards(DingTalkAuthGuard)
  login(): void {}

  /** DingTalk sends the browser back here with `authCode` and `state`. */
  @Get('auth/dingtalk/callback')
  @UseGuards(DingTalkAuthGuard)
  @Redirect('/profile')
  callback(): void {}

  @Get('profile')
  @UseGuards(LoggedInGuard)
  profile(@Req() req: Request): Express.User | undefined {
    return req.user;
  }
}
