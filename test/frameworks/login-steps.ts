import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { DingTalkAPIError } from 'passport-dingtalk-oauth2';
import { createDingTalkEmulator, type DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
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

/** A framework example, started on 127.0.0.1 against an emulator. */
export interface StartedExample {
  url: string;
  /** Errors the framework's own error handling received, in order. */
  errors: unknown[];
  close(): Promise<void>;
}

/**
 * The login scenarios every redirect-based example must pass (Koa and Fastify share the same
 * routes and failure page): a full login, Cancel on DingTalk, a forged state, a DingTalk outage.
 */
export function describeExampleLogins(
  framework: string,
  start: (emulator: DingTalkEmulator) => Promise<StartedExample>,
): void {
  let emulator: DingTalkEmulator;
  let example: StartedExample;

  before(async () => {
    emulator = await createDingTalkEmulator();
    example = await start(emulator);
  });
  after(async () => {
    await example?.close();
    await emulator?.close();
  });

  it('logs a DingTalk user in and shows their unionId on the profile route', async () => {
    const user = emulator.users[1];
    assert.ok(user);
    emulator.resetCounters();
    const browser = request.agent(example.url);
    assert.equal((await browser.get(routes.profile)).status, 401, 'the profile route must need a login');

    await logInAs(browser, emulator, example.url, user);
    assert.equal(emulator.counters.requests.token, 1);
    assert.equal(emulator.counters.requests.profile, 1);
  });

  it('sends the user to the failure page with the reason when they cancel on DingTalk (error=access_denied)', async () => {
    emulator.resetCounters();
    const browser = request.agent(example.url);
    const state = await startLogin(browser, emulator, example.url);
    const callback = await returnFromDingTalk(browser, { error: 'access_denied', state });
    assert.equal(callback.status, 302);
    assert.equal(callback.headers.location, '/login-failed');
    const failed = await browser.get('/login-failed');
    assert.equal(failed.status, 401);
    assert.deepEqual(failed.body.messages, ['DingTalk login was not authorized: access_denied']);
    assert.equal(emulator.counters.requests.token, 0);
    assert.equal((await browser.get(routes.profile)).status, 401);
  });

  it('refuses a callback whose state is not the one kept in the session', async () => {
    emulator.resetCounters();
    const browser = request.agent(example.url);
    await startLogin(browser, emulator, example.url);
    const callback = await returnFromDingTalk(browser, { authCode: emulator.issueAuthCode(), state: 'forged-state' });
    assert.equal(callback.headers.location, '/login-failed');
    assert.deepEqual((await browser.get('/login-failed')).body.messages, ['Invalid authorization request state.']);
    assert.equal(emulator.counters.requests.token, 0);
  });

  it(`hands a DingTalk outage to ${framework}'s error handling as a DingTalkAPIError, without logging in`, async () => {
    emulator.inject('token', { status: 503, body: { code: 'ServiceUnavailable', message: '服务不可用' }, times: 1 });
    const browser = request.agent(example.url);
    const state = await startLogin(browser, emulator, example.url);
    const callback = await returnFromDingTalk(browser, { authCode: emulator.issueAuthCode(), state });
    // The framework answers with the error's own `status`: 502, a bad gateway, whatever DingTalk said.
    assert.equal(callback.status, 502, `expected a bad gateway, got ${callback.status}`);
    const error = example.errors.at(-1);
    assert.ok(error instanceof DingTalkAPIError, String(error));
    assert.equal(error.dingtalkStatus, 503);
    assert.equal(error.status, 502);
    assert.equal(error.endpoint, 'token');
    assert.equal((await browser.get(routes.profile)).status, 401);
  });
}
