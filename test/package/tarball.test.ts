// The package as users get it: packed once by npm from a fresh copy of the repository, installed from the
// tarball into projects outside the repository (with their other packages from the npm registry), then
// loaded by Node.js and compiled by TypeScript the ways apps do; the linters check the same tarball.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { StrategyOptions } from 'passport-dingtalk-oauth2';
import type * as Testing from 'passport-dingtalk-oauth2/testing';
import ts from 'typescript';
import { baseURL, checkNestLogin, routes } from '../frameworks/login-steps';

const root = join(__dirname, '..', '..');

/** Runs a command and returns its stdout; a failure shows the command's own output. */
async function run(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const options = { cwd, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 } as const;
    return (await promisify(execFile)(command, args, options)).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}
const tsc = (args: string[], cwd: string) =>
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), ...args], cwd);

let dir: string;
let tarball: string;
let packedPaths: string[];

/** Creates a project that installs the tarball and `dependencies` from the npm registry. */
async function project(name: string, dependencies: string[]): Promise<string> {
  const projectDir = join(dir, name);
  await mkdir(projectDir);
  await writeFile(join(projectDir, 'package.json'), JSON.stringify({ name, private: true }));
  const flags = ['--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error'];
  await run('npm', ['install', ...flags, tarball, ...dependencies], projectDir);
  return projectDir;
}

