import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { NestApplicationOptions } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { StrategyOptions } from 'passport-dingtalk-oauth2';
import { createDingTalkEmulator, type DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import { type Answer, CookieClient } from '../helpers/cookie-client.js';
import { compileNestExample } from './nest-example.mjs';

interface NestFastifyExample {
  createApp(
    settings: { dingtalk: StrategyOptions; stateSecret: string; sessionSecret: string },
    nestOptions?: NestApplicationOptions,
  ): Promise<NestFastifyApplication>;
}

interface SecureSessionCodec {
  decodeSecureSession(
    cookie: string,
  ): { data(): Record<string, unknown>; set(key: string, value: unknown): void } | null;
  encodeSecureSession(session: unknown): string;
}

const stateSecret = 'nest-fastify-state-secret-0123456789-abcd';
const sessionSecret = 'nest-fastify-session-secret-0123456789-ab';

describe('NestJS 12 on Fastify (example/nestjs-fastify): SignedCookieStateStore, no server-side session', () => {
  let emulator: DingTalkEmulator;
  let removeExample: (() => Promise<void>) | undefined;
  const apps: NestFastifyApplication[] = [];
  const urls: string[] = [];
  const agent = new Agent({ keepAlive: true });

  before(async () => {
    const compiled = await compileNestExample<NestFastifyExample>('nestjs-fastify');
    removeExample = compiled.remove;
    const example = compiled.example;
    emulator = await createDingTalkEmulator();
    const dingtalk = { ...emulator.strategyOptions(), callbackURL: '/auth/dingtalk/callback' };
    // Two instances sharing only the secrets, as behind a load balancer.
    for (let i = 0; i < 2; i++) {
      const app = await example.createApp({ dingtalk, stateSecret, sessionSecret }, { logger: false });
      await app.listen(0, '127.0.0.1');
      apps.push(app);
      urls.push(await app.getUrl());
    }
  });

  after(async () => {
    agent.destroy();
    for (const app of apps) await app.close();
    await emulator?.close();
    await removeExample?.();
  });

  /** The login's signed value, inside the encrypted session cookie of a browser's jar. */
  const codec = () => apps[0]?.getHttpAdapter().getInstance() as unknown as SecureSessionCodec;
  function readValue(jar: Map<string, string>): { name: string; value: string } | undefined {
    const cookie = jar.get('session');
    const data = (cookie && codec().decodeSecureSession(decodeURIComponent(cookie))?.data()) || {};
    const name = Object.keys(data).find((key) => key.startsWith('dingtalk_state_'));
    return name && typeof data[name] === 'string' ? { name, value: data[name] } : undefined;
  }
  function writeValue(jar: Map<string, string>, name: string, value: string): void {
    const session = codec().decodeSecureSession(decodeURIComponent(jar.get('session') ?? ''));
    assert.ok(session);
    session.set(name, value);
    jar.set('session', encodeURIComponent(codec().encodeSecureSession(session)));
  }
  function signed(payload: object): string {
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${encoded}.${createHmac('sha256', stateSecret).update(encoded).digest('base64url')}`;
  }

  async function begin(browser: CookieClient, on: number): Promise<string> {
    const start = await browser.get(`${urls[on]}/auth/dingtalk`);
    assert.equal(start.status, 302, start.body);
    return new URL(start.location ?? '').searchParams.get('state') ?? '';
  }
  const finish = (browser: CookieClient, on: number, state: string, code = emulator.issueAuthCode()) =>
    browser.get(`${urls[on]}/auth/dingtalk/callback?authCode=${code}&state=${encodeURIComponent(state)}`);
  const messageOf = (answer: Answer) => (JSON.parse(answer.body) as { message?: string }).message;

  it('starts on one instance and finishes on the other', async () => {
    const browser = new CookieClient('', agent);
    const state = await begin(browser, 0);
    assert.ok(readValue(browser.cookies), 'the signed value rides in the session cookie');
    const answer = await finish(browser, 1, state);
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(JSON.parse(answer.body), { user: { unionId: emulator.users[0]?.unionId, nick: '张三' } });
    assert.equal(readValue(browser.cookies), undefined, 'and is gone after the callback');
  });

  describe('ends in a 401 before DingTalk is asked and before verify runs', () => {
    async function failing(tamper: (jar: Map<string, string>, state: string) => void): Promise<string | undefined> {
      const browser = new CookieClient('', agent);
      const state = await begin(browser, 0);
      tamper(browser.cookies, state);
      emulator.resetCounters();
      const answer = await finish(browser, 1, state);
      assert.equal(answer.status, 401, answer.body);
      assert.equal(emulator.counters.requests.token, 0, 'DingTalk was not asked');
      return messageOf(answer);
    }

    it('with a tampered value', async () => {
      const message = await failing((jar) => {
        const { name, value } = readValue(jar) ?? { name: '', value: '' };
        const [payload, signature] = value.split('.');
        const changed = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
        changed.d = { returnTo: 'https://evil.example/' };
        writeValue(jar, name, `${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`);
      });
      assert.equal(message, 'Invalid authorization request state.');
    });

    it('with an expired value', async () => {
      const message = await failing((jar, state) => {
        const { name } = readValue(jar) ?? { name: '' };
        writeValue(jar, name, signed({ s: state, e: Date.now() - 1000 }));
      });
      assert.match(message ?? '', /expired/);
    });

    it('with the value of another login', async () => {
      const other = new CookieClient('', agent);
      await begin(other, 0);
      const message = await failing((jar) => {
        const { name } = readValue(jar) ?? { name: '' };
        writeValue(jar, name, readValue(other.cookies)?.value ?? '');
      });
      assert.equal(message, 'Invalid authorization request state.');
    });

    it('with no cookie at all', async () => {
      const message = await failing((jar) => jar.clear());
      assert.match(message ?? '', /cookie is missing/);
    });

    it('with a tampered session cookie', async () => {
      const message = await failing((jar) => {
        const cookie = jar.get('session') ?? '';
        jar.set('session', `${cookie.slice(0, 10)}${cookie[10] === 'A' ? 'B' : 'A'}${cookie.slice(11)}`);
      });
      assert.match(message ?? '', /cookie is missing/);
    });
  });

  it('refuses a replay on the same instance, and on the other one', async () => {
    const browser = new CookieClient('', agent);
    const state = await begin(browser, 0);
    const saved = new Map(browser.cookies);
    const code = emulator.issueAuthCode();
    assert.equal((await finish(browser, 1, state, code)).status, 200);
    for (const [name, value] of saved) browser.cookies.set(name, value);
    emulator.resetCounters();
    const sameInstance = await finish(browser, 1, state);
    assert.equal(sameInstance.status, 401);
    assert.equal(messageOf(sameInstance), 'This login state has already been used.');
    assert.equal(emulator.counters.requests.token, 0);
    for (const [name, value] of saved) browser.cookies.set(name, value);
    const otherInstance = await finish(browser, 0, state, code);
    assert.equal(otherInstance.status, 401, otherInstance.body);
    // DingTalk refused the used code; the profile was never asked for, so verify never ran.
    assert.equal(emulator.counters.requests.profile, 0);
  });
});
