import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// These run against the build in dist/, through the package's own "exports" map, as users load it.
const root = join(__dirname, '..');
const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();

const probe = `
  const names = ['Strategy', 'DingTalkError', 'DingTalkAPIError', 'DingTalkResponseError', 'DingTalkNetworkError', 'DingTalkTimeoutError'];
  const s = new m.Strategy({ clientID: 'id', clientSecret: 'secret', callbackURL: '/cb' }, (a, r, p, done) => done(null, {}));
  out({ name: s.name, defaultIsStrategy: m.default === m.Strategy, types: names.map((n) => typeof m[n]),
        apiErrorIsDingTalkError: new m.DingTalkAPIError('token', { status: 400, code: 'x', description: '' }) instanceof m.DingTalkError });
`;
const expected = {
  name: 'dingtalk',
  defaultIsStrategy: true,
  types: ['function', 'function', 'function', 'function', 'function', 'function'],
  apiErrorIsDingTalkError: true,
};

describe('the published package', () => {
  it("exposes Strategy, the default export and the errors to require('passport-dingtalk-oauth2')", () => {
    const output = run([
      '-e',
      `const m = require('passport-dingtalk-oauth2'); const out = (v) => console.log(JSON.stringify(v)); ${probe}`,
    ]);
    assert.deepEqual(JSON.parse(output), expected);
  });

  it("exposes the same to import ... from 'passport-dingtalk-oauth2'", () => {
    const output = run([
      '--input-type=module',
      '-e',
      `import * as m from 'passport-dingtalk-oauth2'; import Default from 'passport-dingtalk-oauth2';
       const out = (v) => console.log(JSON.stringify({ ...v, defaultImportIsStrategy: Default === m.Strategy })); ${probe}`,
    ]);
    assert.deepEqual(JSON.parse(output), { ...expected, defaultImportIsStrategy: true });
  });

  it('gives one Strategy class to both module systems', () => {
    const output = run([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module'; import { Strategy } from 'passport-dingtalk-oauth2';
       console.log(createRequire(import.meta.url)('passport-dingtalk-oauth2').Strategy === Strategy);`,
    ]);
    assert.equal(output, 'true');
  });
});
