// The emulator's JSAPI stand-in (/emulator/dd.js) in a real page in Chromium: the callbacks of
// dingtalk-jsapi's ICommonAPIParams, silence outside the client, and dd.env.platform by User-Agent.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createDingTalkEmulator, type DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import type { Page } from 'playwright-core';
import { type Browser, launchChromium } from './browser';

const desktopUserAgent =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) DingTalk(7.6.0-macOS-arm64-36573290) nw DTWKWebView Channel/201200';
const iPhoneUserAgent =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.6.0) com.laiwang.DingTalk/1 Channel/201200 language/zh-Hans-CN';
const androidUserAgent =
  'Mozilla/5.0 (Linux; U; Android 14; zh-CN; PHB110 Build/UKQ1.230924.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36 AliApp(DingTalk/7.6.0) com.alibaba.android.rimet/1 Channel/227200 language/zh-CN';
const browserUserAgent =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/** What a page script records of one requestAuthCode call, in the order it happened. */
interface Outcome {
  events: Array<{ name: string; code?: string; errorCode?: unknown; errorMessage?: string; args?: number }>;
}

describe('the emulator’s dd.js in a real browser', () => {
  let emulator: DingTalkEmulator;
  let rejecting: DingTalkEmulator;
  let pages: Server;
  let pagesURL: string;
  let browser: Browser;

  before(async () => {
    emulator = await createDingTalkEmulator();
    rejecting = await createDingTalkEmulator({ jsapiOutsideClient: 'reject' });
    // The app's page: another origin, which loads dd.js from the emulator named in ?dd=.
    pages = createServer((req, res) => {
      const dd = new URL(req.url ?? '/', 'http://page.test').searchParams.get('dd') ?? '';
      const html = `<!doctype html><meta charset="utf-8"><title>page under test</title><script src="${dd.replace(/"/g, '&quot;')}"></script>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pagesURL = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/app`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => pages?.close(resolve));
    await emulator?.close();
    await rejecting?.close();
  });

  /** A page with the given User-Agent (navigator.userAgent too) that has loaded `from`'s dd.js. */
  async function open(userAgent: string, from: DingTalkEmulator = emulator): Promise<Page> {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setUserAgentOverride', { userAgent });
    await page.goto(`${pagesURL}?dd=${encodeURIComponent(from.ddScriptURL)}`);
    return page;
  }

  /**
   * Calls `dd.<api>` in the page with `params` and every callback named in `callbacks`, and collects
   * what happened until the promise settles (its outcome as `then` or `catch`), or for `waitMs` when
   * it does not: a cap for what must happen, the time given for what must not.
   */
  function call(
    page: Page,
    api: 'requestAuthCode' | 'runtime.permission.requestAuthCode',
    params: Record<string, string>,
    callbacks: string[],
    waitMs: number,
  ): Promise<Outcome> {
    // Plain page JavaScript, as text: tsx would wrap the functions of a TypeScript callback in a
    // helper (__name) that the page does not have.
    const script = `new Promise(function (resolve) {
      var events = [];
      function record(name) {
        return function () {
          var value = arguments[0] || {};
          var event = { name: name, args: arguments.length };
          if (value.code !== undefined) event.code = value.code;
          if (value.errorCode !== undefined) event.errorCode = value.errorCode;
          if (value.errorMessage !== undefined) event.errorMessage = value.errorMessage;
          events.push(event);
          // The promise settles last: one more task, for anything that would still come after it.
          if (name === 'then' || name === 'catch') setTimeout(finish, 50);
        };
      }
      function finish() { resolve({ events: events }); }
      var params = ${JSON.stringify(params)};
      ${JSON.stringify(callbacks)}.forEach(function (name) { params[name] = record(name); });
      var target = ${JSON.stringify(api)} === 'requestAuthCode' ? window.dd : window.dd.runtime.permission;
      target.requestAuthCode(params).then(record('then'), record('catch'));
      setTimeout(finish, ${waitMs});
    })`;
    return page.evaluate(script) as Promise<Outcome>;
  }

  const corpId = 'dingemulatorcorp0001';
  const cases: Array<{
    what: string;
    userAgent: string;
    api?: 'requestAuthCode' | 'runtime.permission.requestAuthCode';
    params?: (dd: DingTalkEmulator) => Record<string, string>;
    callbacks: string[];
    waitMs?: number;
    from?: () => DingTalkEmulator;
    expected: string[];
    check?(events: Outcome['events']): void;
  }> = [
    {
      what: 'inside the client: success gets { code }, complete runs once after it, and the promise resolves it',
      userAgent: desktopUserAgent,
      callbacks: ['success', 'fail', 'complete'],
      expected: ['success', 'complete', 'then'],
      check: (events) => assert.equal(events[2]?.code, events[0]?.code),
    },
    {
      what: 'inside the client: onSuccess gets { code } too',
      userAgent: iPhoneUserAgent,
      callbacks: ['onSuccess', 'onFail'],
      expected: ['onSuccess', 'then'],
      check: (events) => assert.equal(typeof events[0]?.code, 'string'),
    },
    {
      what: 'inside the client: the older runtime.permission.requestAuthCode calls onSuccess, success and complete',
      userAgent: iPhoneUserAgent,
      api: 'runtime.permission.requestAuthCode',
      params: () => ({ corpId }),
      callbacks: ['success', 'onSuccess', 'complete'],
      expected: ['onSuccess', 'success', 'complete', 'then'],
      check: (events) => assert.equal(events[0]?.code, events[1]?.code),
    },
    {
      what: 'inside the client: an organization the app is not installed in goes to fail, then complete; the promise rejects',
      userAgent: androidUserAgent,
      params: (dd) => ({ corpId: 'dingemulatorcorp0002', clientId: dd.clientID }),
      callbacks: ['success', 'fail', 'complete'],
      expected: ['fail', 'complete', 'catch'],
      check(events) {
        assert.equal(events[0]?.errorCode, 3);
        assert.match(events[0]?.errorMessage ?? '', /^对应企业没有127\.0\.0\.1:\d+域名微应用$/);
        assert.equal(events[1]?.args, 0, 'complete gets no argument');
      },
    },
    {
      what: 'outside the client, by default: nothing is called within 1.5 s, the promise stays pending, no code is asked for',
      userAgent: browserUserAgent,
      callbacks: ['success', 'fail', 'complete', 'onSuccess', 'onFail'],
      waitMs: 1500,
      expected: [],
    },
    {
      what: 'outside the client with jsapiOutsideClient "reject": onFail, fail and complete, and the promise rejects',
      userAgent: browserUserAgent,
      from: () => rejecting,
      callbacks: ['onFail', 'fail', 'complete'],
      expected: ['onFail', 'fail', 'complete', 'catch'],
      check(events) {
        assert.equal(events[0]?.errorCode, -1);
        assert.match(events[0]?.errorMessage ?? '', /DingTalk client/);
      },
    },
  ];
  for (const { what, userAgent, api = 'requestAuthCode', params, callbacks, waitMs, from, expected, check } of cases) {
    it(what, async () => {
      const dd = from?.() ?? emulator;
      dd.resetCounters();
      const page = await open(userAgent, dd);
      const { events } = await call(
        page,
        api,
        params?.(dd) ?? { corpId, clientId: dd.clientID },
        callbacks,
        waitMs ?? 10_000,
      );
      assert.deepEqual(
        events.map((event) => event.name),
        expected,
      );
      check?.(events);
      // dd.js only, and one code asked for when a callback was due.
      assert.equal(dd.counters.requests.client, expected.length && userAgent !== browserUserAgent ? 2 : 1);
      await page.close();
    });
  }

  it('inside the client: the code is a real one, which the emulator exchanges for the member signed in to the client', async () => {
    const page = await open(desktopUserAgent);
    const { events } = await call(
      page,
      'requestAuthCode',
      { corpId, clientId: emulator.clientID },
      ['success'],
      10_000,
    );
    const code = events[0]?.code;
    assert.ok(typeof code === 'string' && code.length > 0);
    const post = (url: string, body: object) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const exchanged = await post(emulator.appAccessTokenURL, {
      appKey: emulator.clientID,
      appSecret: emulator.clientSecret,
    });
    const { accessToken } = (await exchanged.json()) as { accessToken: string };
    const info = await post(`${emulator.userInfoURL}?access_token=${encodeURIComponent(accessToken)}`, { code });
    assert.equal(((await info.json()) as { result: { userid: string } }).result.userid, 'zhangsan');
    await page.close();
  });

  it('dd.env.platform follows the User-Agent: ios, android, pc, notInDingTalk', async () => {
    const expected: Array<[string, string]> = [
      [iPhoneUserAgent, 'ios'],
      [androidUserAgent, 'android'],
      [desktopUserAgent, 'pc'],
      [browserUserAgent, 'notInDingTalk'],
    ];
    for (const [userAgent, platform] of expected) {
      const page = await open(userAgent);
      const seen = await page.evaluate(() => ({
        platform: (globalThis as unknown as { dd: { env: { platform: string } } }).dd.env.platform,
        userAgent: (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent,
      }));
      assert.equal(seen.userAgent, userAgent, 'the page sees the User-Agent under test');
      assert.equal(seen.platform, platform, userAgent);
      await page.close();
    }
  });
});
