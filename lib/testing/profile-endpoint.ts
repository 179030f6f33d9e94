import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendAPIError, sendJSON } from './api-response';
import { mobileFor } from './app-type';
import { absoluteAvatarURL } from './avatar';
import type { EmulatorContext } from './context';
import type { EmulatorUser } from './types';

/**
 * `GET /v1.0/contact/users/me` (shared reference §4 and §5). The app's permissions, not the scope
 * of the login, decide what is answered: that is how DingTalk behaves, and why a missing
 * `Contact.User.Read` is the most common failure in the wild.
 */
export function handleProfileRequest(context: EmulatorContext, req: IncomingMessage, res: ServerResponse): void {
  const token = req.headers['x-acs-dingtalk-access-token'];
  const grant = typeof token === 'string' && token !== '' ? context.grants.findAccessToken(token) : undefined;
  const user = grant && context.users.find((candidate) => candidate.unionId === grant.unionId);
  if (!user) {
    sendAPIError(res, 400, 'InvalidAuthentication', '不合法的access_token');
    return;
  }
  if (!context.permissions.has('Contact.User.Read')) {
    sendAPIError(
      res,
      403,
      'Forbidden.AccessDenied.AccessTokenPermissionDenied',
      '没有调用该接口的权限，接口权限申请参考：https://open.dingtalk.com/document/orgapp/add-api-permission',
      { body: { accessdenieddetail: { requiredScopes: ['Contact.User.Read'] } } },
    );
    return;
  }
  sendJSON(res, 200, profileOf(context, user, context.permissions.has('Contact.User.mobile'), req.headers.host));
}

/** The profile answer: absent fields are left out, as DingTalk leaves out what it does not have. */
function profileOf(
  context: EmulatorContext,
  user: EmulatorUser,
  withMobile: boolean,
  host: string | undefined,
): Record<string, string | boolean> {
  const profile: Record<string, string | boolean> = { nick: user.nick };
  if (user.avatarUrl !== undefined) profile.avatarUrl = absoluteAvatarURL(user.avatarUrl, host);
  if (withMobile && user.mobile !== undefined) profile.mobile = mobileFor(context.app, user.mobile);
  if (withMobile && user.stateCode !== undefined) profile.stateCode = user.stateCode;
  profile.openId = user.openId;
  profile.unionId = user.unionId;
  if (user.email !== undefined) profile.email = user.email;
  profile.visitor = user.visitor ?? false;
  return profile;
}
