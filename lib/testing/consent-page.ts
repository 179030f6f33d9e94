import { escapeHTML, renderPage } from './html';
import { type AccountChoice, type LoginRequest, loginRequestFields } from './login-request';
import { scopeDescriptions } from './scope';

/** Path the consent form posts to. */
export const consentPath = '/oauth2/consent';

/**
 * The login/authorize page (登录授权页). Browser tests find their way by stable attributes: each
 * account radio has `data-union-id` (and `data-corp-id` when an organization is picked with it),
 * and the buttons are `#authorize` and `#cancel`.
 */
export function renderConsentPage(request: LoginRequest, choices: readonly AccountChoice[]): string {
  const hidden = loginRequestFields(request)
    .map(([name, value]) => `<input type="hidden" name="${escapeHTML(name)}" value="${escapeHTML(value)}">`)
    .join('\n');
  const scopes = request.scopes
    .map((scope) => {
      const description = scopeDescriptions[scope];
      const text = description ? `${description.zh} / ${description.en}` : scope;
      return `<li data-scope="${escapeHTML(scope)}">${escapeHTML(text)}</li>`;
    })
    .join('\n');
  const accounts =
    choices.length > 0
      ? choices.map(renderChoice).join('\n')
      : '<p class="error" id="no-account">没有可以登录此应用的账号。/ No account may log in to this app.</p>';
  const legend = request.scopes.includes('corpid')
    ? '选择账号和组织 / Choose an account and organization'
    : '选择账号 / Choose an account';
  const body = `<h1>授权登录 / Authorize login</h1>
<p>应用 <code id="client-id">${escapeHTML(request.clientId)}</code> 请求获取 / The app requests:</p>
<ul class="scopes">
${scopes}
</ul>
<form method="post" action="${consentPath}" id="consent-form">
${hidden}
<fieldset id="accounts">
<legend>${legend}</legend>
${accounts}
</fieldset>
<div class="actions">
<button type="submit" name="decision" value="authorize" id="authorize"${choices.length === 0 ? ' disabled' : ''}>授权 / Authorize</button>
<button type="submit" name="decision" value="cancel" id="cancel" formnovalidate>取消 / Cancel</button>
</div>
</form>`;
  return renderPage('钉钉登录授权 / DingTalk login', body);
}

function renderChoice(choice: AccountChoice): string {
  const { user, organization } = choice;
  const corp = organization ? ` data-corp-id="${escapeHTML(organization.corpId)}"` : '';
  const org = organization ? `<span class="org">${escapeHTML(organization.name)}</span>` : '';
  // The first character, not the first UTF-16 unit, so an emoji or rare 汉字 stays whole.
  const initial = Array.from(user.nick)[0] ?? '?';
  return `<label class="account">
<input type="radio" name="account" value="${escapeHTML(choice.value)}" data-union-id="${escapeHTML(user.unionId)}"${corp}${choice.preselected ? ' checked' : ''} required>
<span class="avatar" aria-hidden="true">${escapeHTML(initial)}</span>
<span class="who"><span class="nick">${escapeHTML(user.nick)}</span>${org}</span>
</label>`;
}