// Packed as `npm publish` would from a fresh clone: a copy of the files git tracks (or would track), with
// no dist/, packed by a plain `npm pack`, whose `prepack` must build. Only node_modules is linked from the
// repository, standing in for `npm ci`; the tarball lands outside the repository's node_modules.
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'passport-dingtalk-oauth2-package-'));
  const clone = join(dir, 'fresh-clone');
  const listed = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root);
  // A worktree's node_modules symlink is listed as untracked (`node_modules/` matches only a folder).
  for (const path of listed.split('\0').filter((file) => file && file !== 'node_modules')) {
    if (!existsSync(join(root, path))) continue;
    await mkdir(dirname(join(clone, path)), { recursive: true });
    await copyFile(join(root, path), join(clone, path));
  }
  assert.ok(!existsSync(join(clone, 'dist')), 'a fresh clone has no dist/');
  await symlink(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const output = await run('npm', ['pack', '--json', '--pack-destination', dir], clone);
  const [packed] = JSON.parse(output.slice(output.search(/^\[/m))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  assert.ok(packed, 'npm pack reported no tarball');
  tarball = join(dir, packed.filename);
  packedPaths = packed.files.map((file) => file.path);
});
after(() => rm(dir, { recursive: true, force: true }));

describe('the packed tarball', { concurrency: true }, () => {
  it('holds the build, its declarations for both module systems, and no sources or tests', () => {
    for (const entry of ['index', 'testing/index']) {
      for (const extension of ['.js', '.mjs', '.d.ts', '.d.mts']) {
        assert.ok(packedPaths.includes(`dist/${entry}${extension}`), `dist/${entry}${extension} is not packed`);
      }
    }
    const allowed =
      /^(dist\/.+\.(js|mjs|d\.ts|d\.mts)|package\.json|[A-Z]+\.md|README\.zh-CN\.md|docs\/[\w.-]+\.md|LICENSE)$/;
    assert.deepEqual(
      packedPaths.filter((path) => !allowed.test(path)),
      [],
    );
  });

  it('passes publint (strict), which reports nothing, not even a suggestion', async () => {
    const { publint } = await import('publint');
    const { formatMessage } = await import('publint/utils');
    const bytes = await readFile(tarball);
    const pack = { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
    const { messages, pkg } = await publint({ pack, strict: true, level: 'suggestion' });
    assert.deepEqual(
      messages.map((message) => `${message.type}: ${formatMessage(message, pkg) ?? message.code}`),
      [],
    );
  });

  it('has no problem for Are the Types Wrong (attw): node10, node16 (CommonJS and ESM) or bundlers', async () => {
    const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
    // --no-definitely-typed: the package ships its own types, so there is no @types package to fetch.
    const output = await run(process.execPath, [attw, tarball, '--no-definitely-typed', '--format', 'json'], root);
    const report = JSON.parse(output) as { problems: Record<string, unknown>; analysis: { entrypoints: object } };
    assert.deepEqual(report.problems, {});
    assert.deepEqual(Object.keys(report.analysis.entrypoints).sort(), ['.', './package.json', './testing']);
  });

  // What an editor shows on hover comes from the TSDoc in the built declarations.
  it('documents every exported name and every public member of its classes and interfaces with TSDoc', () => {
    const entries = ['dist/index.d.ts', 'dist/index.d.mts', 'dist/testing/index.d.ts', 'dist/testing/index.d.mts'];
    const program = ts.createProgram(
      entries.map((entry) => join(root, entry)),
      { strict: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, noEmit: true },
    );
    const checker = program.getTypeChecker();
    const missing = new Set<string>();
    const documented = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).length > 0;
    const isPrivate = (node: ts.Node) =>
      (ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : []).some(
        (modifier) => modifier.kind === ts.SyntaxKind.PrivateKeyword,
      ) ||
      (ts.isClassElement(node) && node.name !== undefined && ts.isPrivateIdentifier(node.name));
    for (const entry of entries) {
      const source = program.getSourceFile(join(root, entry));
      assert.ok(source, `${entry} is missing: run \`npm run build\` first`);
      const moduleSymbol = checker.getSymbolAtLocation(source);
      assert.ok(moduleSymbol);
      for (const exported of checker.getExportsOfModule(moduleSymbol)) {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        for (const declaration of symbol.declarations ?? []) {
          const statement = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
          if (!documented(statement)) missing.add(symbol.name);
          if (!ts.isClassDeclaration(declaration) && !ts.isInterfaceDeclaration(declaration)) continue;
          for (const member of declaration.members) {
            if (isPrivate(member) || documented(member)) continue;
            const name = ts.isConstructorDeclaration(member) ? 'constructor' : (member.name?.getText() ?? '(unnamed)');
            missing.add(`${symbol.name}.${name}`);
          }
        }
      }
    }
    assert.deepEqual([...missing].sort(), []);
  });

  describe('installed in a project with passport', () => {
    let consumer: string;
    const node = (args: string[]) => run(process.execPath, args, consumer);
    before(async () => {
      consumer = await project('consumer', ['passport@^0.7.0', '@types/node@^20']);
      for (const extension of ['ts', 'cts', 'mts']) {
        await copyFile(join(__dirname, 'fixtures', 'consumer.ts'), join(consumer, `consumer.${extension}`));
      }
    });

    it('gives require() and import the Strategy constructor itself, the same classes, the errors and the emulator', async () => {
      const cjs = `const dingtalk = require('passport-dingtalk-oauth2');
        const testing = require('passport-dingtalk-oauth2/testing');
        const options = { clientID: 'id', clientSecret: 'secret', callbackURL: '/cb' };
        console.log(JSON.stringify({
          name: new dingtalk.Strategy(options, () => {}).name,
          moduleIsStrategy: dingtalk === dingtalk.Strategy,
          constructed: new dingtalk(options, () => {}) instanceof dingtalk.Strategy,
          defaultIsStrategy: dingtalk.default === dingtalk.Strategy,
          errors: ['DingTalkError', 'DingTalkAPIError', 'DingTalkResponseError', 'DingTalkNetworkError', 'DingTalkTimeoutError']
            .every((name) => typeof dingtalk[name] === 'function'),
          emulator: typeof testing.createDingTalkEmulator,
          inApp: new dingtalk.InAppStrategy({ clientID: 'id', clientSecret: 'secret', corpId: 'dingcorp' }, () => {}).name,
        }));`;
      assert.deepEqual(JSON.parse(await node(['-e', cjs])), {
        name: 'dingtalk',
        moduleIsStrategy: true,
        constructed: true,
        defaultIsStrategy: true,
        errors: true,
        emulator: 'function',
        inApp: 'dingtalk-inapp',
      });
      const esm = `import { createRequire } from 'node:module';
        import DingTalkStrategy, { Strategy, DingTalkAPIError, InAppStrategy } from 'passport-dingtalk-oauth2';
        import { createDingTalkEmulator } from 'passport-dingtalk-oauth2/testing';
        const require = createRequire(import.meta.url);
        const cjs = require('passport-dingtalk-oauth2');
        console.log(JSON.stringify([
          DingTalkStrategy === Strategy, cjs.Strategy === Strategy, cjs === Strategy, cjs.DingTalkAPIError === DingTalkAPIError,
          require('passport-dingtalk-oauth2/testing').createDingTalkEmulator === createDingTalkEmulator,
          typeof InAppStrategy === 'function' && cjs.InAppStrategy === InAppStrategy,
        ]));`;
      assert.deepEqual(JSON.parse(await node(['--input-type=module', '-e', esm])), Array(6).fill(true));
    });

    it('installs the passport-dingtalk-oauth2-emulator command', async () => {
      const bin = join(consumer, 'node_modules', '.bin', 'passport-dingtalk-oauth2-emulator');
      assert.match(await run(bin, ['--help'], consumer), /Runs a local DingTalk \(钉钉\) login page and API/);
    });

    // Each compiled consumer logs a user in through the emulator and prints what it saw.
    const expected = {
      defaultExportIsStrategy: true,
      errorsAreErrors: true,
      redirectsToEmulator: true,
      redirectURI: '<app>/callback',
      unionId: 'union-lisi',
    };
    const settings: Array<[string, object, string[], string[]]> = [
      // Here the declarations themselves (.d.ts and .d.mts) are checked too: skipLibCheck off.
      [
        'node16 as CommonJS (.cts) and as an ES module (.mts), declarations checked',
        { module: 'node16', moduleResolution: 'node16', skipLibCheck: false, outDir: 'out-node16' },
        ['consumer.cts', 'consumer.mts'],
        ['out-node16/consumer.cjs', 'out-node16/consumer.mjs'],
      ],
      ['bundler', { module: 'preserve', moduleResolution: 'bundler', noEmit: true }, ['consumer.ts'], []],
      [
        'node10 (through typesVersions for passport-dingtalk-oauth2/testing)',
        { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, outDir: 'out-node10' },
        ['consumer.ts'],
        ['out-node10/consumer.js'],
      ],
    ];
    for (const [name, options, files, outputs] of settings) {
      it(`compiles under strict TypeScript with moduleResolution ${name}${outputs.length ? ', and runs' : ''}`, async () => {
        const base = { strict: true, skipLibCheck: true, target: 'ES2022', types: ['node'] };
        const config = `tsconfig.${files.join('-')}.${outputs.length}.json`;
        await writeFile(join(consumer, config), JSON.stringify({ compilerOptions: { ...base, ...options }, files }));
        await tsc(['-p', config], consumer);
        for (const output of outputs) assert.deepEqual(JSON.parse(await node([output])), expected);
      });
    }
  });

  // The testing guide's TypeScript test (example/typescript) as a user runs it, with the guide's dev dependencies.
  describe('example/typescript, the chai-passport-strategy test in TypeScript', () => {
    const exampleFiles = ['chai-passport-strategy.d.ts', 'strategy.test.ts', 'tsconfig.json'];
    let typescriptTest: string;
    before(async () => {
      typescriptTest = await project('typescript-test', [
        'chai@^4',
        '@types/chai@^4',
        'chai-passport-strategy@^3',
        '@types/node@^20',
      ]);
      // Side by side, each with its tsconfig.json (which compiles its whole folder), the project's node_modules above.
      for (const folder of ['cjs', 'esm']) {
        await mkdir(join(typescriptTest, folder));
        for (const file of exampleFiles) {
          const copy = folder === 'esm' ? file.replace(/\.test\.ts$/, '.test.mts') : file;
          await copyFile(join(root, 'example', 'typescript', file), join(typescriptTest, folder, copy));
        }
      }
    });
    /** Writes a tsconfig extending the guide's, with `files`, and compiles it under strict. */
    async function compileWith(name: string, files: string[]): Promise<string> {
      const config = { extends: './tsconfig.json', compilerOptions: { noEmit: true }, files };
      await writeFile(join(typescriptTest, 'cjs', name), JSON.stringify(config));
      return tsc(['-p', name, '--strict'], join(typescriptTest, 'cjs'));
    }

    it('does not compile without the declaration: chai-passport-strategy has no types', async () => {
      await assert.rejects(compileWith('tsconfig.without-declaration.json', ['strategy.test.ts']), (error: Error) => {
        assert.match(
          error.message,
          /error TS7016: Could not find a declaration file for module 'chai-passport-strategy'/,
        );
        assert.match(error.message, /error TS2339: Property 'passport' does not exist on type 'ChaiStatic'/);
        return true;
      });
    });

    it("lets a build that includes the declaration but never imports chai compile (an app's own tsconfig)", async () => {
      await writeFile(join(typescriptTest, 'cjs', 'app.ts'), 'export const app = 1;\n');
      await compileWith('tsconfig.app.json', ['app.ts', 'chai-passport-strategy.d.ts']);
    });

    // Without NODE_TEST_CONTEXT, which this run sets and which would make the child report to it instead.
    for (const [folder, output] of [
      ['cjs', 'dist/strategy.test.js'],
      ['esm', 'dist/strategy.test.mjs'],
    ] as const) {
      it(`compiles with the guide's tsconfig.json under strict, and passes under node --test (${output})`, async () => {
        const cwd = join(typescriptTest, folder);
        await tsc(['-p', '.', '--strict'], cwd);
        const { NODE_TEST_CONTEXT: _, ...env } = process.env;
        const report = await run(process.execPath, ['--test', '--test-reporter=tap', output], cwd, env);
        const count = (name: string) => Number(report.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1]);
        assert.ok(count('tests') > 0, report);
        assert.deepEqual([count('pass'), count('fail')], [count('tests'), 0], report);
      });
    }
  });

  // NestJS 10 and 11 are CommonJS: example/nestjs (ES modules, for NestJS 12) is copied into a project
  // with that NestJS version, compiled there by tsc as CommonJS, and run through a login.
  for (const major of [10, 11]) {
    describe(`NestJS ${major}: example/nestjs compiled by tsc as CommonJS`, () => {
      let app: {
        listen(port: number, host: string): Promise<unknown>;
        getHttpServer(): Server;
        close(): Promise<void>;
      };
      let emulator: Testing.DingTalkEmulator;
      before(async () => {
        const nest = await project(`nestjs${major}`, [
          ...['core', 'common', 'platform-express', 'passport'].map((name) => `@nestjs/${name}@^${major}`),
          ...['reflect-metadata', 'rxjs@^7', 'passport@^0.7.0', 'express-session', '@types/express-session'],
          '@types/node@^20',
        ]);
        await mkdir(join(nest, 'src'));
        const exampleDir = join(root, 'example', 'nestjs');
        // Not main.mts, which uses top-level await; './auth.guards.mjs' in an ES module is './auth.guards' here.
        for (const name of (await readdir(exampleDir)).filter((file) => /(?<!main)\.mts$/.test(file))) {
          const source = await readFile(join(exampleDir, name), 'utf8');
          await writeFile(
            join(nest, 'src', name.replace(/\.mts$/, '.ts')),
            source.replace(/(from '\.\/[\w.-]+)\.mjs'/g, "$1'"),
          );
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
        await writeFile(join(nest, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
        await tsc(['-p', 'tsconfig.json'], nest);
        // Everything below is loaded from the project: its NestJS, its passport, the packed package.
        const load = createRequire(join(nest, 'package.json'));
        emulator = await (load('passport-dingtalk-oauth2/testing') as typeof Testing).createDingTalkEmulator();
        const example = load('./out/create-app.js') as {
          createApp(s: { dingtalk: StrategyOptions; sessionSecret: string }, o: object): Promise<typeof app>;
        };
        const dingtalk = { ...emulator.strategyOptions(), callbackURL: routes.callback };
        app = await example.createApp({ dingtalk, sessionSecret: 'nestjs test session secret' }, { logger: ['error'] });
        await app.listen(0, '127.0.0.1');
      });
      after(async () => {
        await app?.close();
        await emulator?.close();
      });

      it('logs 李四 in on the guarded profile route; Cancel and a forged state get 401 with the reason', () =>
        checkNestLogin({ url: baseURL(app.getHttpServer()), emulator, close: async () => {} }));
    });
  }
});
