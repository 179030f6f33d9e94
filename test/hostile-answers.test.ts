import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { inspect, promisify } from 'node:util';
import zlib from 'node:zlib';
import {
  DingTalkAPIError,
  DingTalkError,
  DingTalkNetworkError,
  DingTalkResponseError,
  DingTalkTimeoutError,
  type FetchFunction,
  type FetchResponse,
  Strategy,
} from '../lib/index';
import { answering, type FakeDingTalk, fakeDingTalk } from './helpers/fake-dingtalk';

const tokenPath = '/v1.0/oauth2/userAccessToken';
const profilePath = '/v1.0/contact/users/me';

/** Every way an error can be shown or logged, its causes included. */
const renderings = (error: unknown) =>
  [(error as Error).message, (error as Error).stack, String(error), inspect(error, { depth: 10 })].join('\n');

function strategyFor(url: string, more: Record<string, unknown> = {}): Strategy {
  const options = { clientID: 'id', clientSecret: 'SECRET-client-0d9c', callbackURL: '/cb' };
  const urls = { tokenURL: `${url}${tokenPath}`, userProfileURL: `${url}${profilePath}` };
  return new Strategy({ ...options, ...urls, ...more }, (_a, _r, _p, done) => done(null, {}));
}

/** The profile, or the error, for `accessToken`. */
function profileOf(strategy: Strategy, accessToken = 'SECRET-access-0f1e2d3c'): Promise<unknown> {
  return new Promise((resolve) => strategy.userProfile(accessToken, (err, profile) => resolve(err ?? profile)));
}

function tokenOf(strategy: Strategy, code: string): Promise<unknown> {
  const oauth2 = (strategy as unknown as { _oauth2: { getOAuthAccessToken: (...args: unknown[]) => void } })._oauth2;
  const params = { grant_type: 'authorization_code' };
  const get = promisify(oauth2.getOAuthAccessToken.bind(oauth2)) as (code: string, params: object) => Promise<unknown>;
  return get(code, params).catch((error: unknown) => error);
}

/** Writes `first`, then `chunk` every `everyMs` until the client leaves (at most 10 s). */
function endless(first: string, chunk: string | Buffer, everyMs: number, sent = { bytes: 0 }) {
  return (_req: unknown, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(first);
    const timer = setInterval(() => {
      sent.bytes += chunk.length;
      res.write(chunk);
    }, everyMs);
    res.once('close', () => clearInterval(timer));
    setTimeout(() => clearInterval(timer), 10_000).unref();
  };
}

// 256 MB of spaces, about 250 KB compressed.
const bomb = zlib.gzipSync(Buffer.alloc(256 * 1024 * 1024, 32));

