import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import request from 'supertest';

/** The routes every framework example has. */
export const routes = { login: '/auth/dingtalk', callback: '/auth/dingtalk/callback', profile: '/profile' } as const;

/** The base URL of a server listening on 127.0.0.1. */
export const baseURL = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** A runnable example (or app) listening; in emulator mode (no DINGTALK_CLIENT_ID) it started its own emulator. */
export interface StartedApp {
  url: string;
  emulator?: DingTalkEmulator;
  close(): Promise<void>;
}
export type EmulatedApp = StartedApp & { emulator: DingTalkEmulator };

/** What each runnable app in example/ (express.js, koa.js, fastify.js...) exports. */
export interface RunnableExample {
  start(options: { port?: number; host?: string; env?: Record<string, string | undefined> }): Promise<StartedApp>;
}

/** Loads a runnable example from example/ (plain JavaScript, so through require). */
export const loadExample = (file: string) => require(join(__dirname, '..', '..', 'example', file)) as RunnableExample;

/** Starts an example in emulator mode on 127.0.0.1, port 0, and returns it with its emulator. */
export async function startWithEmulator(example: RunnableExample): Promise<EmulatedApp> {
  const started = await example.start({ port: 0, host: '127.0.0.1', env: {} });
  const { emulator } = started;
  assert.ok(emulator, 'without DINGTALK_CLIENT_ID the example must start its own emulator');
  return { ...started, emulator };
}

/** The settings of an app run against the real DingTalk (never contacted by these tests). */
export const realDingTalkEnv = {
  DINGTALK_CLIENT_ID: 'dingrealclientid',
  DINGTALK_CLIENT_SECRET: 'real-client-secret',
  DINGTALK_CALLBACK_URL: 'https://app.example.com/auth/dingtalk/callback',
  SESSION_SECRET: 'a-session-secret-of-at-least-32-bytes!',
};

/** DingTalk's redirect back to the app, as the browser follows it. */
export function returnFromDingTalk(browser: request.Agent, query: Record<string, string>): request.Test {
  return browser.get(routes.callback).query(query).redirects(0);
}

const htmlEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const unescapeHTML = (text = '') =>
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
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    form.append(unescapeHTML(name), unescapeHTML(value));
  }
  form.set('decision', decision === 'cancel' ? 'cancel' : 'authorize');
  if (decision !== 'cancel') {
    const radios = html.matchAll(
      /<input type="radio" name="account" value="([^"]*)" data-union-id="([^"]*)"(?: data-corp-id="([^"]*)")?/g,
    );
    const choice = [...radios].find(
      ([, , unionId, corpId]) =>
        unescapeHTML(unionId) === decision.unionId &&
        (decision.corpId === undefined || unescapeHTML(corpId) === decision.corpId),
    );
    assert.ok(choice, `the consent page should offer ${JSON.stringify(decision)}`);
    form.set('account', unescapeHTML(choice[1]));
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
  app: EmulatedApp,
  decision: ConsentDecision,
  startPath: string = routes.login,
): Promise<request.Response> {
  const start = await browser.get(startPath).redirects(0);
  assert.equal(start.status, 302, `expected a redirect to DingTalk, got ${start.status} ${start.text}`);
  const authorize = new URL(start.headers.location as string);
  assert.equal(`${authorize.origin}${authorize.pathname}`, app.emulator.authorizationURL);
  assert.equal(authorize.searchParams.get('client_id'), app.emulator.clientID);
  assert.equal(authorize.searchParams.get('redirect_uri'), `${app.url}${routes.callback}`);
  assert.equal(authorize.searchParams.get('prompt'), 'consent');
  const back = await decideOnDingTalk(authorize.href, decision);
  assert.equal(`${back.origin}${back.pathname}`, `${app.url}${routes.callback}`);
  return browser.get(`${back.pathname}${back.search}`).redirects(0);
}

/**
 * The NestJS example's login (example/nestjs) on any NestJS version: the guarded profile route, a
 * login as 李四, Cancel and a forged state answered with 401 and the reason, DingTalk asked only for the login.
 */
export async function checkNestLogin(app: EmulatedApp): Promise<void> {
  app.emulator.resetCounters();
  const browser = request.agent(app.url);
  assert.equal((await browser.get(routes.profile)).status, 403, 'the profile route must need a login');
  const callback = await goThroughDingTalk(browser, app, { unionId: 'union-lisi' });
  assert.equal(callback.status, 302, callback.text);
  assert.equal(callback.headers.location, routes.profile);
  assert.deepEqual((await browser.get(routes.profile)).body, { unionId: 'union-lisi', nick: '李四' });

  const other = request.agent(app.url);
  const cancelled = await goThroughDingTalk(other, app, 'cancel');
  assert.equal(cancelled.status, 401);
  assert.equal(cancelled.body.message, 'DingTalk login was not authorized: access_denied');
  const start = await other.get(routes.login).redirects(0);
  const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
  assert.ok(state.length >= 16, `a generated state, not ${state}`);
  const forged = await returnFromDingTalk(other, { authCode: app.emulator.issueAuthCode(), state: 'forged-state' });
  assert.equal(forged.status, 401);
  assert.equal(forged.body.message, 'Invalid authorization request state.');
  assert.equal((await other.get(routes.profile)).status, 403);
  assert.deepEqual([app.emulator.counters.requests.token, app.emulator.counters.requests.profile], [1, 1]);
}
