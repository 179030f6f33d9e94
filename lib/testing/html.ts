import type { ServerResponse } from 'node:http';

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML element or a quoted attribute value. */
export function escapeHTML(value: string): string {
  return value.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

const styles = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f2f4f7;
font:14px/1.6 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei","Segoe UI",sans-serif;color:#171a1d}
main{width:400px;max-width:calc(100vw - 32px);background:#fff;border-radius:12px;padding:28px 32px;
box-shadow:0 4px 24px rgba(0,0,0,.08)}
.brand{display:flex;align-items:center;gap:8px;font-weight:600;font-size:16px;margin-bottom:16px}
.logo{width:28px;height:28px;border-radius:8px;background:#0089ff;color:#fff;display:inline-flex;
align-items:center;justify-content:center;font-size:15px}
.badge{margin-left:auto;font-size:12px;font-weight:400;color:#747677;border:1px solid #e5e6eb;border-radius:10px;padding:0 8px}
h1{font-size:18px;margin:0 0 8px}
p{margin:8px 0;color:#5b5e63}
ul.scopes{margin:8px 0 16px;padding-left:20px;color:#171a1d}
fieldset{border:0;margin:0 0 16px;padding:0}
legend{font-weight:600;margin-bottom:8px;padding:0}
label.account{display:flex;align-items:center;gap:10px;padding:8px 10px;border:1px solid #e5e6eb;border-radius:8px;
margin-bottom:8px;cursor:pointer}
label.account:has(input:checked){border-color:#0089ff;background:#f0f7ff}
.avatar{width:32px;height:32px;border-radius:50%;background:#3296fa;color:#fff;display:inline-flex;
align-items:center;justify-content:center;flex:none}
.who{display:flex;flex-direction:column;line-height:1.3}
.org{font-size:12px;color:#747677}
.actions{display:flex;gap:12px}
button{flex:1;height:40px;border-radius:8px;font-size:15px;cursor:pointer;border:1px solid #0089ff}
#authorize,button.primary{background:#0089ff;color:#fff}
#cancel{background:#fff;color:#171a1d;border-color:#d0d3d6}
button:disabled{opacity:.5;cursor:not-allowed}
.error{color:#d0021b}
code{background:#f2f4f7;border-radius:4px;padding:0 4px;overflow-wrap:anywhere}
footer{margin-top:20px;font-size:12px;color:#a2a3a5}
`;

/**
 * A complete page in the look of DingTalk's login host. `body` must already be escaped. The
 * footer says plainly that this is an emulator, in case a screenshot ends up somewhere.
 */
export function renderPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHTML(title)}</title>
<style>${styles}</style>
</head>
<body>
<main>
<div class="brand"><span class="logo" aria-hidden="true">钉</span>钉钉 DingTalk<span class="badge">模拟器 Emulator</span></div>
${body}
<footer>passport-dingtalk-oauth2 测试模拟器，并非真实的钉钉页面。/ The passport-dingtalk-oauth2 test emulator, not a real DingTalk page.</footer>
</main>
</body>
</html>
`;
}

/** Sends a page; nothing on it may load from elsewhere or be cached. */
export function sendHTML(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html;charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
    'cache-control': 'no-store',
    // No form-action directive: Chrome applies it to the redirect after the consent form too.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'referrer-policy': 'no-referrer',
    ...headers,
  });
  res.end(html);
}
