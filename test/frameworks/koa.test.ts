import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DingTalkAPIError } from 'passport-dingtalk';
import { createDingTalkEmulator, type DingTalkEmulator } from 'passport-dingtalk/testing';
import request from 'supertest';
import { createKoaApp } from '../../example/koa/app';
import { baseURL, dingtalkOptions, returnFromDingTalk, routes, startLogin } from './login-steps';

describe('Koa (example/koa): koa-passport and koa-session', () => {
  let emulator: DingTalkEmulator;
  let server: Server;
  let url: string;
  const errors: unknown[] = [];

  before(async () => {
    emulator = await createDingTalkEmulator();
    const app = createKoaApp({ dingtalk: dingtalkOptions(emulator), sessionKeys: ['koa test session key'] });
    // Koa reports a request's error here (and would print it to stderr unless silent).
    app.silent = true;
    app.on('error', (error: unknown) => errors.push(error));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = baseURL(server);
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await emulator?.close();
  });

  it('logs a DingTalk user in and shows their unionId on the profile route', async () => {
    const user = emulator.users[1];
    assert.ok(user);
    emulator.resetCounters();
    const browser = request.agent(url);
    assert.equal((await browser.get(routes.profile)).status, 401, 'the profile route must need a login');

    const state = await startLogin(browser, emulator, url);
    const callback = await returnFromDingTalk(browser, {
      authCode: emulator.issueAuthCode({ unionId: user.unionId }),
      state,
    });
    assert.equal(callback.status, 302, callback.text);
    assert.equal(callback.headers.location, routes.profile);

    const profile = await browser.get(routes.profile);
    assert.equal(profile.status, 200);
    assert.deepEqual(profile.body, { unionId: user.unionId, nick: user.nick });
    assert.equal(emulator.counters.requests.token, 1);
    assert.equal(emulator.counters.requests.profile, 1);
  });

  it('sends the user to the failure page with the reason when they cancel on DingTalk (error=access_denied)', async () => {
    emulator.resetCounters();
    const browser = request.agent(url);
    const state = await startLogin(browser, emulator, url);
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
    const browser = request.agent(url);
    await startLogin(browser, emulator, url);
    const callback = await returnFromDingTalk(browser, { authCode: emulator.issueAuthCode(), state: 'forged-state' });
    assert.equal(callback.headers.location, '/login-failed');
    assert.deepEqual((await browser.get('/login-failed')).body.messages, ['Invalid authorization request state.']);
    assert.equal(emulator.counters.requests.token, 0);
  });

  it("hands a DingTalk outage to Koa's error handling as a DingTalkAPIError, without logging in", async () => {
    emulator.inject('token', { status: 503, body: { code: 'ServiceUnavailable', message: '服务不可用' }, times: 1 });
    const browser = request.agent(url);
    const state = await startLogin(browser, emulator, url);
    const callback = await returnFromDingTalk(browser, { authCode: emulator.issueAuthCode(), state });
    // Koa answers with the error's own `status`: DingTalk's 503 here.
    assert.ok(callback.status >= 500, `expected a server error, got ${callback.status}`);
    const error = errors.at(-1);
    assert.ok(error instanceof DingTalkAPIError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.endpoint, 'token');
    assert.equal((await browser.get(routes.profile)).status, 401);
  });
});
