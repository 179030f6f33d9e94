import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import request from 'supertest';

/** The routes every framework example has. */
export const routes = {
  login: '/auth/dingtalk',
  callback: '/auth/dingtalk/callback',
  profile: '/profile',
} as const;

/** The options each example gets: the emulator's endpoints, and a callback relative to the request's host. */
export function dingtalkOptions(emulator: DingTalkEmulator) {
  return { ...emulator.strategyOptions(), callbackURL: routes.callback };
}

/** The base URL of a server listening on 127.0.0.1. */
export function baseURL(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Opens the login route and checks that it sends the browser to the emulator's authorize page
 * with everything DingTalk needs, the callback URL resolved against the app's own address, and
 * that the page accepts it. Returns the state to send back.
 */
export async function startLogin(browser: request.Agent, emulator: DingTalkEmulator, appURL: string): Promise<string> {
  const response = await browser.get(routes.login).redirects(0);
  assert.equal(response.status, 302, `expected a redirect to DingTalk, got ${response.status} ${response.text}`);
  const location = new URL(response.headers.location as string);
  assert.equal(`${location.origin}${location.pathname}`, emulator.authorizationURL);
  assert.equal(location.searchParams.get('client_id'), emulator.clientID);
  assert.equal(location.searchParams.get('response_type'), 'code');
  assert.equal(location.searchParams.get('prompt'), 'consent');
  assert.equal(location.searchParams.get('scope'), 'openid');
  assert.equal(location.searchParams.get('redirect_uri'), `${appURL}${routes.callback}`);
  const state = location.searchParams.get('state');
  assert.ok(state && state.length >= 16, `expected a generated state, got ${state}`);
  const page = await fetch(location);
  assert.equal(page.status, 200, 'the emulator should show its consent page for this authorize URL');
  await page.body?.cancel();
  return state;
}

/**
 * A whole login as `user`: the login route, DingTalk's redirect back with a fresh code, and the
 * profile route then showing that user. The same steps for every framework example.
 */
export async function logInAs(
  browser: request.Agent,
  emulator: DingTalkEmulator,
  appURL: string,
  user: { unionId: string; nick: string },
): Promise<void> {
  const state = await startLogin(browser, emulator, appURL);
  const callback = await returnFromDingTalk(browser, {
    authCode: emulator.issueAuthCode({ unionId: user.unionId }),
    state,
  });
  assert.equal(callback.status, 302, callback.text);
  assert.equal(callback.headers.location, routes.profile);
  const profile = await browser.get(routes.profile);
  assert.equal(profile.status, 200);
  assert.deepEqual(profile.body, { unionId: user.unionId, nick: user.nick });
}

/** DingTalk's redirect back to the app, as the browser follows it. */
export function returnFromDingTalk(browser: request.Agent, query: Record<string, string>): request.Test {
  return browser.get(routes.callback).query(query).redirects(0);
}

/** What each runnable app in example/ (express.js, koa.js, fastify.js...) exports. */
export interface RunnableExample {
  start(options: { port?: number; host?: string; env?: Record<string, string | undefined> }): Promise<StartedApp>;
}

/** A runnable example, listening: in emulator mode (no DINGTALK_CLIENT_ID) it started its own emulator. */
export interface StartedApp {
  url: string;
  emulator?: DingTalkEmulator;
  close(): Promise<void>;
}

/** Loads a runnable example from example/ (plain JavaScript, so through require). */
export function loadExample(file: string): RunnableExample {
  return require(join(__dirname, '..', '..', 'example', file)) as RunnableExample;
}

/** Starts an example in emulator mode on 127.0.0.1, port 0, and returns it with its emulator. */
export async function startWithEmulator(
  example: RunnableExample,
): Promise<StartedApp & { emulator: DingTalkEmulator }> {
  const started = await example.start({ port: 0, host: '127.0.0.1', env: {} });
  const { emulator } = started;
  assert.ok(emulator, 'without DINGTALK_CLIENT_ID the example must start its own emulator');
  return { ...started, emulator };
}

const htmlEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const unescapeHTML = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39);/g, (_m, name: string) => htmlEntities[name] ?? '');

/** What the user does on DingTalk's consent page: press 授权 as an account (and organization), or 取消. */
export type ConsentDecision = { unionId: string; corpId?: string } | 'cancel';

/**
 * The browser's visit to the emulator's consent page at `authorizeURL`: reads the page's form, picks
 * the account (and organization) or presses Cancel, posts the form as a browser would, and returns
 * where DingTalk sends the browser back to.
 */
