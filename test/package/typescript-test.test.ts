import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packIntoWorkspace, root, run, tsc, type Workspace } from './packed';

// The testing guide's TypeScript test as a user runs it: the packed tarball and the guide's dev
// dependencies installed from the npm registry in a project outside the repository,
// example/typescript's files copied in, compiled by tsc under strict, and the output run by `node --test`.
const exampleFiles = ['chai-passport-strategy.d.ts', 'strategy.test.ts', 'tsconfig.json'];

/**
 * Runs `node --test` on a compiled test file, as a user does, and returns the counts its TAP report
 * ends with. Without NODE_TEST_CONTEXT, which this test run sets and which would make the child
 * report to it instead of printing the report.
 */
async function nodeTest(file: string, cwd: string): Promise<{ tests: number; pass: number; fail: number }> {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const report = await run(process.execPath, ['--test', '--test-reporter=tap', file], cwd, env);
  const count = (name: string) => Number(report.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? Number.NaN);
  const counted = { tests: count('tests'), pass: count('pass'), fail: count('fail') };
  assert.ok(counted.tests > 0, report);
  return counted;
}

describe('the TypeScript chai-passport-strategy test (example/typescript), with the packed tarball', () => {
  let workspace: Workspace;
  let project: string;

  before(async () => {
    workspace = await packIntoWorkspace();
    project = await workspace.project('typescript-test', [
      'chai@^4',
      '@types/chai@^4',
      'chai-passport-strategy@^3',
      '@types/node@^20',
    ]);
    for (const file of exampleFiles) {
      await copyFile(join(root, 'example', 'typescript', file), join(project, file));
    }
  });

  after(async () => {
    await workspace?.remove();
  });

  it('does not compile without the declaration: chai-passport-strategy has no types', async () => {
    const config = { extends: './tsconfig.json', compilerOptions: { noEmit: true }, files: ['strategy.test.ts'] };
    await writeFile(join(project, 'tsconfig.without-declaration.json'), JSON.stringify(config, null, 2));
    await assert.rejects(tsc(['-p', 'tsconfig.without-declaration.json'], project), (error: Error) => {
      assert.match(
        error.message,
        /error TS7016: Could not find a declaration file for module 'chai-passport-strategy'/,
      );
      assert.match(error.message, /error TS2339: Property 'passport' does not exist on type 'ChaiStatic'/);
      return true;
    });
  });

  it('compiles with the guide’s tsconfig.json under strict, and its tests pass', async () => {
    await tsc(['-p', '.', '--strict'], project);
    const { tests, pass, fail } = await nodeTest('dist/strategy.test.js', project);
    assert.deepEqual({ pass, fail }, { pass: tests, fail: 0 });
  });

  it("lets a build that includes the declaration but never imports chai compile (an app's own tsconfig)", async () => {
    await writeFile(join(project, 'app.ts'), 'export const app = 1;\n');
    const config = {
      extends: './tsconfig.json',
      compilerOptions: { noEmit: true },
      files: ['app.ts', exampleFiles[0]],
    };
    await writeFile(join(project, 'tsconfig.app.json'), JSON.stringify(config, null, 2));
    await tsc(['-p', 'tsconfig.app.json', '--strict'], project);
  });

  it('compiles and passes as an ES module (strategy.test.mts) with the same files', async () => {
    const esm = join(project, 'esm');
    await mkdir(esm);
    for (const file of exampleFiles) {
      await copyFile(join(project, file), join(esm, file.replace(/^strategy\.test\.ts$/, 'strategy.test.mts')));
    }
    await tsc(['-p', '.', '--strict'], esm);
    const { tests, pass, fail } = await nodeTest('dist/strategy.test.mjs', esm);
    assert.deepEqual({ pass, fail }, { pass: tests, fail: 0 });
  });
});
