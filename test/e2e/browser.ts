import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where the final page of each browser test is saved, for a person to look at. */
export const screenshotDir = join(__dirname, '..', '..', 'test-results', 'e2e');

export interface Browser {
  newPage(): Promise<Page>;
  /** Forgets every cookie, so the next page starts logged out. */
  clearCookies(): Promise<void>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** The User-Agent of every request and of `navigator.userAgent`, such as the DingTalk client's. */
  userAgent?: string;
}

/**
 * Debian's Chromium, headless, with a fresh profile and none of its background traffic (this
 * machine has no internet, and Chromium would keep trying).
 */
export async function launchChromium({ userAgent }: LaunchOptions = {}): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'passport-dingtalk-oauth2-e2e-'));
  const context: BrowserContext = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    locale: 'zh-CN',
    viewport: { width: 900, height: 760 },
    ...(userAgent ? { userAgent } : {}),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  mkdirSync(screenshotDir, { recursive: true });
  return {
    newPage: () => context.newPage(),
    clearCookies: () => context.clearCookies(),
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * As a tester does on the emulator's client page: picks who is signed in to the emulated DingTalk
 * client, then signs them in. `screenshot`, when given, is where the page is saved once picked.
 */
export async function signInToEmulatedClient(
  page: Page,
  clientPageURL: string,
  unionId: string,
  screenshot?: string,
): Promise<void> {
  await page.goto(clientPageURL);
  await page.check(`[data-union-id="${unionId}"]`);
  if (screenshot) await page.screenshot({ path: join(screenshotDir, screenshot) });
  await page.click('#sign-in');
  await page.waitForURL(clientPageURL);
}
