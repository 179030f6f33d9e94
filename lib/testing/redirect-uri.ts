import { type Checked, refuse } from './problem';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Decides which `redirect_uri` values the emulated app has registered. Both sides are compared
 * after the WHATWG URL parser has normalised them (case of scheme and host, default port, empty
 * path), which is as lenient as a string comparison can safely get.
 */
export class RedirectPolicy {
  readonly #registered: ReadonlySet<string> | undefined;

  /** `registered` undefined means: accept any http(s) URL on a loopback host. */
  constructor(registered: readonly string[] | undefined) {
    if (registered === undefined) {
      this.#registered = undefined;
      return;
    }
    if (!Array.isArray(registered)) {
      throw new TypeError('DingTalk emulator: the "redirectURIs" option must be an array of URLs');
    }
    this.#registered = new Set(
      registered.map((uri, index) => {
        const parsed = parseRedirectURI(uri);
        if (!parsed.ok)
          throw new TypeError(`DingTalk emulator: redirectURIs[${index}] is invalid: ${parsed.problem.en}`);
        return parsed.value.href;
      }),
    );
  }

  /** Checks a `redirect_uri` from a login request. Never redirect to one this refuses. */
  check(raw: string | undefined): Checked<URL> {
    if (raw === undefined || raw === '') {
      return refuse('missing_redirect_uri', '缺少 redirect_uri 参数。', 'The redirect_uri parameter is missing.');
    }
    const parsed = parseRedirectURI(raw);
    if (!parsed.ok) return parsed;
    const url = parsed.value;
    const allowed = this.#registered ? this.#registered.has(url.href) : loopbackHosts.has(url.hostname);
    if (!allowed) {
      // The page says how to register a URL with the emulator, as DingTalk's console would; the
      // refused URL itself is not repeated (a crafted link must not put its address on this page).
      return refuse(
        'unregistered_redirect_uri',
        'redirect_uri 未在应用的“安全设置 → 重定向URL”中注册，为防止开放重定向，钉钉不会跳转到该地址。' +
          '在模拟器中登记完全相同的地址：createDingTalkEmulator({ redirectURIs: [地址] })，或命令行参数 --redirect-uri 地址。',
        'The redirect_uri is not registered for the app (安全设置 → 重定向URL); to prevent an open redirect it is not ' +
          'followed. Register the exact URL with the emulator: createDingTalkEmulator({ redirectURIs: [url] }), or ' +
          '--redirect-uri url on the command line.',
      );
    }
    return parsed;
  }
}

function parseRedirectURI(raw: string): Checked<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('it is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return invalid('only http and https are allowed');
  // A fragment would hide the authCode from the server; credentials make the host misleading.
  if (url.hash !== '' || raw.includes('#')) return invalid('it must not contain a fragment (#)');
  if (url.username !== '' || url.password !== '') return invalid('it must not contain a user name or password');
  return { ok: true, value: url };
}

function invalid(reason: string) {
  return refuse(
    'invalid_redirect_uri',
    'redirect_uri 不是合法的 http(s) 地址。',
    `The redirect_uri is invalid: ${reason}.`,
  );
}
