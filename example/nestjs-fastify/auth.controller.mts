import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DingTalkGuard } from './dingtalk.guard.mjs';
import type { DingTalkUser } from './dingtalk.strategy.mjs';

@Controller()
export class AuthController {
  /** The guard answers with a redirect to DingTalk; this body never runs. */
  @Get('auth/dingtalk')
  @UseGuards(DingTalkGuard)
  login(): void {}

  /** DingTalk sends the browser back here with `authCode` and `state`. */
  @Get('auth/dingtalk/callback')
  @UseGuards(DingTalkGuard)
  callback(@Req() request: FastifyRequest & { user?: DingTalkUser }): { user: DingTalkUser | undefined } {
    return { user: request.user };
  }
}
