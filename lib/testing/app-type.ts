import type { Problem } from './problem';
import type { EmulatorApp, EmulatorUser } from './types';

/**
 * Why this user may not log in to this app, if they may not: an internal app (企业内部应用) is
 * for the members of the organization that owns it. DingTalk publishes no wording for the refusal;
 * this one is a guess (docs/dingtalk-answers.md).
 */
export function membershipRefusal(app: EmulatorApp, user: EmulatorUser): Problem | undefined {
  if (app.type !== 'internal' || user.organizations.some((org) => org.corpId === app.corpId)) return undefined;
  return {
    code: 'not_a_member',
    zh: `${user.nick} 不是该应用所属组织的成员，无法登录此企业内部应用。`,
    en: `${user.nick} is not a member of the organization that owns this internal app, and cannot log in to it.`,
  };
}

/** The mobile number as this kind of app sees it: masked (155****3240) for a third-party enterprise app. */
export function mobileFor(app: EmulatorApp, mobile: string): string {
  if (app.type !== 'third-party-enterprise') return mobile;
  return mobile.length >= 7 ? `${mobile.slice(0, 3)}****${mobile.slice(-4)}` : '*'.repeat(mobile.length);
}
