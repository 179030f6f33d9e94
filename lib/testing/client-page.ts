import { escapeHTML, renderPage } from './html';
import type { Membership } from './organization-membership';

/** Path of the page, and of the form it posts. */
export const clientPagePath = '/emulator/client';

/** What the page shows besides the members. */
export interface ClientPageDetails {
  corpId: string;
  clientId: string;
  /** The URL of `dd.js` to include in the page under test. */
  ddScriptURL: string;
  signedIn: Membership;
}

/**
 * The emulated DingTalk client (钉钉客户端): a tester picks the member signed in to it, whose codes
 * `dd.requestAuthCode` returns from then on. Browser tests find their way by stable attributes:
 * each radio has `data-union-id` and `data-user-id`, the button is `#sign-in`.
 */
export function renderClientPage(members: readonly Membership[], details: ClientPageDetails): string {
  const organization = details.signedIn.organization;
  const radios = members.map((member) => renderMember(member, member === details.signedIn)).join('\n');
  const script = `<script src="${details.ddScriptURL}"></script>`;
  const body = `<h1>钉钉客户端 / DingTalk client</h1>
<p lang="zh-CN">模拟登录了钉钉客户端的用户：页面中 <code>dd.requestAuthCode</code> 取得的免登码属于这里选中的成员。</p>
<p lang="en">Plays the user signed in to the DingTalk client: the codes <code>dd.requestAuthCode</code> returns in a page belong to the member chosen here.</p>
<p>组织 / Organization: ${escapeHTML(organization.name)} <code id="corp-id">${escapeHTML(details.corpId)}</code></p>
<form method="post" action="${clientPagePath}" id="client-form">
<fieldset id="members">
<legend>当前登录的成员 / Signed-in member</legend>
${radios}
</fieldset>
<div class="actions">
<button type="submit" class="primary" id="sign-in">切换成员 / Switch member</button>
</div>
</form>
<p>ClientId: <code id="client-id">${escapeHTML(details.clientId)}</code></p>
<p>在被测页面中引入 / Include in the page under test, opened with a User-Agent containing <code>DingTalk</code>:</p>
<p><code id="dd-script">${escapeHTML(script)}</code></p>`;
  return renderPage('钉钉客户端 / DingTalk client', body);
}

function renderMember(member: Membership, checked: boolean): string {
  const { user } = member;
  // The first character, not the first UTF-16 unit, so an emoji or rare 汉字 stays whole.
  const initial = Array.from(user.nick)[0] ?? '?';
  return `<label class="account">
<input type="radio" name="unionId" value="${escapeHTML(user.unionId)}" data-union-id="${escapeHTML(user.unionId)}" data-user-id="${escapeHTML(member.userId)}"${checked ? ' checked' : ''} required>
<span class="avatar" aria-hidden="true">${escapeHTML(initial)}</span>
<span class="who"><span class="nick">${escapeHTML(user.nick)}</span><span class="org">userid ${escapeHTML(member.userId)}</span></span>
</label>`;
}