export async function decideOnDingTalk(authorizeURL: string, decision: ConsentDecision): Promise<URL> {
  const page = await fetch(authorizeURL);
  const html = await page.text();
  assert.equal(page.status, 200, `the emulator should show its consent page: ${html}`);
  const form = new URLSearchParams();
  for (const [, name = '', value = ''] of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    form.append(unescapeHTML(name), unescapeHTML(value));
  }
  if (decision === 'cancel') {
    form.set('decision', 'cancel');
  } else {
    const radios = [
      ...html.matchAll(
        /<input type="radio" name="account" value="([^"]*)" data-union-id="([^"]*)"(?: data-corp-id="([^"]*)")?/g,
      ),
    ];
    const choice = radios.find(
      ([, , unionId, corpId]) =>
        unescapeHTML(unionId ?? '') === decision.unionId &&
        (decision.corpId === undefined || unescapeHTML(corpId ?? '') === decision.corpId),
    );
    assert.ok(choice, `the consent page should offer ${JSON.stringify(decision)}`);
    form.set('account', unescapeHTML(choice[1] ?? ''));
    form.set('decision', 'authorize');
  }
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  assert.ok(action, 'the consent page should have a form');
  const answer = await fetch(new URL(unescapeHTML(action), authorizeURL), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  assert.equal(answer.status, 302, `the consent form should send the browser back: ${await answer.text()}`);
  return new URL(answer.headers.get('location') ?? '');
}

/**
 * A whole trip through DingTalk as a browser makes it: `startPath` on the app (which must redirect to
 * the emulator's authorize page, for the app's own callback URL), the decision on the consent page,
 * then the redirect back to the app's callback. Returns the app's answer to the callback.
 */
export async function goThroughDingTalk(
  browser: request.Agent,
  app: StartedApp & { emulator: DingTalkEmulator },
  decision: ConsentDecision,
  startPath: string = routes.login,
): Promise<request.Response> {
  const start = await browser.get(startPath).redirects(0);
  assert.equal(start.status, 302, `expected a redirect to DingTalk, got ${start.status} ${start.text}`);
  const authorize = new URL(start.headers.location as string);
  assert.equal(`${authorize.origin}${authorize.pathname}`, app.emulator.authorizationURL);
  assert.equal(authorize.searchParams.get('redirect_uri'), `${app.url}${routes.callback}`);
  assert.equal(authorize.searchParams.get('prompt'), 'consent');
  const back = await decideOnDingTalk(authorize.href, decision);
  assert.equal(`${back.origin}${back.pathname}`, `${app.url}${routes.callback}`);
  return browser.get(`${back.pathname}${back.search}`).redirects(0);
}

/** The settings of an app run against the real DingTalk (never contacted by these tests). */
export const realDingTalkEnv = {
  DINGTALK_CLIENT_ID: 'dingrealclientid',
  DINGTALK_CLIENT_SECRET: 'real-client-secret',
  DINGTALK_CALLBACK_URL: 'https://app.example.com/auth/dingtalk/callback',
  SESSION_SECRET: 'a-session-secret-of-at-least-32-bytes!',
};

/**
 * What every complete app in example/ (express.js, koa.js, fastify.js) must do, over real HTTP:
 * the pages, a login through the consent page, Cancel, a forged state, logout, a DingTalk outage
 * answered by the app's error handler, and the switch between the emulator and the real DingTalk.
 */
