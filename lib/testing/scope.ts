import { type Checked, refuse } from './problem';

/** What each scope DingTalk's login page accepts asks the user for (shown on the consent page). */
export const scopeDescriptions: Readonly<Record<string, { zh: string; en: string }>> = {
  openid: { zh: '获取你的身份信息（unionId、昵称、头像）', en: 'your identity (unionId, nickname, avatar)' },
  corpid: { zh: '获取你登录时选择的组织', en: 'the organization you pick when logging in' },
  'Contact.User.Read': { zh: '读取你的个人通讯录信息', en: 'your personal contact information' },
  'Contact.User.mobile': { zh: '读取你的手机号码', en: 'your mobile number' },
};

/**
 * Splits and checks a `scope` parameter. DingTalk separates scopes with spaces; a comma-separated
 * list is a common mistake in public implementations, so it gets its own explanation.
 */
export function parseScope(raw: string | undefined): Checked<readonly string[]> {
  if (raw === undefined || raw.trim() === '') {
    return refuse(
      'missing_scope',
      '缺少 scope 参数，至少需要 openid。',
      'The scope parameter is missing; it needs at least openid.',
    );
  }
  if (raw.includes(',')) {
    return refuse(
      'comma_separated_scope',
      'scope 必须用空格（%20）分隔，不能用逗号，例如 "openid corpid"。',
      'Scopes must be separated by spaces (%20), not commas, as in "openid corpid".',
    );
  }
  const scopes = [...new Set(raw.split(' ').filter((scope) => scope.length > 0))];
  const unknown = scopes.filter((scope) => !Object.hasOwn(scopeDescriptions, scope));
  if (unknown.length > 0) {
    const list = unknown.join(' ');
    return refuse('invalid_scope', `不支持的 scope：${list}`, `Unsupported scope: ${list}`);
  }
  if (!scopes.includes('openid')) {
    return refuse('missing_openid', 'scope 必须包含 openid。', 'The scope must contain openid.');
  }
  return { ok: true, value: scopes };
}
