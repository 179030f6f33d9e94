import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { StrategyOptions } from 'passport-dingtalk-oauth2';
import { createDingTalkEmulator, type DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import request from 'supertest';
import { baseURL, dingtalkOptions, logInAs, returnFromDingTalk, routes, startLogin } from './login-steps.js';
import { compileNestExample } from './nest-example.mjs';

/** What example/nestjs/create-app.mts exports. */
interface NestExample {
  createApp(
    settings: { dingtalk: StrategyOptions; sessionSecret: string },
    nestOptions?: NestApplicationOptions,
  ): Promise<INestApplication>;
}

describe('NestJS 12 (example/nestjs): PassportStrategy, AuthGuard and express-session', () => {
  let emulator: DingTalkEmulator;
  let app: INestApplication;
  let url: string;
  let removeExample: (() => Promise<void>) | undefined;
  // Nest's exception handler logs the errors it turns into a 500: keep them for the assertions.
  const logged: string[] = [];
  const logger = {
    log: () => {},
    warn: () => {},
    error: (message: unknown) => logged.push(String(message)),
  };

  before(async () => {
    const compiled = await compileNestExample<NestExample>('nestjs');
    removeExample = compiled.remove;
    const example = compiled.example;
    emulator = await createDingTalkEmulator();
    app = await example.createApp(
      { dingtalk: dingtalkOptions(emulator), sessionSecret: 'nestjs test session secret' },
      { logger },
    );
    await app.listen(0, '127.0.0.1');
    url = baseURL(app.getHttpServer() as Server);
  });

  after(async () => {
    await app?.close();
    await emulator?.close();
    await removeExample?.();
  });

  it('logs a DingTalk user in and shows their unionId on the guarded profile route', async () => {
    const user = emulator.users[1];
    assert.ok(user);
    emulator.resetCounters();
    const browser = request.agent(url);
    assert.equal((await browser.get(routes.profile)).status, 403, 'the profile route must need a login');

    await logInAs(browser, emulator, url, user);
    assert.equal(emulator.counters.requests.token, 1);
    assert.equal(emulator.counters.requests.profile, 1);
  });

  it('answers 401 with the reason when the user cancels on DingTalk (error=access_denied)', async () => {
    emulator.resetCounters();
    const browser = request.agent(url);
    const state = await startLogin(browser, emulator, url);
    const callback = await returnFromDingTalk(browser, { error: 'access_denied', state });
    assert.equal(callback.status, 401);
    assert.equal(callback.body.message, 'DingTalk login was not authorized: access_denied');
    assert.equal(emulator.counters.requests.token, 0);
    assert.equal((await browser.get(routes.profile)).status, 403);
  });

  it('refuses a callback whose state is not the one kept in the session', async () => {
    emulator.resetCounters();
    const browser = request.agent(url);
    await startLogin(browser, emulator, url);
    const callback = await returnFromDingTalk(browser, { authCode: emulator.issueAuthCode(), state: 'forged-state' });
    assert.equal(callback.status, 401);
    assert.equal(callback.body.message, 'Invalid authorization request state.');
    assert.equal(emulator.counters.requests.token, 0);
  });

  it("hands a DingTalk outage to Nest's exception handler (a 500), without logging in", async () => {
    emulator.inject('token', { status: 503, body: { code: 'ServiceUnavailable', message: '服务不可用' }, times: 1 });
    const browser = request.agent(url);
    const state = await startLogin(browser, emulator, url);
    const callback = await returnFromDingTalk(browser, { authCode: emulator.issueAuthCode(), state });
    assert.equal(callback.status, 500);
    assert.match(logged.at(-1) ?? '', /^DingTalkAPIError: DingTalk token exchange .*HTTP 503 ServiceUnavailable/);
    assert.equal((await browser.get(routes.profile)).status, 403);
  });
});
