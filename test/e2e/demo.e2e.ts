// The demo exactly as `npm run demo` runs it, on a free port, against the emulator, in Chromium: the login
// through DingTalk's page in a browser, and the login inside the DingTalk client (免登), played by a browser
// whose User-Agent says DingTalk (the emulator's dd.js only answers such a page). Both log 张三 in alike.
// Then example/in-client.js: the page's own inline script, with the emulator's dd.js loaded by a plain
// <script src>, logs in the member signed in to the emulated client.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import type { Page } from 'playwright-core';
import { type Browser, launchChromium, screenshotDir, signInToEmulatedClient } from './browser';

const { startDemo } = require('../../example/server.js') as {
  startDemo(options: { port: number; env: Record<string, string> }): Promise<{
    url: string;
    emulator?: DingTalkEmulator;
    close(): Promise<void>;
  }>;
};

const { start } = require('../../example/in-client.js') as {
  start(options: { port: number; host: string; env: Record<string, string> }): Promise<{
    url: string;
    emulator?: DingTalkEmulator;
    close(): Promise<void>;
  }>;
};

/** The DingTalk desktop client's webview on a Mac, as it introduces itself. */
const dingTalkUserAgent =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) DingTalk(7.6.0-macOS-arm64-36573290) nw DTWKWebView Channel/201200';

const screenshot = (page: Page, name: string) => page.screenshot({ path: join(screenshotDir, name) });
const text = (page: Page, selector: string) => page.locator(selector).innerText();

