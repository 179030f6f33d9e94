import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packIntoWorkspace, run, tsc, type Workspace } from './packed';

// The package as users get it: packed by npm, installed from the tarball into a project outside
// the repository (with passport and @types/node from the npm registry), then loaded by Node.js
// and compiled by TypeScript the ways apps do.
describe('the packed tarball, installed in a project', () => {
  let workspace: Workspace;
  let project: string;
  const node = (args: string[]) => run(process.execPath, args, project);

  before(async () => {
    workspace = await packIntoWorkspace();
    project = await workspace.project('consumer', ['passport@^0.7.0', '@types/node@^20']);
    await copyFile(join(__dirname, 'fixtures', 'consumer.ts'), join(project, 'consumer.ts'));
  });

  after(async () => {
    await workspace?.remove();
  });

  it('holds the build, its declarations for both module systems, and no sources or tests', () => {
    const paths = workspace.files.map((file) => file.path);
    for (const entry of ['index', 'testing/index']) {
      for (const extension of ['.js', '.mjs', '.d.ts', '.d.mts']) {
        assert.ok(paths.includes(`dist/${entry}${extension}`), `dist/${entry}${extension} is not packed`);
      }
    }
    const unexpected = paths.filter(
      (path) =>
        !/^(dist\/.+\.(js|mjs|d\.ts|d\.mts)|package\.json|[A-Z]+\.md|README\.zh-CN\.md|docs\/[\w.-]+\.md|LICENSE)$/.test(
          path,
        ),
    );
    assert.deepEqual(unexpected, []);
  });

  it('gives require() the Strategy constructor itself, with .Strategy, the default export, the errors and the emulator', async () => {
    const output = await node([
      '-e',
      `const dingtalk = require('passport-dingtalk-oauth2');
       const testing = require('passport-dingtalk-oauth2/testing');
       console.log(JSON.stringify({
         name: new dingtalk.Strategy({ clientID: 'id', clientSecret: 'secret', callbackURL: '/cb' }, () => {}).name,
         moduleIsStrategy: dingtalk === dingtalk.Strategy,
         constructed: new dingtalk({ clientID: 'id', clientSecret: 'secret', callbackURL: '/cb' }, () => {}) instanceof dingtalk.Strategy,
         defaultIsStrategy: dingtalk.default === dingtalk.Strategy,
         errors: ['DingTalkError', 'DingTalkAPIError', 'DingTalkResponseError', 'DingTalkNetworkError', 'DingTalkTimeoutError']
           .every((name) => typeof dingtalk[name] === 'function'),
         emulator: typeof testing.createDingTalkEmulator,
         inApp: new dingtalk.InAppStrategy({ clientID: 'id', clientSecret: 'secret', corpId: 'dingcorp' }, () => {}).name,
       }));`,
    ]);
    assert.deepEqual(JSON.parse(output), {
      inApp: 'dingtalk-inapp',
      name: 'dingtalk',
      moduleIsStrategy: true,
      constructed: true,
      defaultIsStrategy: true,
      errors: true,
      emulator: 'function',
    });
  });

  it('gives the same to import, and the very same classes as require()', async () => {
    const output = await node([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       import DingTalkStrategy, { Strategy, DingTalkAPIError, InAppStrategy } from 'passport-dingtalk-oauth2';
       import { createDingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
       const require = createRequire(import.meta.url);
       console.log(JSON.stringify({
         defaultIsStrategy: DingTalkStrategy === Strategy,
         sameStrategy: require('passport-dingtalk-oauth2').Strategy === Strategy,
         requireIsStrategy: require('passport-dingtalk-oauth2') === Strategy,
         sameErrors: require('passport-dingtalk-oauth2').DingTalkAPIError === DingTalkAPIError,
         sameEmulator: require('passport-dingtalk-oauth2/testing').createDingTalkEmulator === createDingTalkEmulator,
         sameInApp: typeof InAppStrategy === 'function' && require('passport-dingtalk-oauth2').InAppStrategy === InAppStrategy,
       }));`,
    ]);
    assert.deepEqual(JSON.parse(output), {
      sameInApp: true,
      defaultIsStrategy: true,
      sameStrategy: true,
      requireIsStrategy: true,
      sameErrors: true,
      sameEmulator: true,
    });
  });

  it('installs the passport-dingtalk-oauth2-emulator command', async () => {
    const output = await run(
      join(project, 'node_modules', '.bin', 'passport-dingtalk-oauth2-emulator'),
      ['--help'],
      project,
    );
    assert.match(output, /Runs a local DingTalk \(钉钉\) login page and API for passport-dingtalk-oauth2/);
  });

  describe('TypeScript, strict', () => {
    const compilerOptions = { strict: true, skipLibCheck: true, target: 'ES2022', types: ['node'] };
    const expected = {
      defaultExportIsStrategy: true,
      errorsAreErrors: true,
      redirectsToEmulator: true,
      redirectURI: '<app>/callback',
      unionId: 'union-lisi',
    };

    async function compile(name: string, options: object, files: string[]): Promise<void> {
      const config = { compilerOptions: { ...compilerOptions, ...options }, files };
      await writeFile(join(project, name), JSON.stringify(config, null, 2));
      await tsc(['-p', name], project);
    }

    it('compiles with moduleResolution node16 as CommonJS (.cts) and as an ES module (.mts), and both run', async () => {
      await copyFile(join(project, 'consumer.ts'), join(project, 'consumer.cts'));
      await copyFile(join(project, 'consumer.ts'), join(project, 'consumer.mts'));
      // Here the declarations themselves (.d.ts and .d.mts) are checked too: skipLibCheck off.
      const options = { module: 'node16', moduleResolution: 'node16', skipLibCheck: false, outDir: 'out-node16' };
      await compile('tsconfig.node16.json', options, ['consumer.cts', 'consumer.mts']);
      assert.deepEqual(JSON.parse(await node(['out-node16/consumer.cjs'])), expected);
      assert.deepEqual(JSON.parse(await node(['out-node16/consumer.mjs'])), expected);
    });

    it('compiles with moduleResolution bundler', async () => {
      await compile('tsconfig.bundler.json', { module: 'preserve', moduleResolution: 'bundler', noEmit: true }, [
        'consumer.ts',
      ]);
    });

    it('compiles with moduleResolution node10 (through typesVersions for passport-dingtalk-oauth2/testing)', async () => {
      const options = { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, outDir: 'out-node10' };
      await compile('tsconfig.node10.json', options, ['consumer.ts']);
      assert.deepEqual(JSON.parse(await node(['out-node10/consumer.js'])), expected);
    });
  });
});