export function describeCompleteApp(framework: string, example: RunnableExample): void {
  let app: StartedApp & { emulator: DingTalkEmulator };

  before(async () => {
    app = await startWithEmulator(example);
  });
  after(() => app?.close());

  it('shows a "Log in" link on / and the "Login with DingTalk" link on /login', async () => {
    const home = await request(app.url).get('/');
    assert.equal(home.status, 200);
    assert.match(home.headers['content-type'] as string, /^text\/html/);
    assert.match(home.text, /<a href="\/login">/);
    const login = await request(app.url).get('/login');
    assert.equal(login.status, 200);
    assert.match(login.text, /<a href="\/auth\/dingtalk">Login with DingTalk/);
    assert.doesNotMatch(login.text, /role="alert"/);
  });

  it('logs 李四 in through the consent page, shows them on /, and logs them out', async () => {
    app.emulator.resetCounters();
    const browser = request.agent(app.url);
    const callback = await goThroughDingTalk(browser, app, { unionId: 'union-lisi' });
    assert.equal(callback.status, 302, callback.text);
    assert.equal(callback.headers.location, '/');
    assert.equal(app.emulator.counters.requests.consent, 1);
    assert.equal(app.emulator.counters.requests.token, 1);
    assert.equal(app.emulator.counters.requests.profile, 1);

    const home = await browser.get('/');
    assert.equal(home.status, 200);
    assert.match(home.text, /Hello, 李四 \(union-lisi\)/);
    assert.match(home.text, /<form method="post" action="\/logout">/);
    // Another browser is not logged in.
    assert.doesNotMatch((await request(app.url).get('/')).text, /李四/);

    // The logout button posts an empty form, as a browser does.
    const logout = await browser.post('/logout').type('form').send('').redirects(0);
    assert.equal(logout.status, 302, logout.text);
    assert.equal(logout.headers.location, '/');
    const after = await browser.get('/');
    assert.doesNotMatch(after.text, /李四/);
    assert.match(after.text, /<a href="\/login">/);
  });

  it('sends the user to /login with the reason, once, when they press Cancel on DingTalk', async () => {
    app.emulator.resetCounters();
    const browser = request.agent(app.url);
    const callback = await goThroughDingTalk(browser, app, 'cancel');
    assert.equal(callback.status, 302);
    assert.equal(callback.headers.location, '/login');
    assert.equal(app.emulator.counters.requests.token, 0);
    const login = await browser.get('/login');
    assert.match(login.text, /<p role="alert">DingTalk login was not authorized: access_denied<\/p>/);
    assert.doesNotMatch((await browser.get('/login')).text, /role="alert"/, 'the message is shown once');
    assert.match((await browser.get('/')).text, /<a href="\/login">/);
  });

  it('logs in after a cancel, and when a login was started twice, in the same browser', async () => {
    const browser = request.agent(app.url);
    assert.equal((await goThroughDingTalk(browser, app, 'cancel')).headers.location, '/login');
    const afterCancel = await goThroughDingTalk(browser, app, { unionId: 'union-lisi' });
    assert.equal(afterCancel.headers.location, '/', (await browser.get('/login')).text);
    await browser.post('/logout').type('form').send('').redirects(0);
    // The first tab's login is abandoned; the second one must work.
    await browser.get(routes.login).redirects(0);
    const second = await goThroughDingTalk(browser, app, { unionId: 'union-lisi' });
    assert.equal(second.headers.location, '/', (await browser.get('/login')).text);
    assert.match((await browser.get('/')).text, /李四/);
  });

  it('refuses a callback whose state is not the one kept in the session', async () => {
    app.emulator.resetCounters();
    const browser = request.agent(app.url);
    await browser.get(routes.login).redirects(0);
    const callback = await returnFromDingTalk(browser, {
      authCode: app.emulator.issueAuthCode({ unionId: 'union-lisi' }),
      state: 'forged-state',
    });
    assert.equal(callback.headers.location, '/login');
    assert.match((await browser.get('/login')).text, /Invalid authorization request state\./);
    assert.equal(app.emulator.counters.requests.token, 0);
    assert.doesNotMatch((await browser.get('/')).text, /李四/);
  });

  it(`answers a DingTalk outage with ${framework}'s error handler: 502, a short page, the error logged`, async (t) => {
    const logged = t.mock.method(console, 'error', () => {});
    app.emulator.inject('token', {
      status: 503,
      body: { code: 'ServiceUnavailable', message: '服务不可用' },
      times: 1,
    });
    const browser = request.agent(app.url);
    const callback = await goThroughDingTalk(browser, app, { unionId: 'union-zhangsan' });
    assert.equal(callback.status, 502, callback.text);
    assert.match(callback.text, /DingTalk login is unavailable/);
    assert.equal(logged.mock.callCount(), 1);
    const message = String(logged.mock.calls[0]?.arguments[0]);
    assert.match(message, /^GET \/auth\/dingtalk\/callback.*: DingTalk .*HTTP 503 ServiceUnavailable/);
    assert.doesNotMatch(message, /authCode=|[?&]code=/, 'the log line must not carry the auth code');
    assert.doesNotMatch((await browser.get('/')).text, /张三/);
  });

  it('escapes what DingTalk says about the user on the page', async () => {
    const nick = '<img src=x onerror="alert(1)">&\'';
    app.emulator.inject('profile', { status: 200, body: { unionId: 'union-<b>', nick }, times: 1 });
    const browser = request.agent(app.url);
    assert.equal((await goThroughDingTalk(browser, app, { unionId: 'union-zhangsan' })).status, 302);
    const home = await browser.get('/');
    assert.match(home.text, /Hello, &#60;img src=x onerror=&#34;alert\(1\)&#34;&#62;&#38;&#39; \(union-&#60;b&#62;\)/);
    assert.doesNotMatch(home.text, /<img|<b>/);
  });

  it('refuses to start for the real DingTalk, naming the variable, when one is missing', async () => {
    const env = realDingTalkEnv;
    for (const missing of ['DINGTALK_CLIENT_SECRET', 'DINGTALK_CALLBACK_URL', 'SESSION_SECRET'] as const) {
      await assert.rejects(example.start({ port: 0, env: { ...env, [missing]: '' } }), {
        message: `${missing} must be set when DINGTALK_CLIENT_ID is set`,
      });
    }
  });

  it('with every variable set, sends the browser to the real DingTalk with the registered callback URL', async () => {
    const real = await example.start({
      port: 0,
      env: realDingTalkEnv,
    });
    try {
      assert.equal(real.emulator, undefined);
      const start = await request(real.url).get(routes.login).redirects(0);
      assert.equal(start.status, 302);
      const location = new URL(start.headers.location as string);
      assert.equal(`${location.origin}${location.pathname}`, 'https://login.dingtalk.com/oauth2/auth');
      assert.equal(location.searchParams.get('client_id'), 'dingrealclientid');
      assert.equal(location.searchParams.get('redirect_uri'), 'https://app.example.com/auth/dingtalk/callback');
    } finally {
      await real.close();
    }
  });
}
