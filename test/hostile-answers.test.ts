import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
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

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const clientSecret = 'SECRET-client-0d9c8b7a6f5e4d3c';

/** Every way an error can be shown or logged, its causes included. */
function renderings(error: unknown): string {
  const err = error as Error;
  return [err.message, err.stack, String(err), inspect(err, { depth: 10 })].join('\n');
}

async function listen(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

function strategyFor(url: string, more: Record<string, unknown> = {}): Strategy {
  return new Strategy(
    {
      clientID: 'id',
      clientSecret,
      callbackURL: '/cb',
      tokenURL: `${url}/v1.0/oauth2/userAccessToken`,
      userProfileURL: `${url}/v1.0/contact/users/me`,
      ...more,
    },
    (_a, _r, _p, done) => done(null, {}),
  );
}

function profileOf(strategy: Strategy, accessToken: string): Promise<unknown> {
  return new Promise((resolve) => strategy.userProfile(accessToken, (err, profile) => resolve(err ?? profile)));
}

function tokenOf(strategy: Strategy, code: string): Promise<unknown> {
  const oauth2 = (strategy as unknown as { _oauth2: { getOAuthAccessToken: (...args: unknown[]) => void } })._oauth2;
  return new Promise((resolve) =>
    oauth2.getOAuthAccessToken(code, { grant_type: 'authorization_code' }, (err: unknown, token: unknown) =>
      resolve(err ?? token),
    ),
  );
}

const fetches: [string, FetchFunction | undefined][] = [
  ['the bundled node-fetch', undefined],
  ['Node’s global fetch', globalThis.fetch as unknown as FetchFunction],
];

for (const [fetchName, fetch] of fetches) {
  describe(`answers a hostile or broken DingTalk might give, with ${fetchName}`, () => {
    const options = fetch ? { fetch } : {};
    let elsewhere: { server: Server; url: string };
    const seenElsewhere: string[] = [];

    before(async () => {
      elsewhere = await listen((req, res) => {
        let body = '';
        req.on('data', (chunk) => {
          body += chunk;
        });
        req.on('end', () => {
          seenElsewhere.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}`);
          res.end('{"accessToken":"stolen","unionId":"stolen"}');
        });
      });
    });
    after(() => close(elsewhere.server));

    it('never follows a redirect: the secret, the code and the token stay where they were sent', async () => {
      const { server, url } = await listen((req, res) => {
        res.writeHead(req.method === 'POST' ? 307 : 302, { location: `${elsewhere.url}/steal` });
        res.end();
      });
      try {
        const strategy = strategyFor(url, options);
        const tokenError = await tokenOf(strategy, 'SECRET-code-1a2b3c4d');
        const profileError = await profileOf(strategy, 'SECRET-access-5e6f7a8b');
        for (const [error, dingtalkStatus] of [
          [tokenError, 307],
          [profileError, 302],
        ] as const) {
          assert.ok(error instanceof DingTalkResponseError, String(error));
          assert.equal(error.status, 502);
          assert.equal(error.dingtalkStatus, dingtalkStatus);
          assert.match(error.message, /redirect/);
        }
        assert.deepEqual(seenElsewhere, [], 'nothing reached the other server');
      } finally {
        await close(server);
      }
    });

    it('keeps a token the HTTP client refuses as a header value out of the error', async () => {
      const { server, url } = await listen((_req, res) => res.end('{"unionId":"u"}'));
      try {
        // A token read from a file with its newline, or with a character no header may carry. A
        // fetch may also tidy the value and send it (Node's fetch trims the newline): only an error matters.
        let errors = 0;
        for (const token of [
          'SECRET-access-9c0d1e2f\n',
          'SECRET-access-3a4b\r\nx-injected: 1',
          ' SECRET-access-7a8b\r\nx-injected: 1 ',
          'SECRET-access-€5c6d',
        ]) {
          const outcome = await profileOf(strategyFor(url, options), token);
          if (outcome instanceof Error) {
            errors += 1;
            assert.ok(outcome instanceof DingTalkError, String(outcome));
            assert.doesNotMatch(renderings(outcome), /SECRET-access/);
          }
        }
        assert.ok(errors > 0, 'the client refused at least the value with CR LF in it');
      } finally {
        await close(server);
      }
    });

    it('stops inflating a compressed body once it passes the bound', async () => {
      // 256 MB of spaces, about 250 KB compressed, sent at once.
      const bomb = zlib.gzipSync(Buffer.alloc(256 * 1024 * 1024, 32));
      const { server, url } = await listen((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(bomb);
      });
      // Counts what the decompressor produces, whoever created it (node-fetch, or Node's fetch).
      let inflated = 0;
      const prototype = zlib.Gunzip.prototype as unknown as { push(chunk: unknown, ...rest: unknown[]): boolean };
      const push = prototype.push;
      prototype.push = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
        if (chunk) inflated += (chunk as Buffer).length;
        return push.call(this, chunk, ...rest);
      };
      try {
        const error = await profileOf(strategyFor(url, { ...options, maxResponseBytes: 1024 * 1024 }), 'token');
        assert.ok(error instanceof DingTalkResponseError, String(error));
        assert.match(error.message, /larger than 1048576 bytes/);
        const atError = inflated;
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.ok(
          inflated - atError < 4 * 1024 * 1024,
          `${((inflated - atError) / 1048576).toFixed(1)} MB more were inflated after the error`,
        );
      } finally {
        prototype.push = push;
        await close(server);
      }
    });
  });
}

describe('a fetch passed as an option that misbehaves', () => {
  const url = 'https://api.dingtalk.example';

  async function profileWith(fetch: FetchFunction, more: Record<string, unknown> = {}): Promise<unknown> {
    return profileOf(strategyFor(url, { fetch, ...more }), 'SECRET-access-0f1e2d3c');
  }

  it('is still bounded in time when it ignores the abort signal', { timeout: 5000 }, async () => {
    const never = new Promise<FetchResponse>(() => {});
    const started = performance.now();
    const error = await profileWith(() => never, { timeout: 200 });
    assert.ok(error instanceof DingTalkTimeoutError, String(error));
    assert.ok(performance.now() - started < 1500);
  });

  it('is still bounded in time when its body never ends', { timeout: 5000 }, async () => {
    const stuck: FetchResponse = {
      status: 200,
      headers: { get: () => null },
      text: () => new Promise<string>(() => {}),
    };
    const started = performance.now();
    const error = await profileWith(async () => stuck, { timeout: 200 });
    assert.ok(error instanceof DingTalkTimeoutError, String(error));
    assert.ok(performance.now() - started < 1500);
  });

  it('works with a fetch that answers with a plain value rather than a promise', async () => {
    const response: FetchResponse = {
      status: 200,
      headers: { get: () => null },
      text: async () => '{"unionId":"u-plain"}',
    };
    const profile = await profileWith((() => response) as unknown as FetchFunction);
    assert.equal((profile as { id?: string }).id, 'u-plain');
  });

  it('refuses an answer from a fetch that follows a redirect anyway', async () => {
    const other = await listen((_req, res) => res.end('{"unionId":"someone-else"}'));
    const api = await listen((_req, res) => {
      res.writeHead(302, { location: `${other.url}/me` });
      res.end();
    });
    try {
      // A wrapper that drops the options it does not know, `redirect` among them.
      const careless: FetchFunction = (target, init) =>
        globalThis.fetch(target, { method: init.method, headers: init.headers, signal: init.signal }) as never;
      const outcome = await profileOf(strategyFor(api.url, { fetch: careless }), 'access-token');
      assert.ok(outcome instanceof DingTalkResponseError, String(outcome));
      assert.match(outcome.message, /redirect/);
    } finally {
      await close(api.server);
      await close(other.server);
    }
  });

  it('gives a typed error whatever it throws or rejects with, and never repeats a secret or a URL query', async () => {
    const looping = new Error('loops');
    looping.cause = looping;
    const unprintable = {
      toString() {
        throw new Error('cannot print');
      },
    };
    const withURL = Object.assign(
      new Error(
        'request to https://user:SECRET-password@oapi.example/topapi/v2/user/get?access_token=SECRET-token-in-url failed',
      ),
      { code: 'ECONNRESET' },
    );
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const hostileProxy = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('proxy SECRET-access-0f1e2d3c');
        },
      },
    );
    const longMessage = `https://h.example/p?${'.'.repeat(200_000)}x //a`.repeat(5);
    const codeQuotingToken = Object.assign(new Error('x'), { code: 'bad SECRET-access-0f1e2d3c' });
    const thrown: [string, FetchFunction][] = [
      ['a Proxy that throws on every look', () => Promise.reject(hostileProxy)],
      ['a revoked Proxy', () => Promise.reject(revocable.proxy)],
      ['an error whose code quotes the token', () => Promise.reject(codeQuotingToken)],
      ['a very long message full of URLs', () => Promise.reject(new Error(longMessage))],
      [
        'a synchronous throw',
        () => {
          throw new Error('sync');
        },
      ],
      ['a Symbol', () => Promise.reject(Symbol('odd'))],
      ['an object without a prototype', () => Promise.reject(Object.create(null))],
      ['an object that cannot be printed', () => Promise.reject(unprintable)],
      ['an error that is its own cause', () => Promise.reject(looping)],
      ['an error quoting a URL with secrets', () => Promise.reject(withURL)],
      ['an error quoting the access token', () => Promise.reject(new Error('bad header SECRET-access-0f1e2d3c'))],
    ];
    for (const [what, fetch] of thrown) {
      const started = performance.now();
      const error = await profileWith(fetch);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1000, `${what}: answered in ${Math.round(elapsed)} ms`);
      assert.ok(error instanceof DingTalkNetworkError, `${what}: ${String(error)}`);
      assert.doesNotMatch(renderings(error), /SECRET-/, what);
    }
    const withURLCase = thrown.find(([what]) => what === 'an error quoting a URL with secrets');
    const error = (await profileWith(withURLCase?.[1] as FetchFunction)) as DingTalkNetworkError;
    assert.match(error.message, /ECONNRESET/, 'the system error code is kept');
    assert.match((error.cause as Error).message, /https:\/\/oapi\.example\/topapi\/v2\/user\/get failed/);
  });

  it('gives a typed error when its headers throw', async () => {
    const response: FetchResponse = {
      status: 500,
      headers: {
        get: () => {
          throw new Error('headers are broken');
        },
      },
      text: async () => '{"code":"ServiceUnavailable","message":"busy"}',
    };
    const error = await profileWith(async () => response);
    // DingTalk did answer: its error is read, without the headers.
    assert.ok(error instanceof DingTalkAPIError, String(error));
    assert.equal(error.code, 'ServiceUnavailable');
  });
});
