import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DingTalkResponseError, Strategy } from '../lib/index';

type Handler = (res: ServerResponse) => void;

describe('the size bound on answers from DingTalk', () => {
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

  function fetchProfile(maxResponseBytes: number): Promise<unknown> {
    const strategy = new Strategy(
      { clientID: 'id', clientSecret: 'secret', callbackURL: '/cb', userProfileURL: `${url}/me`, maxResponseBytes },
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
});
