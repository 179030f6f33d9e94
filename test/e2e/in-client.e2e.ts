// The demo's login inside the DingTalk client (免登), in Chromium: a browser whose User-Agent says
// DingTalk plays the client (the emulator's dd.js only answers such a page), another plays any other
// browser. Both log the same person in as the same user.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import { type Browser, launchChromium, screenshotDir, signInToEmulatedClient } from './browser';

// The demo exactly as `npm run demo` runs it, on a free port, against the emulator.
const { startDemo } = require('../../example/server.js') as {
  startDemo(options: { port: number; env: Record<string, string> }): Promise<{
    url: string;
    emulator?: DingTalkEmulator;
    close(): Promise<void>;
  }>;
};

/** The DingTalk desktop client's webview on a Mac, as it introduces itself. */
const dingTalkUserAgent =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) DingTalk(7.6.0-macOS-arm64-36573290) nw DTWKWebView Channel/201200';

/** What the page's JSAPI (here the emulator's stand-in) offers a script. */
interface PageGlobals {
  dd: { requestAuthCode(params: { corpId: string; clientId: string }): Promise<{ code: string }> };
}

/** The settings the in-client page hands its script. */
interface InClientConfig {
  corpId: string;
  clientId: string;
  inAppPath: string;
}

describe('the demo inside the DingTalk client, in a real browser', () => {
  let demo: { url: string; close(): Promise<void> };
  let emulator: DingTalkEmulator;
  let inside: Browser;
  let outside: Browser;
  let inClientUnionId: string;

  before(async () => {
    const started = await startDemo({ port: 0, env: {} });
    assert.ok(started.emulator, 'without DINGTALK_CLIENT_ID the demo starts the emulator');
    demo = started;
    emulator = started.emulator;
    inside = await launchChromium({ userAgent: dingTalkUserAgent });
    outside = await launchChromium();
  });
  after(async () => {
    await inside?.close();
    await outside?.close();
    await demo?.close();
  });

  it('logs 张三 in silently: no consent page, one app token, and the profile says in-app', async () => {
    const page = await inside.newPage();
    // As a tester does: 张三 signed in to the emulated client.
    await signInToEmulatedClient(page, emulator.clientPageURL, 'union-zhangsan', '7-emulator-client.png');

    emulator.resetCounters();
    // A slow code exchange, to see the page that waits for it.
    emulator.inject('userinfo', { latencyMs: 1500, times: 1 });
    await page.goto(demo.url);
    assert.match(await page.locator('#in-app-title').innerText(), /正在通过钉钉登录…/);
    await page.screenshot({ path: join(screenshotDir, '8-in-client-signing-in.png') });
    await page.waitForURL(`${demo.url}/profile`);

    assert.equal(await page.locator('#nick').innerText(), '张三');
    assert.equal(await page.locator('#login-via').getAttribute('data-via'), 'in-app');
    assert.match(await page.locator('#login-via').innerText(), /钉钉客户端内免登/);
    assert.equal(await page.locator('#user-id').innerText(), 'zhangsan');
    assert.equal(await page.locator('#corp-id').innerText(), 'dingemulatorcorp0001');
    inClientUnionId = await page.locator('#union-id').innerText();
    assert.equal(inClientUnionId, 'union-zhangsan');
    const avatarWidth = await page.locator('#avatar').evaluate((img) => (img as { naturalWidth: number }).naturalWidth);
    assert.ok(avatarWidth > 0, 'the avatar from the member details is shown');

    const { requests } = emulator.counters;
    assert.equal(requests.authorize, 0, 'no DingTalk login page');
    assert.equal(requests.consent, 0, 'no consent');
    assert.equal(requests.token, 0);
    assert.equal(requests.appToken, 1, 'one app access token');
    assert.equal(requests.userInfo, 1);
    assert.equal(requests.userDetails, 1);
    assert.equal(requests.client, 2, 'the page loaded dd.js and asked the client for one code');
    await page.screenshot({ path: join(screenshotDir, '9-in-client-profile.png') });
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
    assert.match(await page.locator('#in-app-title').innerText(), /未能通过钉钉登录/);
    assert.ok(await page.locator('#login').isVisible(), 'the Login with DingTalk button is the way out');
    assert.ok(await page.locator('#in-app-status').isHidden());
    assert.equal(page.url(), `${demo.url}/`);
    await page.screenshot({ path: join(screenshotDir, '10-in-client-code-rejected.png') });

    // The same code twice, from the page itself: DingTalk's codes are single-use.
    const config = JSON.parse((await page.locator('#in-app-config').textContent()) ?? '') as InClientConfig;
    // No named functions in here: tsx would wrap them in a helper that the page does not have.
    const answers = await page.evaluate(async ({ corpId, clientId, inAppPath }) => {
      const { dd } = globalThis as unknown as PageGlobals;
      const { code } = await dd.requestAuthCode({ corpId, clientId });
      const results: Array<{ status: number; body: { reason?: string } }> = [];
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const response = await fetch(inAppPath, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code }),
        });
        results.push({ status: response.status, body: (await response.json()) as { reason?: string } });
      }
      return results;
    }, config);
    assert.equal(answers[0]?.status, 200);
    assert.equal(answers[1]?.status, 401);
    assert.equal(answers[1]?.body.reason, 'code_rejected');
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
    assert.equal(await page.locator('#union-id').innerText(), 'union-zhangsan');
    assert.equal(emulator.counters.requests.userInfo, 1);
    await page.close();
  });

  it('shows a browser without DingTalk in its User-Agent the button, and asks the client for nothing', async () => {
    emulator.resetCounters();
    const page = await outside.newPage();
    await page.goto(demo.url);
    assert.ok(await page.locator('#login').isVisible());
    assert.equal(await page.locator('#in-app-title').count(), 0);
    const { requests } = emulator.counters;
    assert.equal(requests.client, 0, 'no dd.js, no code');
    assert.equal(requests.userInfo, 0);
    assert.equal(requests.appToken, 0);
    await page.screenshot({ path: join(screenshotDir, '11-browser-home.png') });
    await page.close();
  });

  it('logs the same person in through the button as the same user: the unionId of the in-client login', async () => {
    assert.ok(inClientUnionId, 'the in-client login ran first');
    const page = await outside.newPage();
    await page.goto(demo.url);
    await page.click('#login');
    await page.check('[data-union-id="union-zhangsan"][data-corp-id="dingemulatorcorp0001"]');
    await page.screenshot({ path: join(screenshotDir, '12-browser-consent.png') });
    await page.click('#authorize');
    await page.waitForURL(`${demo.url}/profile`);
    assert.equal(await page.locator('#nick').innerText(), '张三');
    assert.equal(await page.locator('#union-id').innerText(), inClientUnionId);
    assert.equal(await page.locator('#login-via').getAttribute('data-via'), 'browser');
    assert.equal(await page.locator('#corp-id').innerText(), 'dingemulatorcorp0001');
    // memberLookup: the browser login knows the member as the in-client login does.
    assert.equal(await page.locator('#user-id').innerText(), 'zhangsan');
    assert.match(await page.locator('#is-admin').innerText(), /管理员/);
    assert.equal(await page.locator('#department-ids').innerText(), '1');
    await page.screenshot({ path: join(screenshotDir, '13-browser-profile.png') });
    await page.close();
  });
});
