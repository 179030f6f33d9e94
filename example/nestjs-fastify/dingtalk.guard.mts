import { type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthGuard, type AuthGuardAuthenticateOptions } from '@nestjs/passport';
import type { FastifyReply } from 'fastify';

/**
 * Starts the DingTalk login (a redirect to DingTalk) and finishes it on the callback, on Fastify.
 * Passport answers a redirect the way Node's ServerResponse is driven (`statusCode`, `setHeader`,
 * `end`); a Fastify reply has other names for them, so the guard hands passport a reply that
 * also answers to those (nestjs/nest#5702).
 */
@Injectable()
export class DingTalkGuard extends AuthGuard('dingtalk') {
  override getAuthenticateOptions(): AuthGuardAuthenticateOptions {
    // The user goes back as JSON (a real app would issue its own token): no session.
    return { session: false };
  }

  // Not in AuthGuard's declared type, but what it calls for the response it hands passport.
  getResponse(context: ExecutionContext): FastifyReply {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return Object.assign(reply, {
      setHeader: (name: string, value: string) => reply.header(name, value),
      end: (body?: string) => reply.send(body),
    });
  }

  // Says why the login failed (the user pressed Cancel, the state did not match...).
  override handleRequest<TUser>(err: unknown, user: TUser | false, info: { message?: string } | undefined): TUser {
    if (err) throw err;
    if (!user) throw new UnauthorizedException(info?.message ?? 'DingTalk login failed');
    return user;
  }
}