describe('the demo in a real browser, and inside the DingTalk client', () => {
  let demo: { url: string; close(): Promise<void> };
  let emulator: DingTalkEmulator;
  let inside: Browser;
  let outside: Browser;
  /** The member's fields on the profile page: the same whichever way 张三 logged in. */
  async function assertMember(page: Page): Promise<void> {
    assert.equal(await text(page, '#nick'), '张三');
    assert.equal(await text(page, '#union-id'), 'union-zhangsan');
    assert.equal(await text(page, '#user-id'), 'zhangsan');
    assert.equal(await text(page, '#corp-id'), 'dingemulatorcorp0001');
    assert.match(await text(page, '#is-admin'), /管理员/);
    assert.equal(await text(page, '#title'), '技术总监');
    assert.equal(await text(page, '#department-ids'), '1');
    const avatarWidth = await page.locator('#avatar').evaluate((img) => (img as { naturalWidth: number }).naturalWidth);
    assert.ok(avatarWidth > 0, 'the avatar from the emulator is shown');
  }

  before(async () => {
    const started = await startDemo({ port: 0, env: {} });
    assert.ok(started.emulator, 'without DINGTALK_CLIENT_ID the demo starts the emulator');
    demo = started;
    emulator = started.emulator;
    [inside, outside] = await Promise.all([launchChromium({ userAgent: dingTalkUserAgent }), launchChromium()]);
  });
  after(async () => {
    await inside?.close();
    await outside?.close();
    await demo?.close();
  });

  it('logs 张三 in silently inside the client: no consent page, one app token, the same member, via in-app', async () => {
    const page = await inside.newPage();
    // As a tester does: 张三 signed in to the emulated client.
    await signInToEmulatedClient(page, emulator.clientPageURL, 'union-zhangsan', '7-emulator-client.png');
    emulator.resetCounters();
    // A slow code exchange, to see the page that waits for it.
    emulator.inject('userinfo', { latencyMs: 1500, times: 1 });
    await page.goto(demo.url);
    assert.match(await text(page, '#in-app-title'), /正在通过钉钉登录…/);
    await screenshot(page, '8-in-client-signing-in.png');
    await page.waitForURL(`${demo.url}/profile`);
    await assertMember(page);
    assert.equal(await page.locator('#login-via').getAttribute('data-via'), 'in-app');
    assert.match(await text(page, '#login-via'), /钉钉客户端内免登/);
    const { authorize, consent, token, appToken, userInfo, userDetails, client } = emulator.counters.requests;
    assert.deepEqual([authorize, consent, token], [0, 0, 0], 'no DingTalk login page, no consent');
    assert.deepEqual([appToken, userInfo, userDetails], [1, 1, 1]);
    assert.equal(client, 2, 'the page loaded dd.js and asked the client for one code');
    await screenshot(page, '9-in-client-profile.png');
    await page.close();
  });

  it('refuses a used code: the page says code_rejected and offers the button; a code posted twice gets 401', async () => {
    await inside.clearCookies();
    const page = await inside.newPage();
    // What DingTalk answers for a code used already (or expired).
    emulator.inject('userinfo', { body: { errcode: 40078, errmsg: '不存在的临时授权码' }, times: 1 });
    await page.goto(demo.url);
    const error = page.locator('#in-app-error');
    await error.waitFor({ state: 'visible' });
    assert.match(
      await error.innerText(),
      /^code_rejected: DingTalk refused the in-client code \(40078: 不存在的临时授权码\)/,
    );
    assert.match(await text(page, '#in-app-title'), /未能通过钉钉登录/);
    assert.ok(await page.locator('#login').isVisible(), 'the Login with DingTalk button is the way out');
    assert.ok(await page.locator('#in-app-status').isHidden());
    assert.equal(page.url(), `${demo.url}/`);
    await screenshot(page, '10-in-client-code-rejected.png');

    // The same code twice, from the page itself: DingTalk's codes are single-use.
    const config = JSON.parse((await page.locator('#in-app-config').textContent()) ?? '');
    // No named functions in here: tsx would wrap them in a helper that the page does not have.
    const statuses = await page.evaluate(
      async ({ corpId, clientId, inAppPath }: { corpId: string; clientId: string; inAppPath: string }) => {
        const { dd } = globalThis as unknown as {
          dd: { requestAuthCode(params: object): Promise<{ code: string }> };
        };
        const { code } = await dd.requestAuthCode({ corpId, clientId });
        const answers: Array<[number, string | undefined]> = [];
        for (let attempt = 0; attempt < 2; attempt += 1) {
          const response = await fetch(inAppPath, {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ code }),
          });
          answers.push([response.status, ((await response.json()) as { reason?: string }).reason]);
        }
        return answers;
      },
      config,
    );
    assert.deepEqual(statuses, [
      [200, undefined],
      [401, 'code_rejected'],
    ]);
    await page.close();
  });

  it('logs in with dd.runtime.permission.requestAuthCode on an older client, which lacks dd.requestAuthCode', async () => {
    await inside.clearCookies();
    const page = await inside.newPage();
    // An older client: dd.js's dd, as it is assigned, loses the newer API.
    await page.addInitScript({
      content: `Object.defineProperty(window, 'dd', {
        configurable: true,
        set(dd) {
          delete dd.requestAuthCode;
          Object.defineProperty(window, 'dd', { value: dd, writable: true, configurable: true });
        },
      });`,
    });
    emulator.resetCounters();
    await page.goto(demo.url);
    await page.waitForURL(`${demo.url}/profile`);
    assert.equal(
      await page.evaluate(() => typeof (globalThis as { dd?: { requestAuthCode?: unknown } }).dd?.requestAuthCode),
      'undefined',
    );
    assert.equal(await page.locator('#login-via').getAttribute('data-via'), 'in-app');
    assert.equal(await text(page, '#union-id'), 'union-zhangsan');
    assert.equal(emulator.counters.requests.userInfo, 1);
    await page.close();
  });
  it('logs 张三 in as a member of the organization he picks, shows the member on his profile, and logs out', async () => {
    emulator.resetCounters();
    const page = await outside.newPage();
    await page.goto(demo.url);
    assert.match(await text(page, '#emulator-banner'), /模拟器/);
    assert.equal(await page.locator('#in-app-title').count(), 0);
    await screenshot(page, '1-home.png');
    assert.equal(emulator.counters.requests.client, 0, 'outside the client: no dd.js, no code');
    await page.click('#login');
    await page.waitForSelector('#authorize');
    // memberLookup asks for the corpid scope: DingTalk's page asks which organization.
    await page.check('[data-union-id="union-zhangsan"][data-corp-id="dingemulatorcorp0001"]');
    await screenshot(page, '2-consent.png');
    await page.click('#authorize');
    await page.waitForURL(`${demo.url}/profile`);
    await assertMember(page);
    assert.equal(await page.locator('#login-via').getAttribute('data-via'), 'browser');
    const expiry = Date.parse(await text(page, '#token-expiry'));
    assert.ok(expiry > Date.now() + 7000 * 1000 && expiry <= Date.now() + 7200 * 1000, 'the token expires in 2 hours');
    await screenshot(page, '3-profile.png');
    assert.equal(emulator.counters.requests.userInfo, 0, 'no in-client code');

    await page.click('#logout');
    await page.waitForURL(`${demo.url}/`);
    assert.equal(await page.locator('#login').count(), 1);
    await page.close();
  });

  it('shows the failure page with the reason when the user cancels, or is not a member of the organization', async () => {
    const page = await outside.newPage();
    await page.goto(demo.url);
    await page.click('#login');
    await page.click('#cancel');
    await page.waitForURL(`${demo.url}/login-failed`);
    assert.match(await text(page, '#failure-reason'), /access_denied/);
    await screenshot(page, '4-cancelled.png');
    await page.goto(demo.url);
    await page.click('#login');
    await page.check('[data-union-id="union-lisi"]');
    await screenshot(page, '5-consent-non-member.png');
    await page.click('#authorize');
    await page.waitForURL(`${demo.url}/login-failed`);
    assert.match(await text(page, '#failure-reason'), /dingemulatorcorp0003 may not log in/);
    await screenshot(page, '6-not-a-member.png');
    await page.goto(`${demo.url}/profile`);
    assert.equal(page.url(), `${demo.url}/`, 'nobody is logged in');
    await page.close();
  });
});

