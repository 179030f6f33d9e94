import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';

/**
 * Starts the DingTalk login (a redirect to DingTalk) and finishes it on the callback. Nest's
 * AuthGuard only authenticates the request; logIn() also keeps the user in the session.
 */
@Injectable()
export class DingTalkAuthGuard extends AuthGuard('dingtalk') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // Resolves once the user is authenticated; a failure is thrown by handleRequest below.
    await super.canActivate(context);
    await super.logIn(context.switchToHttp().getRequest<Request>());
    return true;
  }

  // Says why the login failed (the user pressed Cancel, the state did not match...) instead of a bare 401.
  override handleRequest<TUser>(err: unknown, user: TUser | false, info: { message?: string } | undefined): TUser {
    if (err) throw err;
    if (!user) throw new UnauthorizedException(info?.message ?? 'DingTalk login failed');
    return user;
  }
}

/** Lets in only requests whose session holds a logged-in user. */
@Injectable()
export class LoggedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<Request>().isAuthenticated();
  }
}