for (const [fetchName, fetch] of [
  ['the bundled node-fetch', undefined],
  ['Node’s global fetch', globalThis.fetch as unknown as FetchFunction],
] as const) {
  describe(`answers a hostile or broken DingTalk might give, with ${fetchName}`, () => {
    const options = fetch ? { fetch } : {};
    let dingtalk: FakeDingTalk;
    let elsewhere: FakeDingTalk;
    before(async () => {
      dingtalk = await fakeDingTalk();
      elsewhere = await fakeDingTalk();
    });
    after(async () => {
      await dingtalk.close();
      await elsewhere.close();
    });
    const profile = (more: Record<string, unknown> = {}) =>
      profileOf(strategyFor(dingtalk.url, { ...options, ...more }));

    it('never follows a redirect: the secret, the code and the token stay where they were sent', async () => {
      const location = `${elsewhere.url}/steal`;
      dingtalk.on(tokenPath, (_req, res) => res.writeHead(307, { location }).end());
      dingtalk.on(profilePath, (_req, res) => res.writeHead(302, { location }).end());
      const strategy = strategyFor(dingtalk.url, options);
      const refused = (error: unknown, dingtalkStatus: number) => {
        assert.ok(error instanceof DingTalkResponseError, String(error));
        assert.deepEqual([error.status, error.dingtalkStatus], [502, dingtalkStatus]);
        assert.match(error.message, /redirect/);
      };
      refused(await tokenOf(strategy, 'SECRET-code-1a2b'), 307);
      refused(await profileOf(strategy), 302);
      assert.deepEqual(elsewhere.seen, [], 'nothing reached the other server');
    });

    it('keeps a token the HTTP client refuses as a header value out of the error', async () => {
      dingtalk.on(profilePath, (_req, res) => res.end('{"unionId":"u"}'));
      // A token read from a file with its newline, or with a character no header may carry. A fetch
      // may also tidy the value and send it (Node's fetch trims the newline): only an error matters.
      let errors = 0;
      for (const token of ['SECRET-access-9c0d\n', 'SECRET-access-3a\r\nx: 1', ' SECRET-access-7a\r\nx: 1 ']) {
        const outcome = await profileOf(strategyFor(dingtalk.url, options), token);
        if (!(outcome instanceof Error)) continue;
        errors += 1;
        assert.ok(outcome instanceof DingTalkError, String(outcome));
        assert.doesNotMatch(renderings(outcome), /SECRET-access/);
      }
      assert.ok(errors > 0, 'the client refused at least the value with CR LF in it');
    });

    it('stops reading an endless body at the bound and drops the connection', async () => {
      const sent = { bytes: 0 };
      dingtalk.on(profilePath, endless('{"unionId":"u","nick":"', Buffer.alloc(64 * 1024, 'a'), 1, sent));
      const started = performance.now();
      const error = await profile({ maxResponseBytes: 256 * 1024 });
      assert.ok(error instanceof DingTalkResponseError, String(error));
      assert.match(error.message, /larger than 262144 bytes/);
      assert.ok(performance.now() - started < 3000);
      await dingtalk.gone(profilePath);
      assert.ok(sent.bytes < 16 * 1024 * 1024, `the server wrote ${sent.bytes} bytes before the client left`);
    });

    it('stops inflating a compressed body once it passes the bound', async () => {
      dingtalk.on(profilePath, (_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb),
      );
      // Counts what the decompressor produces, whoever created it (node-fetch, or Node's fetch).
      let inflated = 0;
      const prototype = zlib.Gunzip.prototype as unknown as { push(chunk: unknown, ...rest: unknown[]): boolean };
      const push = prototype.push;
      prototype.push = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
        if (chunk) inflated += (chunk as Buffer).length;
        return push.call(this, chunk, ...rest);
      };
      try {
        const error = await profile({ maxResponseBytes: 1024 * 1024 });
        assert.ok(error instanceof DingTalkResponseError, String(error));
        assert.match(error.message, /larger than 1048576 bytes/);
        const atError = inflated;
        await new Promise((resolve) => setTimeout(resolve, 500));
        const more = inflated - atError;
        assert.ok(more < 4 * 1024 * 1024, `${more} bytes more were inflated after the error`);
      } finally {
        prototype.push = push;
      }
    });

    it('refuses a declared Content-Length over the bound before reading the body, reads one at the bound', async () => {
      // Announces 50 MB and never sends it: only the header can end this quickly.
      dingtalk.on(profilePath, (_req, res) =>
        res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) }).write('{'),
      );
      const started = performance.now();
      assert.ok((await profile({ maxResponseBytes: 1024 * 1024 })) instanceof DingTalkResponseError);
      assert.ok(performance.now() - started < 2000);
      const body = JSON.stringify({ unionId: 'u', nick: 'x'.repeat(1000) });
      dingtalk.on(profilePath, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
      assert.equal(((await profile({ maxResponseBytes: Buffer.byteLength(body) })) as { id: string }).id, 'u');
    });

    it('gives one deadline to the whole answer: a body that trickles in is cut off at the timeout', async () => {
      // A byte every 50 ms: each wait is short, the whole answer never ends.
      dingtalk.on(profilePath, endless('{"unionId":"u","nick":"', 'x', 50));
      const started = performance.now();
      const error = await profile({ timeout: 400 });
      const elapsed = performance.now() - started;
      assert.ok(error instanceof DingTalkTimeoutError, String(error));
      assert.match(error.message, /400 ms/);
      assert.ok(elapsed >= 380 && elapsed < 1500, `answered after ${Math.round(elapsed)} ms`);
      await dingtalk.gone(profilePath);
    });

    it('keeps the network error as the cause, with its code, without the URL’s query string', async () => {
      dingtalk.on(profilePath, (_req, res) => res.socket?.destroy());
      const url = `${dingtalk.url}${profilePath}?access_token=secret-token-in-the-url`;
      const error = await profile({ userProfileURL: url });
      assert.ok(error instanceof DingTalkNetworkError, String(error));
      const cause = error.cause as Error & { code?: string };
      assert.ok(cause instanceof Error, 'the cause is kept');
      // node-fetch puts the system error code on its error, global fetch on that error's cause.
      assert.equal(typeof (cause.code ?? (cause.cause as { code?: string } | undefined)?.code), 'string');
      assert.doesNotMatch(renderings(error), /secret-token-in-the-url/);
    });
  });
}

