// HTML for the demo's pages. Plain template strings keep the demo free of a view engine;
// everything that comes from DingTalk or the query string goes through escapeHTML.

const escapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHTML(value) {
  return String(value).replace(/[&<>"']/g, (char) => escapes[char]);
}

function page(title, body, { usingEmulator }) {
  const banner = usingEmulator
    ? `<p class="banner" id="emulator-banner">演示模式：使用本地钉钉模拟器，未连接真实钉钉。<br>
Demo mode: signing in through the local DingTalk emulator, not the real DingTalk.</p>`
    : '';
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHTML(title)}</title>
<style>
  body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
         max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1f2329; }
  .banner { background: #fff7e6; border: 1px solid #ffd591; padding: .6rem .9rem; border-radius: 6px; font-size: .9rem; }
  .button { display: inline-block; background: #0089ff; color: #fff; padding: .7rem 1.4rem; border-radius: 6px;
            text-decoration: none; font-size: 1.05rem; border: 0; cursor: pointer; margin: .3rem .3rem .3rem 0; }
  .button.secondary { background: #fff; color: #0089ff; border: 1px solid #0089ff; }
  .card { display: flex; gap: 1rem; align-items: center; border: 1px solid #e5e6eb; border-radius: 8px; padding: 1rem; }
  .card img, .avatar-fallback { width: 64px; height: 64px; border-radius: 50%; background: #f2f3f5; }
  .avatar-fallback { display: inline-flex; align-items: center; justify-content: center; font-size: 1.6rem; }
  /* baseline: a CJK label and a Latin value have lines of different heights. */
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; align-items: baseline; }
  dt { color: #646a73; } dd { margin: 0; word-break: break-all; }
  .error { color: #d83931; }
</style>
</head>
<body>
${banner}
${body}
</body>
</html>`;
}

/**
 * The ways to start the browser login; the in-client page shows them when its login fails. With
 * memberLookup the login always asks for the organization, so the second button would be the first.
 */
function loginButtons({ pickOrganization }) {
  const pick = pickOrganization
    ? '\n<a class="button secondary" id="login-corp" href="/auth/dingtalk/organization">选择组织登录 / Login and pick an organization</a>'
    : '';
  return `<p><a class="button" id="login" href="/auth/dingtalk">钉钉登录 / Login with DingTalk</a>${pick}</p>`;
}

function homePage(user, options) {
  const body = user
    ? `<h1>欢迎回来，${escapeHTML(user.nick)} / Welcome back</h1>
<p><a class="button" href="/profile">查看资料 / View profile</a></p>`
    : `<h1>passport-dingtalk-oauth2 演示 / demo</h1>
<p>使用钉钉账号登录此应用。/ Sign in to this app with a DingTalk account.</p>
${loginButtons(options)}`;
  return page('passport-dingtalk-oauth2 demo', body, options);
}

/**
 * JSON for a `<script type="application/json">`: `<`, `>` and `&` escaped so that no value can end
 * the element (`</script>`) or open a comment, and U+2028/U+2029 for older JavaScript parsers.
 */
function scriptJSON(value) {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The home page inside the DingTalk client: public/in-client-login.js asks the client for a code
 * and posts it. What the script needs comes as JSON data, never pasted into its code.
 */
function inClientLoginPage({ corpId, clientId, inAppPath, ddScriptURL, clientPageURL }, options) {
  const emulatedClient = clientPageURL
    ? `<p class="banner" id="client-page-hint">钉钉客户端也由模拟器扮演：在<a href="${escapeHTML(clientPageURL)}">模拟器的客户端页面</a>选择当前登录的成员。<br>
The emulator plays the DingTalk client too: pick who is signed in on its <a href="${escapeHTML(clientPageURL)}">client page</a>.</p>`
    : '';
  const body = `${emulatedClient}
<h1 id="in-app-title">正在通过钉钉登录… / Signing in through DingTalk…</h1>
<p id="in-app-status" role="status">在钉钉客户端内，本页以当前登录钉钉的用户自动登录。<br>
Inside the DingTalk client, this page logs you in as the user signed in to DingTalk.</p>
<p class="error" id="in-app-error" role="alert" hidden></p>
<div id="in-app-fallback" hidden>
<p>也可以使用钉钉账号登录。/ You can sign in with a DingTalk account instead.</p>
${loginButtons(options)}
</div>
<script type="application/json" id="in-app-config">${scriptJSON({ corpId, clientId, inAppPath })}</script>
<script src="${escapeHTML(ddScriptURL)}"></script>
<script src="/in-client-login.js"></script>`;
  return page('钉钉内登录 / Signing in through DingTalk', body, options);
}

const loginWays = {
  'in-app': '钉钉客户端内免登 / inside DingTalk (in-app)',
  browser: '浏览器登录 / in a browser (browser)',
};

function profilePage(user, options) {
  const avatar = user.avatarUrl
    ? `<img id="avatar" src="${escapeHTML(user.avatarUrl)}" alt="">`
    : `<span class="avatar-fallback">${escapeHTML(Array.from(user.nick || '?')[0])}</span>`;
  // The member's fields come from either login (the browser's with memberLookup); only the browser
  // login has a user access token.
  const body = `<h1>个人资料 / Profile</h1>
<div class="card">${avatar}<div><strong id="nick">${escapeHTML(user.nick)}</strong></div></div>
<dl>
  <dt>unionId</dt><dd id="union-id">${escapeHTML(user.unionId)}</dd>
  <dt>登录方式 / logged in</dt><dd id="login-via" data-via="${escapeHTML(user.via)}">${escapeHTML(loginWays[user.via] ?? user.via)}</dd>
  ${user.corpId ? `<dt>组织 corpId</dt><dd id="corp-id">${escapeHTML(user.corpId)}</dd>` : ''}
  ${user.userId ? `<dt>组织内 userId</dt><dd id="user-id">${escapeHTML(user.userId)}</dd>` : ''}
  ${user.isAdmin ? '<dt>角色 / role</dt><dd id="is-admin">组织管理员 / administrator</dd>' : ''}
  ${user.title ? `<dt>职位 / title</dt><dd id="title">${escapeHTML(user.title)}</dd>` : ''}
  ${user.departmentIds ? `<dt>部门 / departments</dt><dd id="department-ids">${escapeHTML(user.departmentIds.join(', '))}</dd>` : ''}
  ${user.email ? `<dt>邮箱 email (未验证 / unverified)</dt><dd>${escapeHTML(user.email)}</dd>` : ''}
  ${user.accessTokenExpiresAt ? `<dt>token 过期 / token expires</dt><dd id="token-expiry">${escapeHTML(new Date(user.accessTokenExpiresAt).toISOString())}</dd>` : ''}
</dl>
<form method="post" action="/logout"><button class="button secondary" id="logout">退出登录 / Log out</button></form>`;
  return page('Profile', body, options);
}

function failurePage(reason, options) {
  const body = `<h1>登录失败 / Login failed</h1>
<p class="error" id="failure-reason">${escapeHTML(reason || '未知原因 / Unknown reason')}</p>
<p><a class="button" href="/">返回首页 / Back to home</a></p>`;
  return page('Login failed', body, options);
}

function errorPage(error, options) {
  const body = `<h1>出错了 / Something went wrong</h1>
<p class="error" id="error-message">${escapeHTML(error.message)}</p>
<p><a class="button" href="/">返回首页 / Back to home</a></p>`;
  return page('Error', body, options);
}

module.exports = { homePage, inClientLoginPage, profilePage, failurePage, errorPage };
