// Both NestJS 12 examples over real HTTP against the emulator. Nest needs the decorator metadata only
// tsc emits, so each example is transpiled by TypeScript into a scratch folder inside the repository,
// where its packages resolve as in an app (`npm run typetest` type-checks the examples).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { StrategyOptions } from 'passport-dingtalk-oauth2';
import { createDingTalkEmulator, type DingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
import request from 'supertest';
import ts from 'typescript';
import { type Answer, CookieClient } from '../helpers/cookie-client.js';
import { baseURL, checkNestLogin, goThroughDingTalk, routes } from './login-steps.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch: string[] = [];
after(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

/** example/<name>'s create-app module, transpiled with decorator metadata (main.mts, which listens, left out). */
async function loadNestExample<T>(name: string): Promise<T> {
  await mkdir(join(root, '.tmp'), { recursive: true });
  const outDir = await mkdtemp(join(root, '.tmp', `${name}-example-`));
  scratch.push(outDir);
  const compilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    experimentalDecorators: true,
  };
  for (const file of (await readdir(join(root, 'example', name))).filter((f) => /(?<!main)\.mts$/.test(f))) {
    const source = await readFile(join(root, 'example', name, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { ...compilerOptions, emitDecoratorMetadata: true },
    });
    await writeFile(join(outDir, file.replace(/\.mts$/, '.mjs')), outputText);
  }
  return (await import(pathToFileURL(join(outDir, 'create-app.mjs')).href)) as T;
}

describe('NestJS 12 (example/nestjs): PassportStrategy, AuthGuard and express-session', () => {
  let emulator: DingTalkEmulator;
  let app: INestApplication;
  let url: string;
  // Nest's exception handler logs the errors it turns into a 500: keep them for the assertions.
  const logged: string[] = [];
  const logger = { log: () => {}, warn: () => {}, error: (message: unknown) => logged.push(String(message)) };

  before(async () => {
    const example = await loadNestExample<{
      createApp(
        s: { dingtalk: StrategyOptions; sessionSecret: string },
        o: NestApplicationOptions,
      ): Promise<INestApplication>;
    }>('nestjs');
    emulator = await createDingTalkEmulator();
    const dingtalk = { ...emulator.strategyOptions(), callbackURL: routes.callback };
    app = await example.createApp({ dingtalk, sessionSecret: 'nestjs test session secret' }, { logger });
    await app.listen(0, '127.0.0.1');
    url = baseURL(app.getHttpServer() as Server);
  });
  after(async () => {
    await app?.close();
    await emulator?.close();
  });

  it('logs 李四 in on the guarded profile route; Cancel and a forged state get 401 with the reason', () =>
    checkNestLogin({ url, emulator, close: async () => {} }));

  it("hands a DingTalk outage to Nest's exception handler (a 500), without logging in", async () => {
    emulator.inject('token', { status: 503, body: { code: 'ServiceUnavailable', message: '服务不可用' }, times: 1 });
    const browser = request.agent(url);
    const callback = await goThroughDingTalk(
      browser,
      { url, emulator, close: async () => {} },
      { unionId: 'union-lisi' },
    );
    assert.equal(callback.status, 500);
    assert.match(logged.at(-1) ?? '', /^DingTalkAPIError: DingTalk token exchange .*HTTP 503 ServiceUnavailable/);
    assert.equal((await browser.get(routes.profile)).status, 403);
  });
});

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
  const apps: NestFastifyApplication[] = [];
  const urls: string[] = [];
  const agent = new Agent({ keepAlive: true });

  before(async () => {
    const example = await loadNestExample<{
      createApp(
        s: { dingtalk: StrategyOptions; stateSecret: string; sessionSecret: string },
        o: NestApplicationOptions,
      ): Promise<NestFastifyApplication>;
    }>('nestjs-fastify');
    emulator = await createDingTalkEmulator();
    const dingtalk = { ...emulator.strategyOptions(), callbackURL: routes.callback };
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
  });

  /** The login's signed value, inside the encrypted session cookie of a browser's jar. */
  const codec = () => apps[0]?.getHttpAdapter().getInstance() as unknown as SecureSessionCodec;
  function readValue(jar: Map<string, string>): { name: string; value: string } | undefined {
    const cookie = jar.get('session');
    const data = (cookie && codec().decodeSecureSession(decodeURIComponent(cookie))?.data()) || {};
    const name = Object.keys(data).find((key) => /^dingtalk_state_[\w-]{16}$/.test(key));
    return name && typeof data[name] === 'string' ? { name, value: data[name] } : undefined;
  }
  function writeValue(jar: Map<string, string>, value: (name: string, old: string) => string): void {
    const { name, value: old } = readValue(jar) ?? { name: '', value: '' };
    const session = codec().decodeSecureSession(decodeURIComponent(jar.get('session') ?? ''));
    assert.ok(session);
    session.set(name, value(name, old));
    jar.set('session', encodeURIComponent(codec().encodeSecureSession(session)));
  }
  const base64 = (payload: object) => Buffer.from(JSON.stringify(payload)).toString('base64url');
  const sign = (encoded: string) =>
    `${encoded}.${createHmac('sha256', stateSecret).update(encoded).digest('base64url')}`;

  async function begin(browser: CookieClient, on: number): Promise<string> {
    const start = await browser.get(`${urls[on]}${routes.login}`);
    assert.equal(start.status, 302, start.body);
    return new URL(start.location ?? '').searchParams.get('state') ?? '';
  }
  const finish = (browser: CookieClient, on: number, state: string, code = emulator.issueAuthCode()) =>
    browser.get(`${urls[on]}${routes.callback}?authCode=${code}&state=${encodeURIComponent(state)}`);
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

  const tampered: Array<[string, (jar: Map<string, string>, state: string) => Promise<void> | void, RegExp]> = [
    [
      'a tampered value',
      (jar) =>
        writeValue(jar, (_name, old) => {
          const [payload = '', signature] = old.split('.');
          const changed = JSON.parse(Buffer.from(payload, 'base64url').toString());
          return `${base64({ ...changed, d: { returnTo: 'https://evil.example/' } })}.${signature}`;
        }),
      /^Invalid authorization request state\.$/,
    ],
    [
      'an expired value',
      (jar, state) => writeValue(jar, () => sign(base64({ s: state, e: Date.now() - 1000 }))),
      /expired/,
    ],
    [
      'the value of another login',
      async (jar) => {
        const other = new CookieClient('', agent);
        await begin(other, 0);
        writeValue(jar, () => readValue(other.cookies)?.value ?? '');
      },
      /^Invalid authorization request state\.$/,
    ],
    ['no cookie at all', (jar) => jar.clear(), /cookie is missing/],
    [
      'a tampered session cookie',
      (jar) => {
        const cookie = jar.get('session') ?? '';
        jar.set('session', `${cookie.slice(0, 10)}${cookie[10] === 'A' ? 'B' : 'A'}${cookie.slice(11)}`);
      },
      /cookie is missing/,
    ],
  ];
  for (const [what, tamper, message] of tampered) {
    it(`ends in a 401 with ${what}, before DingTalk is asked and before verify runs`, async () => {
      const browser = new CookieClient('', agent);
      const state = await begin(browser, 0);
      await tamper(browser.cookies, state);
      emulator.resetCounters();
      const answer = await finish(browser, 1, state);
      assert.equal(answer.status, 401, answer.body);
      assert.equal(emulator.counters.requests.token, 0, 'DingTalk was not asked');
      assert.match(messageOf(answer) ?? '', message);
    });
  }

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
