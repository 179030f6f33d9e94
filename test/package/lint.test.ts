import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packIntoWorkspace, root, run, type Workspace } from './packed';

// The same checks as `publint --strict` and `attw --pack .`, on the tarball npm packs, held to
// "nothing to report": a suggestion counts as a failure too.
describe('package linters on the packed tarball', () => {
  let workspace: Workspace;

  before(async () => {
    workspace = await packIntoWorkspace();
  });

  after(async () => {
    await workspace?.remove();
  });

  it('publint (strict) reports nothing, not even a suggestion', async () => {
    const { publint } = await import('publint');
    const { formatMessage } = await import('publint/utils');
    const tarball = await readFile(workspace.tarball);
    const pack = { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) };
    const { messages, pkg } = await publint({ pack, strict: true, level: 'suggestion' });
    const reported = messages.map((message) => `${message.type}: ${formatMessage(message, pkg) ?? message.code}`);
    assert.deepEqual(reported, []);
  });

  it('Are the Types Wrong (attw) finds no problem for node10, node16 (CommonJS and ESM) or bundlers', async () => {
    const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
    // --no-definitely-typed: the package ships its own types, so there is no @types package to fetch.
    const output = await run(
      process.execPath,
      [attw, workspace.tarball, '--no-definitely-typed', '--format', 'json'],
      root,
    );
    const report = JSON.parse(output) as { problems: Record<string, unknown>; analysis: { entrypoints: object } };
    assert.deepEqual(report.problems, {});
    assert.deepEqual(Object.keys(report.analysis.entrypoints).sort(), ['.', './package.json', './testing']);
  });
});