/** The DingTalk client's webview on an Android phone, as it introduces itself. */
const androidUserAgent =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 AliApp(DingTalk/7.6.0) com.alibaba.android.rimet/36573290 Channel/700159 language/zh-CN';

describe('example/in-client.js in a real browser', () => {
  let app: { url: string; close(): Promise<void> };
  let emulator: DingTalkEmulator;
  let inside: Browser;
  let outside: Browser;

  before(async () => {
    const started = await start({ port: 0, host: '127.0.0.1', env: {} });
    assert.ok(started.emulator, 'without DINGTALK_CLIENT_ID the example starts the emulator');
    app = started;
    emulator = started.emulator;
    inside = await launchChromium({ userAgent: androidUserAgent });
    outside = await launchChromium();
  });
  after(async () => {
    await inside?.close();
    await outside?.close();
    await app?.close();
  });

  it('logs in the member signed in to the emulated client, and the page then shows them', async () => {
    const page = await inside.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // As the printed instructions say: pick who is signed in to the client, then open the app.
    await signInToEmulatedClient(page, emulator.clientPageURL, 'union-zhangsan');

    emulator.resetCounters();
    await page.goto(app.url);
    await page.waitForURL(`${app.url}/?logged-in`);
    assert.equal(await text(page, '#user'), 'Hello, 张三 (union-zhangsan)');
    const { requests } = emulator.counters;
    assert.equal(requests.client, 2, 'the page loaded dd.js and asked the client for one code');
    assert.equal(requests.userInfo, 1);
    assert.equal(requests.authorize, 0, 'no DingTalk login page');
    assert.deepEqual(errors, []);
    await screenshot(page, 'in-client-example-logged-in.png');

    // Log out: the logged-out page does not sign the member in again at once, and offers a link that does.
    await page.click('button');
    await page.waitForURL(`${app.url}/?logged-out`);
    assert.equal(emulator.counters.requests.userInfo, 1, 'no silent login right after logging out');
    const again = page.waitForResponse((response) => response.url() === `${app.url}/auth/dingtalk/in-app`);
    await page.click('text=Sign in again');
    assert.equal((await again).status(), 200);
    await page.locator('#user').waitFor();
    assert.equal(await text(page, '#user'), 'Hello, 张三 (union-zhangsan)');
    assert.equal(emulator.counters.requests.userInfo, 2);
    await page.close();
  });

  it('logs in through the previous JSAPI on a client older than dd.requestAuthCode', async () => {
    await inside.clearCookies();
    const page = await inside.newPage();
    // A client before 7.0.45 (phones) or 7.0.50 (desktops): dd.requestAuthCode is missing.
    await page.route('**/emulator/dd.js', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, body: `${await response.text()}\ndelete window.dd.requestAuthCode;` });
    });
    emulator.resetCounters();
    await page.goto(app.url);
    await page.waitForURL(`${app.url}/?logged-in`);
    assert.equal(await text(page, '#user'), 'Hello, 张三 (union-zhangsan)');
    assert.equal(emulator.counters.requests.userInfo, 1);
    await page.close();
  });

  it('shows the reason when DingTalk refuses the code, and stays on the page', async () => {
    await inside.clearCookies();
    const page = await inside.newPage();
    emulator.inject('userinfo', { body: { errcode: 40078, errmsg: '不存在的临时授权码' }, times: 1 });
    await page.goto(app.url);
    // The status once the script gave up.
    const status = page.locator('#status', { hasText: 'Could not sign in' });
    await status.waitFor();
    assert.match(
      await status.innerText(),
      /^Could not sign in through DingTalk: code_rejected: DingTalk refused the in-client code \(40078/,
    );
    assert.equal(page.url(), `${app.url}/`);
    await page.close();
  });

  it('says at once that a browser without DingTalk in its User-Agent is not the client, and asks for no code', async () => {
    emulator.resetCounters();
    const page = await outside.newPage();
    await page.goto(app.url);
    // The status once the script gave up.
    const status = page.locator('#status', { hasText: 'Could not sign in' });
    // Well before the script's 5-second timeout: the User-Agent test comes first.
    await status.waitFor({ timeout: 3000 });
    assert.match(await status.innerText(), /not open inside the DingTalk client/);
    assert.equal(emulator.counters.requests.client, 1, 'dd.js only: no code asked for');
    assert.equal(emulator.counters.requests.userInfo, 0);
    await screenshot(page, 'in-client-example-outside.png');
    await page.close();
  });
});
