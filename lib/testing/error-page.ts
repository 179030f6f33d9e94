import { escapeHTML, renderPage } from './html';
import type { Problem } from './problem';

/**
 * The page shown instead of a redirect when a login request is invalid. It names the problem in
 * both languages and carries `data-error` for tests; it never links to the `redirect_uri`.
 */
export function renderErrorPage(problem: Problem): string {
  const body = `<h1>无法完成登录 / Login request refused</h1>
<div id="error" data-error="${escapeHTML(problem.code)}">
<p class="error" lang="zh-CN">${escapeHTML(problem.zh)}</p>
<p class="error" lang="en">${escapeHTML(problem.en)}</p>
</div>
<p>错误代码 / Error code: <code>${escapeHTML(problem.code)}</code></p>`;
  return renderPage('登录请求无效 / Invalid login request', body);
}
