// example/in-client.js in Chromium: the page's own inline script, with the emulator's dd.js loaded by
// a plain <script src>, logs in the member signed in to the emulated DingTalk client. The browser
// plays the client by its User-Agent, as the emulator's client page says.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import { type Browser, launchChromium, screenshotDir, signInToEmulatedClient } from './browser';

const { start } = require('../../example/in-client.js') as {
  start(options: { port: number; host: string; env: Record<string, string> }): Promise<{
    url: string;
    emulator?: DingTalkEmulator;
    close(): Promise<void>;
  }>;
};

/** The DingTalk client's webview on an Android phone, as it introduces itself. */
const dingTalkUserAgent =
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
    inside = await launchChromium({ userAgent: dingTalkUserAgent });
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
    assert.equal(await page.locator('#user').innerText(), 'Hello, 张三 (union-zhangsan)');
    const { requests } = emulator.counters;
    assert.equal(requests.client, 2, 'the page loaded dd.js and asked the client for one code');
    assert.equal(requests.userInfo, 1);
    assert.equal(requests.authorize, 0, 'no DingTalk login page');
    assert.deepEqual(errors, []);
    await page.screenshot({ path: join(screenshotDir, 'in-client-example-logged-in.png') });

    // Log out: the logged-out page does not sign the member in again at once, and offers a link that does.
    await page.click('button');
    await page.waitForURL(`${app.url}/?logged-out`);
    assert.equal(emulator.counters.requests.userInfo, 1, 'no silent login right after logging out');
    const again = page.waitForResponse((response) => response.url() === `${app.url}/auth/dingtalk/in-app`);
    await page.click('text=Sign in again');
    assert.equal((await again).status(), 200);
    await page.locator('#user').waitFor();
    assert.equal(await page.locator('#user').innerText(), 'Hello, 张三 (union-zhangsan)');
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
    assert.equal(await page.locator('#user').innerText(), 'Hello, 张三 (union-zhangsan)');
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
    await page.screenshot({ path: join(screenshotDir, 'in-client-example-outside.png') });
    await page.close();
  });
});
