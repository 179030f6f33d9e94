import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import { createFastifyApp } from '../../example/fastify/app';
import { describeExampleLogins, dingtalkOptions } from './login-steps';

describe('Fastify (example/fastify): @fastify/passport and @fastify/secure-session', () => {
  describeExampleLogins('Fastify', async (emulator) => {
    const errors: unknown[] = [];
    const app = await createFastifyApp({ dingtalk: dingtalkOptions(emulator), sessionKey: randomBytes(32) });
    app.addHook('onError', async (_request, _reply, error) => {
      errors.push(error);
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, errors, close: () => app.close() };
  });
});
