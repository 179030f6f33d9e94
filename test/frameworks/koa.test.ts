import { describe } from 'node:test';
import { createKoaApp } from '../../example/koa/app';
import { baseURL, describeExampleLogins, dingtalkOptions } from './login-steps';

describe('Koa (example/koa): koa-passport and koa-session', () => {
  describeExampleLogins('Koa', async (emulator) => {
    const errors: unknown[] = [];
    const app = createKoaApp({ dingtalk: dingtalkOptions(emulator), sessionKeys: ['koa test session key'] });
    // Koa reports a request's error here (and would print it to stderr unless silent).
    app.silent = true;
    app.on('error', (error: unknown) => errors.push(error));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return {
      url: baseURL(server),
      errors,
      close: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  });
});
