import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DingTalkEmulator } from 'passport-dingtalk/testing';
import type request from 'supertest';

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

/** DingTalk's redirect back to the app, as the browser follows it. */
export function returnFromDingTalk(browser: request.Agent, query: Record<string, string>): request.Test {
  return browser.get(routes.callback).query(query).redirects(0);
}
