import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('the README', () => {
  // A code block right after `<!-- path -->` must be that file, which the tests run: it cannot rot.
  const embedded = [...readme.matchAll(/<!-- (\S+) -->\n```\w*\n([\s\S]*?)```/g)];

  it('embeds at least one runnable example', () => {
    assert.ok(embedded.length > 0);
  });

  for (const [, path, code] of embedded) {
    it(`shows ${path} exactly as it is`, () => {
      assert.equal(code, readFileSync(join(root, path as string), 'utf8'));
    });
  }

  it('gives the test command that .ci/run calls', () => {
    assert.match(readme, /npm ci && npm test/);
    assert.match(readFileSync(join(root, '.ci', 'run'), 'utf8'), /^npm test$/m);
  });
});
