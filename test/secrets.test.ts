import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Strategy } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator, type EmulatorFault } from '../lib/testing/index';
import { startApp, type TestApp } from './helpers/app';

const clientSecret = 'SECRET-client-5f1c9e7a';
const wrongSecret = 'SECRET-wrong-9b8a7c6d';

/** Every way an error can be shown or logged. */
function renderings(error: unknown): string[] {
  const err = error as Error;
  return [err.message, err.stack ?? '', String(err), JSON.stringify(err), inspect(err, { depth: 10 })];
}

describe('secrets never leak into errors or responses', () => {
  let emulator: DingTalkEmulator;
  let app: TestApp;
  const secrets = (code: string) => [clientSecret, wrongSecret, code];

  before(async () => {
    emulator = await createDingTalkEmulator({ clientSecret });
    app = await startApp({ strategy: { ...emulator.strategyOptions(), callbackURL: '/callback', timeout: 300 } });
  });
  beforeEach(() => emulator.clearFaults());
  after(async () => {
    await app.close();
    await emulator.close();
  });

  // Each case sets up one failure for a login with `code`.
  const cases: [string, (code: string, browser: ReturnType<TestApp['browser']>) => Promise<unknown> | undefined][] = [
    ['a refused (already used) code', (code, browser) => browser.get('/callback').query({ authCode: code }).then()],
    [
      'a DingTalk error that echoes the code and the secret',
      (code) => inject('token', { status: 400, body: { code: 'invalidAuthCode', message: `${code} ${clientSecret}` } }),
    ],
    ['an HTML page', () => inject('token', { kind: 'html' })],
    ['a dropped connection', () => inject('token', { kind: 'drop' })],
    ['a timeout', () => inject('profile', { kind: 'hang' })],
    [
      'a profile error',
      () => inject('profile', { status: 400, body: { code: 'InvalidAuthentication', message: 'x' } }),
    ],
  ];
  const inject = (endpoint: 'token' | 'profile', fault: EmulatorFault) => {
    emulator.inject(endpoint, fault);
    return undefined;
  };

  for (const [label, prepare] of cases) {
    it(`after ${label}`, async () => {
      const code = emulator.issueAuthCode();
      const browser = app.browser();
      await prepare(code, browser);
      const errorsBefore = app.errors.length;
      const response = await browser.get('/callback').query({ authCode: code }).redirects(1);
      assert.notEqual(response.status, 200, 'the login must fail');
      const texts = [response.text, JSON.stringify(response.headers)];
      for (const error of app.errors.slice(errorsBefore)) texts.push(...renderings(error));
      for (const text of texts) {
        for (const secret of secrets(code)) {
          assert.ok(!text.includes(secret), `${label}: "${secret}" appeared in ${text.slice(0, 200)}`);
        }
      }
    });
  }

  it('after a wrong client secret', async () => {
    const wrong = await startApp({
      strategy: { ...emulator.strategyOptions(), clientSecret: wrongSecret, callbackURL: '/cb' },
    });
    try {
      const code = emulator.issueAuthCode();
      const response = await wrong.browser().get('/callback').query({ authCode: code });
      assert.equal(response.status, 500);
      for (const text of [response.text, ...renderings(wrong.errors[0])]) {
        for (const secret of secrets(code)) assert.ok(!text.includes(secret), `"${secret}" appeared`);
      }
    } finally {
      await wrong.close();
    }
  });

  it('in the profile request’s errors, for the access token', async () => {
    const strategy = new Strategy({ ...emulator.strategyOptions(), callbackURL: '/cb' }, (_a, _r, _p, done) =>
      done(null, {}),
    );
    const accessToken = 'SECRET-access-token-1234abcd';
    emulator.inject('profile', { status: 400, body: { code: 'InvalidAuthentication', message: `bad ${accessToken}` } });
    const error = await new Promise<unknown>((resolve) => strategy.userProfile(accessToken, (err) => resolve(err)));
    assert.ok(error instanceof Error);
    for (const text of renderings(error)) assert.ok(!text.includes(accessToken), text);
  });
});
