import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  DingTalkNetworkError,
  DingTalkResponseError,
  DingTalkTimeoutError,
  type FetchFunction,
  Strategy,
} from '../lib/index';

type Handler = (res: ServerResponse) => void;

// The bundled node-fetch enforces the bound itself (its `size` option); any other fetch, such as
// Node's global one, ignores that option and is read with the strategy's own bound.
const fetches: [string, FetchFunction | undefined][] = [
  ['the bundled node-fetch', undefined],
  ['Node’s global fetch', globalThis.fetch as unknown as FetchFunction],
];

for (const [fetchName, fetch] of fetches)
  describe(`the size bound and the deadline on answers from DingTalk, with ${fetchName}`, () => {
    let server: Server;
    let url: string;
    let handler: Handler = (res) => res.end();
    let bytesSent = 0;
    let clientGone = false;

    before(async () => {
      server = createServer((_req, res) => {
        res.on('close', () => {
          clientGone = true;
        });
        handler(res);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    function fetchProfile(maxResponseBytes: number, more: { timeout?: number; path?: string } = {}): Promise<unknown> {
      const strategy = new Strategy(
        {
          clientID: 'id',
          clientSecret: 'secret',
          callbackURL: '/cb',
          userProfileURL: `${url}${more.path ?? '/me'}`,
          maxResponseBytes,
          ...(more.timeout ? { timeout: more.timeout } : {}),
          ...(fetch ? { fetch } : {}),
        },
        (_a, _r, _p, done) => done(null, {}),
      );
      return new Promise((resolve) => strategy.userProfile('token', (err, profile) => resolve(err ?? profile)));
    }

    it('stops reading an endless body at the bound instead of buffering it', async (t) => {
      bytesSent = 0;
      clientGone = false;
      const chunk = Buffer.alloc(64 * 1024, 'a');
      handler = (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"unionId":"u","nick":"');
        // Bounded: at most 10 s of writing, far beyond what the test waits for.
        const timer = setInterval(() => {
          if (clientGone || bytesSent > 512 * 1024 * 1024) return clearInterval(timer);
          bytesSent += chunk.length;
          res.write(chunk);
        }, 1);
        setTimeout(() => clearInterval(timer), 10_000).unref();
      };
      const started = performance.now();
      const result = await fetchProfile(256 * 1024);
      assert.ok(result instanceof DingTalkResponseError);
      assert.match(result.message, /larger than 262144 bytes/);
      assert.ok(performance.now() - started < 3000);
      for (let i = 0; i < 100 && !clientGone; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(clientGone, 'the connection was dropped');
      assert.ok(bytesSent < 16 * 1024 * 1024, `the server wrote ${bytesSent} bytes before the client left`);
      t.diagnostic(`the server had written ${bytesSent} bytes when the client dropped the connection`);
    });

    it('refuses a declared Content-Length over the bound before reading the body', async () => {
      handler = (res) => {
        // Announces 50 MB and never sends it: only the header can end this quickly.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) });
        res.write('{');
      };
      const started = performance.now();
      const result = await fetchProfile(1024 * 1024);
      assert.ok(result instanceof DingTalkResponseError);
      assert.ok(performance.now() - started < 2000);
    });

    it('reads a body just under the bound', async () => {
      const body = JSON.stringify({ unionId: 'u', nick: 'x'.repeat(1000) });
      handler = (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      };
      const result = await fetchProfile(Buffer.byteLength(body));
      assert.equal((result as { id: string }).id, 'u');
    });

    it('gives one deadline to the whole answer: a body that trickles in is cut off at the timeout', async () => {
      clientGone = false;
      handler = (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"unionId":"u","nick":"');
        // A byte every 50 ms: each wait is short, the whole answer never ends.
        const timer = setInterval(() => (clientGone ? clearInterval(timer) : res.write('x')), 50);
        setTimeout(() => clearInterval(timer), 10_000).unref();
      };
      const started = performance.now();
      const result = await fetchProfile(1024 * 1024, { timeout: 400 });
      const elapsed = performance.now() - started;
      assert.ok(result instanceof DingTalkTimeoutError, String(result));
      assert.ok(elapsed >= 380 && elapsed < 1500, `answered after ${Math.round(elapsed)} ms`);
      for (let i = 0; i < 100 && !clientGone; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(clientGone, 'the connection was dropped');
    });

    it('keeps the network error as the cause, without the URL’s query string', async () => {
      handler = (res) => res.socket?.destroy();
      const result = await fetchProfile(1024, { path: '/me?access_token=secret-token-in-the-url' });
      assert.ok(result instanceof DingTalkNetworkError, String(result));
      const cause = result.cause as Error & { code?: string };
      assert.ok(cause instanceof Error, 'the cause is kept');
      // node-fetch puts the system error code on its error, global fetch on that error's cause.
      const code = cause.code ?? (cause.cause as { code?: string } | undefined)?.code;
      assert.equal(typeof code, 'string', 'with its system error code');
      for (const text of [result.message, cause.message, String((cause.cause as Error | undefined)?.message)]) {
        assert.doesNotMatch(text, /secret-token-in-the-url/);
      }
    });
  });
