import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, launchChromium, screenshotDir } from './browser';

// The demo exactly as `npm run demo` runs it, on a free port, against the emulator.
const { startDemo } = require('../../example/server.js') as {
  startDemo(options: { port: number; env: Record<string, string> }): Promise<{ url: string; close(): Promise<void> }>;
};

describe('the demo in a real browser', () => {
  let browser: Browser;
  let demo: { url: string; close(): Promise<void> };

  before(async () => {
    demo = await startDemo({ port: 0, env: {} });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('logs 张三 in as a member of the organization he picks, and shows the member on his profile', async () => {
    const page = await browser.newPage();
    await page.goto(demo.url);
    assert.match(await page.locator('#emulator-banner').innerText(), /模拟器/);
    await page.screenshot({ path: join(screenshotDir, '1-home.png') });
    await page.click('#login');
    await page.waitForSelector('#authorize');
    // memberLookup asks for the corpid scope: DingTalk's page asks which organization.
    await page.check('[data-union-id="union-zhangsan"][data-corp-id="dingemulatorcorp0001"]');
    await page.screenshot({ path: join(screenshotDir, '2-consent.png') });
    await page.click('#authorize');
    await page.waitForURL(`${demo.url}/profile`);
    assert.equal(await page.locator('#nick').innerText(), '张三');
    assert.equal(await page.locator('#union-id').innerText(), 'union-zhangsan');
    assert.equal(await page.locator('#corp-id').innerText(), 'dingemulatorcorp0001');
    assert.equal(await page.locator('#user-id').innerText(), 'zhangsan');
    assert.match(await page.locator('#is-admin').innerText(), /管理员/);
    assert.equal(await page.locator('#title').innerText(), '技术总监');
    assert.equal(await page.locator('#department-ids').innerText(), '1');
    const avatarWidth = await page.locator('#avatar').evaluate((img) => (img as { naturalWidth: number }).naturalWidth);
    assert.ok(avatarWidth > 0, 'the avatar from the emulator is shown');
    const expiry = Date.parse(await page.locator('#token-expiry').innerText());
    assert.ok(expiry > Date.now() + 7000 * 1000 && expiry <= Date.now() + 7200 * 1000, 'the token expires in 2 hours');
    await page.screenshot({ path: join(screenshotDir, '3-profile.png') });

    await page.click('#logout');
    await page.waitForURL(`${demo.url}/`);
    assert.equal(await page.locator('#login').count(), 1);
    await page.close();
  });

  it('shows the failure page with the reason when the user cancels', async () => {
    const page = await browser.newPage();
    await page.goto(demo.url);
    await page.click('#login');
    await page.click('#cancel');
    await page.waitForURL(`${demo.url}/login-failed`);
    assert.match(await page.locator('#failure-reason').innerText(), /access_denied/);
    await page.screenshot({ path: join(screenshotDir, '4-cancelled.png') });
    await page.close();
  });

  it('refuses 李四, who is not a member of the organization, with a failure page that names his', async () => {
    const page = await browser.newPage();
    await page.goto(demo.url);
    await page.click('#login');
    await page.check('[data-union-id="union-lisi"]');
    await page.screenshot({ path: join(screenshotDir, '5-consent-non-member.png') });
    await page.click('#authorize');
    await page.waitForURL(`${demo.url}/login-failed`);
    assert.match(await page.locator('#failure-reason').innerText(), /dingemulatorcorp0003 may not log in/);
    await page.screenshot({ path: join(screenshotDir, '6-not-a-member.png') });
    await page.goto(`${demo.url}/profile`);
    assert.equal(page.url(), `${demo.url}/`, 'nobody is logged in');
    await page.close();
  });
});
