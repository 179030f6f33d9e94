import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCallbackQuery } from '../lib/callback-query';

describe('callback query', () => {
  it('reads authCode and state', () => {
    assert.deepEqual(readCallbackQuery({ query: { authCode: 'abc', state: 's1' } }), {
      kind: 'authorized',
      code: 'abc',
      state: 's1',
    });
  });

  it('falls back to code when authCode is absent', () => {
    assert.deepEqual(readCallbackQuery({ query: { code: 'abc' } }), {
      kind: 'authorized',
      code: 'abc',
      state: undefined,
    });
  });

  it('accepts authCode and code together when they agree, and refuses them when they differ', () => {
    assert.equal(readCallbackQuery({ query: { authCode: 'x', code: 'x' } }).kind, 'authorized');
    assert.equal(readCallbackQuery({ query: { authCode: 'x', code: 'y' } }).kind, 'malformed');
  });

  it('reports an error parameter as a refusal, even next to a code', () => {
    assert.deepEqual(readCallbackQuery({ query: { error: 'access_denied', state: 's', authCode: 'c' } }), {
      kind: 'refused',
      error: 'access_denied',
      state: 's',
    });
  });

  it('starts a login when there is neither a code nor an error', () => {
    assert.deepEqual(readCallbackQuery({ query: {} }), { kind: 'start' });
    assert.deepEqual(readCallbackQuery({ query: { authCode: '', state: 'x' } }), { kind: 'start' });
  });

  it('refuses a repeated or nested parameter instead of passing it on', () => {
    for (const query of [
      { authCode: ['a', 'b'] },
      { code: ['a'] },
      { authCode: { nested: 'a' } },
      { authCode: 'a', state: ['s1', 's2'] },
      { error: ['x', 'y'] },
    ]) {
      assert.equal(readCallbackQuery({ query }).kind, 'malformed', JSON.stringify(query));
    }
  });

  it('refuses codes and states far longer than DingTalk sends', () => {
    assert.equal(readCallbackQuery({ query: { authCode: 'a'.repeat(100_000) } }).kind, 'malformed');
    assert.equal(readCallbackQuery({ query: { authCode: 'a', state: 's'.repeat(100_000) } }).kind, 'malformed');
  });

  it('reads the URL of a plain node:http request, keeping repeats visible', () => {
    assert.deepEqual(readCallbackQuery({ url: '/cb?authCode=abc&state=%E7%8A%B6' }), {
      kind: 'authorized',
      code: 'abc',
      state: '状',
    });
    assert.equal(readCallbackQuery({ url: '/cb?authCode=a&authCode=b' }).kind, 'malformed');
    assert.deepEqual(readCallbackQuery({ url: '/cb' }), { kind: 'start' });
  });

  it('ignores keys inherited from Object.prototype', () => {
    assert.deepEqual(readCallbackQuery({ query: Object.create({ authCode: 'proto' }) }), { kind: 'start' });
  });
});
