import { describe } from 'node:test';
import { describeCompleteApp, loadExample } from './login-steps';

describe('Koa (example/koa.js): koa-passport, koa-session and @koa/router', () => {
  describeCompleteApp('Koa', loadExample('koa.js'));
});
