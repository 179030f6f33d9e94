import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CallbackRequest, presentQuery, readCallbackQuery } from '../lib/browser/callback-request';

/** What the read says, without the query it carries for presentQuery. */
function read(req: CallbackRequest) {
  const {
    query: _query,
    present: _present,
    ...said
  } = readCallbackQuery(req) as { query?: unknown; present?: unknown };
  return said;
}

/** Reads the callback, as the strategy does, then presents its code. */
function present(req: CallbackRequest): void {
  const callback = readCallbackQuery(req);
  assert.equal(callback.kind, 'authorized');
  if (callback.kind === 'authorized' && callback.present) presentQuery(req, { ...callback.query, code: callback.code });
}

describe('callback query', () => {
  it('reads authCode', () => {
    assert.deepEqual(read({ query: { authCode: 'abc', state: 's1' } }), {
      kind: 'authorized',
      code: 'abc',
    });
  });

  it('falls back to code when authCode is absent', () => {
    assert.deepEqual(read({ query: { code: 'abc' } }), { kind: 'authorized', code: 'abc' });
  });

  it('accepts authCode and code together when they agree, and refuses them when they differ', () => {
    assert.equal(readCallbackQuery({ query: { authCode: 'x', code: 'x' } }).kind, 'authorized');
    assert.equal(readCallbackQuery({ query: { authCode: 'x', code: 'y' } }).kind, 'malformed');
  });

  it('reports an error parameter as a refusal, even next to a code', () => {
    assert.deepEqual(read({ query: { error: 'access_denied', state: 's', authCode: 'c' } }), {
      kind: 'refused',
      error: 'access_denied',
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
    assert.deepEqual(read({ url: '/cb?authCode=abc&state=%E7%8A%B6' }), {
      kind: 'authorized',
      code: 'abc',
    });
    assert.equal(readCallbackQuery({ url: `/cb?authCode=abc&state=${'s'.repeat(5000)}` }).kind, 'malformed');
    assert.equal(readCallbackQuery({ url: '/cb?authCode=a&authCode=b' }).kind, 'malformed');
    assert.deepEqual(readCallbackQuery({ url: '/cb' }), { kind: 'start' });
  });

  it('ignores keys inherited from Object.prototype', () => {
    assert.deepEqual(readCallbackQuery({ query: Object.create({ authCode: 'proto' }) }), { kind: 'start' });
  });

  it('refuses a code or authCode in the body, and a state in the body of a callback', () => {
    for (const [query, body] of [
      [{}, { code: 'c', state: 's' }],
      [{}, { authCode: 'c' }],
      [{ authCode: 'c' }, { state: 's' }],
      [{ authCode: 'c', state: 's' }, { code: 'c' }],
    ] as const) {
      const read = readCallbackQuery({ query, body });
      assert.equal(read.kind, 'malformed', JSON.stringify({ query, body }));
      assert.match((read as { reason: string }).reason, /must be in the query, not the body/);
    }
    assert.deepEqual(readCallbackQuery({ query: {}, body: { state: 'a form field' } }), { kind: 'start' });
    assert.deepEqual(readCallbackQuery({ query: {}, body: { code: '' } }), { kind: 'start' });
  });
});

describe('presenting authCode to passport-oauth2 as req.query.code', () => {
  it('survives a req.query getter that parses the URL on every read (Express 5)', () => {
    let parses = 0;
    class Express5Request {
      url = '/cb?authCode=abc&state=s';
      get query() {
        parses++;
        return Object.fromEntries(new URL(this.url, 'http://x').searchParams);
      }
    }
    const req = new Express5Request();
    present(req);
    assert.equal(parses, 1, 'the URL is parsed once, by the read');
    assert.deepEqual(req.query, { authCode: 'abc', state: 's', code: 'abc' });
    assert.equal(req.url, '/cb?authCode=abc&state=s');
  });

  it('never calls a req.query setter, which rewrites the URL on koa-passport', () => {
    let written = 0;
    const koaRequest = Object.create({
      get query() {
        return { authCode: 'abc' };
      },
      set query(_value: unknown) {
        written++;
      },
    });
    present(koaRequest);
    assert.equal(written, 0);
    assert.equal(koaRequest.query.code, 'abc');
  });

  it('leaves a query that already has the code as it is, and parses a plain node:http request', () => {
    const query = { code: 'abc' };
    const express4 = { query };
    present(express4);
    assert.equal(express4.query, query);
    const plain: { url: string; query?: unknown } = { url: '/cb?authCode=abc' };
    present(plain);
    assert.deepEqual(plain.query, { authCode: 'abc', code: 'abc' });
  });
});
