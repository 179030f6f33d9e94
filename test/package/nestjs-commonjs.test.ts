import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StrategyOptions } from 'passport-dingtalk-oauth2';
import type * as Testing from 'passport-dingtalk-oauth2/testing';
import request from 'supertest';
import { baseURL, dingtalkOptions, logInAs, returnFromDingTalk, routes, startLogin } from '../frameworks/login-steps';
import { packIntoWorkspace, root, tsc, type Workspace } from './packed';

// NestJS 10 and 11 are CommonJS. The NestJS example (example/nestjs, written as ES modules for
// NestJS 12) is copied into a project that installed the packed tarball and that NestJS version
// from the npm registry, compiled there by tsc as CommonJS, and run through a login.
const exampleDir = join(root, 'example', 'nestjs');

/** The part of a NestJS 10/11 application the test uses (its types live in the project, not here). */
interface NestApplication {
  listen(port: number, hostname: string): Promise<unknown>;
  getHttpServer(): Server;
  close(): Promise<void>;
}

/** What the compiled example/nestjs/create-app exports. */
interface NestExample {
  createApp(
    settings: { dingtalk: StrategyOptions; sessionSecret: string },
    nestOptions?: { logger?: string[] },
  ): Promise<NestApplication>;
}

/** Copies the example's modules (not main.mts, which uses top-level await) as CommonJS sources. */
async function copyExampleAsCommonJS(sourceDir: string): Promise<void> {
  await mkdir(sourceDir);
  for (const name of await readdir(exampleDir)) {
    if (!name.endsWith('.mts') || name === 'main.mts') continue;
    const source = await readFile(join(exampleDir, name), 'utf8');
    // './auth.guards.mjs' in an ES module is './auth.guards' in a CommonJS one.
    const commonjs = source.replace(/from '(\.\/[\w.-]+)\.mjs'/g, "from '$1'");
    await writeFile(join(sourceDir, name.replace(/\.mts$/, '.ts')), commonjs);
  }
}

const compilerOptions = {
  strict: true,
  target: 'ES2022',
  module: 'commonjs',
  moduleResolution: 'node10',
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  skipLibCheck: true,
  types: ['node'],
  rootDir: 'src',
  outDir: 'out',
};

describe('NestJS 10 and 11 (CommonJS) with the packed tarball', { concurrency: true }, () => {
  let workspace: Workspace;

  before(async () => {
    workspace = await packIntoWorkspace();
  });

  after(async () => {
    await workspace?.remove();
  });

  for (const major of [10, 11]) {
    describe(`NestJS ${major}: example/nestjs compiled by tsc as CommonJS`, () => {
      let emulator: Testing.DingTalkEmulator;
      let app: NestApplication;
      let url: string;

      before(async () => {
        const project = await workspace.project(`nestjs${major}`, [
          `@nestjs/core@^${major}`,
          `@nestjs/common@^${major}`,
          `@nestjs/platform-express@^${major}`,
          `@nestjs/passport@^${major}`,
          'reflect-metadata',
          'rxjs@^7',
          'passport@^0.7.0',
          'express-session',
          '@types/express-session',
          '@types/node@^20',
        ]);
        await copyExampleAsCommonJS(join(project, 'src'));
        await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }, null, 2));
        await tsc(['-p', 'tsconfig.json'], project);

        // Everything below is loaded from the project: its NestJS, its passport, the packed package.
        const load = createRequire(join(project, 'package.json'));
        const testing = load('passport-dingtalk-oauth2/testing') as typeof Testing;
        const example = load('./out/create-app.js') as NestExample;
        emulator = await testing.createDingTalkEmulator();
        app = await example.createApp(
          { dingtalk: dingtalkOptions(emulator), sessionSecret: 'nestjs test session secret' },
          { logger: ['error'] },
        );
        await app.listen(0, '127.0.0.1');
        url = baseURL(app.getHttpServer());
      });

      after(async () => {
        await app?.close();
        await emulator?.close();
      });

      it('logs a DingTalk user in and shows their unionId on the guarded profile route', async () => {
        const user = emulator.users[1];
        assert.ok(user);
        const browser = request.agent(url);
        assert.equal((await browser.get(routes.profile)).status, 403, 'the profile route must need a login');
        await logInAs(browser, emulator, url, user);
      });

      it('answers 401 with the reason when the user cancels on DingTalk (error=access_denied)', async () => {
        emulator.resetCounters();
        const browser = request.agent(url);
        const state = await startLogin(browser, emulator, url);
        const callback = await returnFromDingTalk(browser, { error: 'access_denied', state });
        assert.equal(callback.status, 401);
        assert.equal(callback.body.message, 'DingTalk login was not authorized: access_denied');
        assert.equal(emulator.counters.requests.token, 0);
      });
    });
  }
});
