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
  // Without the header the gateway names it (docs/dingtalk-answers.md); an empty one counts as
  // missing (a guess). A token it does not know is InvalidAuthentication.
  if (typeof token !== 'string' || token === '') {
    sendAPIError(res, 400, 'AuthenticationFailed.MissingParameter', '缺少参数：x-acs-dingtalk-access-token');
    return;
  }
  const grant = context.grants.findAccessToken(token);
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
      '应用尚未开通所需的权限：[Contact.User.Read]',
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
  if (user.loginEmail !== undefined) profile.loginEmail = user.loginEmail;
  profile.visitor = user.visitor ?? false;
  return profile;
}
