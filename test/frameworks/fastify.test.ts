import { describe } from 'node:test';
import { describeCompleteApp, loadExample } from './login-steps';

describe('Fastify (example/fastify.js): @fastify/passport and @fastify/secure-session', () => {
  describeCompleteApp('Fastify', loadExample('fastify.js'));
});
