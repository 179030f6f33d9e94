import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DingTalkAPIError } from 'passport-dingtalk';
import { createDingTalkEmulator, type DingTalkEmulator } from 'passport-dingtalk/testing';
import request from 'supertest';
import { createFastifyApp } from '../../example/fastify/app';
import { dingtalkOptions, returnFromDingTalk, routes, startLogin } from './login-steps';

describe('Fastify (example/fastify): @fastify/passport and @fastify/secure-session', () => {
  let emulator: DingTalkEmulator;
  let app: FastifyInstance;
  let url: string;
  const errors: unknown[] = [];

  before(async () => {
    emulator = await createDingTalkEmulator();
    app = await createFastifyApp({ dingtalk: dingtalkOptions(emulator), sessionKey: randomBytes(32) });
    app.addHook('onError', async (_request, _reply, error) => {
      errors.push(error);
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  after(async () => {
    await app?.close();
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

  it("hands a DingTalk outage to Fastify's error handling as a DingTalkAPIError, without logging in", async () => {
    emulator.inject('token', { status: 503, body: { code: 'ServiceUnavailable', message: '服务不可用' }, times: 1 });
    const browser = request.agent(url);
    const state = await startLogin(browser, emulator, url);
    const callback = await returnFromDingTalk(browser, { authCode: emulator.issueAuthCode(), state });
    // Fastify answers with the error's own `status`, here DingTalk's.
    assert.ok(callback.status >= 500, `expected a server error, got ${callback.status}`);
    const error = errors.at(-1);
    assert.ok(error instanceof DingTalkAPIError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.endpoint, 'token');
    assert.equal((await browser.get(routes.profile)).status, 401);
  });
});