describe('a fetch passed as an option that misbehaves', () => {
  const url = 'https://api.dingtalk.example';
  const profileWith = (fetch: FetchFunction, more: Record<string, unknown> = {}) =>
    profileOf(strategyFor(url, { fetch, ...more }));

  it('is still bounded in time when it ignores the abort signal, for the answer or its body', async () => {
    const never = new Promise<never>(() => {});
    for (const fetch of [() => never, answering({ text: () => never })]) {
      const started = performance.now();
      const error = await profileWith(fetch, { timeout: 200 });
      assert.ok(error instanceof DingTalkTimeoutError, String(error));
      assert.ok(performance.now() - started < 1500);
    }
  });

  it('works with a fetch that answers with a plain value rather than a promise', async () => {
    const response: FetchResponse = { status: 200, headers: { get: () => null }, text: async () => '{"unionId":"u"}' };
    assert.equal(((await profileWith((() => response) as never)) as { id?: string }).id, 'u');
  });

  it('refuses an answer from a fetch that follows a redirect anyway', async () => {
    const api = await fakeDingTalk();
    try {
      api.on(profilePath, (_req, res) => res.writeHead(302, { location: `${api.url}/other` }).end());
      api.on('/other', (_req, res) => res.end('{"unionId":"someone-else"}'));
      // A wrapper that drops the options it does not know, `redirect` among them.
      const careless: FetchFunction = (target, init) =>
        globalThis.fetch(target, { method: init.method, headers: init.headers, signal: init.signal }) as never;
      const outcome = await profileOf(strategyFor(api.url, { fetch: careless }));
      assert.ok(outcome instanceof DingTalkResponseError, String(outcome));
      assert.match(outcome.message, /redirect/);
    } finally {
      await api.close();
    }
  });

  it('gives a typed error whatever it throws or rejects with, and never repeats a secret or a URL query', async () => {
    const looping = new Error('loops');
    looping.cause = looping;
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const hostileProxy = new Proxy({}, { getPrototypeOf: () => assert.fail('proxy SECRET-access-0f1e2d3c') });
    const withURL = Object.assign(
      new Error('request to https://user:SECRET-pw@oapi.example/topapi/v2/user/get?access_token=SECRET-token failed'),
      { code: 'ECONNRESET' },
    );
    // With characters a URL and a form escape, each its own way: each spelling of it is cut out
    // (the trimmed one is Node's fetch's, above).
    const token = 'SECRET-access-0f1e+/=!~';
    const thrown: unknown[] = [
      hostileProxy,
      revocable.proxy,
      Object.assign(new Error('x'), { code: `bad ${token}` }),
      new Error(`https://h.example/p?${'.'.repeat(200_000)}x //a`.repeat(5)),
      Symbol('odd'),
      Object.create(null),
      { toString: () => assert.fail('cannot print') },
      looping,
      withURL,
      ...[token, encodeURIComponent(token), new URLSearchParams({ t: token }).toString().slice(2)].map(
        (spelling) => new Error(`bad header ${spelling}`),
      ),
    ];
    const fetches: FetchFunction[] = [
      ...thrown.map((value) => () => Promise.reject(value)),
      () => {
        throw new Error(`sync ${token}`);
      },
    ];
    for (const [i, fetch] of fetches.entries()) {
      const started = performance.now();
      const error = await profileOf(strategyFor(url, { fetch }), token);
      assert.ok(performance.now() - started < 1000, `case ${i}: answered in time`);
      assert.ok(error instanceof DingTalkNetworkError, `case ${i}: ${String(error)}`);
      assert.doesNotMatch(renderings(error), /SECRET-/, `case ${i}`);
    }
    const error = (await profileWith(() => Promise.reject(withURL))) as DingTalkNetworkError;
    assert.match(error.message, /\(ECONNRESET\)/, 'the system error code is kept');
    assert.equal((error.cause as Error & { code?: string }).code, 'ECONNRESET');
    assert.match((error.cause as Error).message, /https:\/\/oapi\.example\/topapi\/v2\/user\/get failed/);
  });

  it('gives a typed error when its headers throw: DingTalk’s error is read without them', async () => {
    const headers = { get: () => assert.fail('headers are broken') };
    const body = '{"code":"ServiceUnavailable","message":"busy"}';
    const error = await profileWith(answering({ status: 500, headers, text: async () => body }));
    assert.ok(error instanceof DingTalkAPIError, String(error));
    assert.equal(error.code, 'ServiceUnavailable');
  });
});
