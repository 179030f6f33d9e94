import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FetchFunction, FetchResponse } from '../../lib/index';

/**
 * One small fake DingTalk for tests of the transport, in two forms:
 *
 *   const dingtalk = await fakeDingTalk();   // an HTTP server on 127.0.0.1, port 0
 *   dingtalk.on('/me', (req, res) => res.end('{"unionId":"u"}'));   // the handler of a path, any method
 *   dingtalk.url                              // 'http://127.0.0.1:<port>', to put in tokenURL/userProfileURL
 *   dingtalk.seen                             // 'METHOD /path?query' of every request, in order
 *   dingtalk.gone('/me')                      // resolves when the client dropped its connection to /me
 *   await dingtalk.close();                   // drops every connection and closes the server
 *
 * A path without a handler answers 404. And `answering(response)`: a fetch that answers every
 * request with that response, without a network.
 */
export interface FakeDingTalk {
  url: string;
  seen: string[];
  on(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  gone(path: string): Promise<void>;
  close(): Promise<void>;
}

export async function fakeDingTalk(): Promise<FakeDingTalk> {
  const handlers = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const closed = new Map<string, Promise<void>>();
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    closed.set(path, new Promise((resolve) => res.once('close', resolve)));
    const handler = handlers.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    on: (path, handler) => handlers.set(path, handler),
    gone: (path) => closed.get(path) ?? Promise.reject(new Error(`no request to ${path}`)),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A fetch that answers every request with `response` (a 200 with an empty body by default), without a network. */
export function answering(response: Partial<FetchResponse>): FetchFunction {
  return async () => ({ status: 200, headers: { get: () => null }, text: async () => '', ...response });
}
