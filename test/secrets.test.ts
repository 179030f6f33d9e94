import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { DingTalkError, Strategy } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator, type EmulatorFault } from '../lib/testing/index';
import { startApp, type TestApp } from './helpers/app';

// Distinctive values: if any of them shows up anywhere a person or a log could read, it leaked.
const clientSecret = 'SECRET-client-5f1c9e7a';
const wrongSecret = 'SECRET-wrong-9b8a7c6d';
const accessToken = 'SECRET-access-3e8d1f0b';
const refreshToken = 'SECRET-refresh-7a2c4e6f';

/** Every way an error can be shown or logged. */
function renderings(error: unknown): string[] {
  const err = error as Error;
  return [err.message, err.stack ?? '', String(err), JSON.stringify(err), inspect(err, { depth: 10 })];
}

/** Records what the process writes to stdout and stderr, passing it through. */
function captureOutput(): { text(): string; stop(): void } {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const tee = (original: typeof process.stdout.write) =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof process.stdout.write;
  process.stdout.write = tee(originals.out);
  process.stderr.write = tee(originals.err);
  return {
    text: () => chunks.join(''),
    stop() {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}

type Inject = (endpoint: 'token' | 'profile', fault: EmulatorFault) => void;
// Each case sets up one failure; `code` is the fresh authCode of the login that will meet it.
type Case = [string, (code: string, inject: Inject, reuse: () => Promise<unknown>) => unknown];

// What a misbehaving DingTalk could echo back: only what it was sent.
const echoToken = (code: string) => `code=${code} secret=${clientSecret}`;
const echoRefresh = `refresh=${refreshToken} secret=${clientSecret}`;
const echoProfile = `token=${accessToken}`;
// DingTalk hands out the distinctive tokens, so the profile request carries one.
const distinctiveTokens: EmulatorFault = {
  status: 200,
  body: { accessToken, refreshToken, expireIn: 7200 },
  times: 1,
};

const cases: Case[] = [
  ['an already used code', (_code, _inject, reuse) => reuse()],
  [
    'a token error that echoes every secret',
    (code, inject) => inject('token', { status: 400, body: { code: 'invalidAuthCode', message: echoToken(code) } }),
  ],
  [
    'a 503 that echoes every secret',
    (code, inject) => inject('token', { status: 503, body: { code: echoToken(code), message: echoToken(code) } }),
  ],
  [
    'throttling that echoes every secret',
    (code, inject) => inject('token', { status: 429, body: { code: '90018', message: echoToken(code) } }),
  ],
  ['an HTML page', (_code, inject) => inject('token', { kind: 'html' })],
  ['an empty answer', (_code, inject) => inject('token', { kind: 'empty' })],
  ['broken JSON', (_code, inject) => inject('token', { kind: 'malformed-json' })],
  ['a dropped connection', (_code, inject) => inject('token', { kind: 'drop' })],
  ['a timeout', (_code, inject) => inject('token', { kind: 'hang' })],
  ['a profile refusal of the token (unknown to DingTalk)', (_code, inject) => inject('token', distinctiveTokens)],
  [
    'a profile error that echoes every secret',
    (_code, inject) => {
      inject('token', distinctiveTokens);
      inject('profile', { status: 400, body: { code: 'InvalidAuthentication', message: echoProfile } });
    },
  ],
  [
    'a profile permission error',
    (_code, inject) => {
      inject('token', distinctiveTokens);
      inject('profile', {
        status: 403,
        body: {
          code: 'Forbidden.AccessDenied',
          message: echoProfile,
          accessdenieddetail: { requiredScopes: [echoProfile] },
        },
      });
    },
  ],
  [
    'a profile without a unionId',
    (_code, inject) => {
      inject('token', distinctiveTokens);
      inject('profile', { status: 200, body: { nick: accessToken } });
    },
  ],
  [
    'a profile timeout',
    (_code, inject) => {
      inject('token', distinctiveTokens);
      inject('profile', { kind: 'hang' });
    },
  ],
];

describe('a strategy shown or logged', () => {
  it('does not print the client secret in util.inspect or JSON.stringify, and passport-oauth2 can still use it', () => {
    const strategy = new Strategy(
      { clientID: 'ding-client-id', clientSecret, callbackURL: 'https://app.example/cb' },
      (_at, _rt, profile, done) => done(null, { id: profile.id }),
    );
    for (const shown of [
      inspect(strategy),
      inspect(strategy, { depth: Number.POSITIVE_INFINITY }),
      JSON.stringify(strategy),
    ]) {
      assert.ok(shown.includes('ding-client-id'), 'the rendering shows the strategy');
      assert.ok(!shown.includes(clientSecret), shown);
    }
    // passport-oauth2 signs its requests with it, and passport-oauth2-refresh copies it from there.
    assert.equal((strategy as unknown as { _oauth2: { _clientSecret: string } })._oauth2._clientSecret, clientSecret);
  });
});

describe('secrets never leak into errors, responses or output', () => {
  let emulator: DingTalkEmulator;
  let app: TestApp;
  const output = captureOutput();
  const leaks: string[] = [];

  function check(where: string, texts: string[], code = '') {
    for (const text of texts) {
      for (const secret of [clientSecret, wrongSecret, accessToken, refreshToken, code]) {
        if (secret && text.includes(secret)) leaks.push(`${where}: "${secret}" in ${text.slice(0, 200)}`);
      }
    }
  }

  before(async () => {
    emulator = await createDingTalkEmulator({ clientSecret });
    app = await startApp({ strategy: { ...emulator.strategyOptions(), callbackURL: '/callback', timeout: 300 } });
  });
  beforeEach(() => emulator.clearFaults());
  after(async () => {
    output.stop();
    await app.close();
    await emulator.close();
  });

  for (const [label, prepare] of cases) {
    it(`after ${label}`, async () => {
      const code = emulator.issueAuthCode();
      const browser = app.browser();
      const callback = () => browser.get('/callback').query({ authCode: code }).redirects(1);
      await prepare(code, (endpoint, fault) => emulator.inject(endpoint, fault), callback);
      const errorsBefore = app.errors.length;
      const response = await callback();
      assert.notEqual(response.status, 200, 'the login must fail');
      const errors = app.errors.slice(errorsBefore);
      for (const error of errors) assert.ok(error instanceof DingTalkError, String(error));
      check(label, [response.text, JSON.stringify(response.headers), ...errors.flatMap(renderings)], code);
      assert.deepEqual(leaks, []);
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
      check('wrong secret', [response.text, ...renderings(wrong.errors[0])], code);
      assert.deepEqual(leaks, []);
    } finally {
      await wrong.close();
    }
  });

  it('after a failed refresh, for the refresh token', async () => {
    const strategy = new Strategy({ ...emulator.strategyOptions(), callbackURL: '/cb' }, (_a, _r, _p, done) =>
      done(null, {}),
    );
    type GetToken = (code: string, params: object, callback: (err: unknown) => void) => void;
    const getToken = (strategy as unknown as { _oauth2: { getOAuthAccessToken: GetToken } })._oauth2
      .getOAuthAccessToken;
    for (const fault of [
      { status: 400, body: { code: 'invalidRefreshToken', message: echoRefresh } },
      { kind: 'drop' },
    ]) {
      emulator.inject('token', fault as EmulatorFault);
      const error = await new Promise((resolve) => getToken(refreshToken, { grant_type: 'refresh_token' }, resolve));
      assert.ok(error instanceof DingTalkError);
      check('refresh', renderings(error));
    }
    assert.deepEqual(leaks, []);
  });

  it('after a failed profile request made by the app, for the access token', async () => {
    const strategy = new Strategy({ ...emulator.strategyOptions(), callbackURL: '/cb' }, (_a, _r, _p, done) =>
      done(null, {}),
    );
    emulator.inject('profile', { status: 400, body: { code: 'InvalidAuthentication', message: echoProfile } });
    const error = await new Promise((resolve) => strategy.userProfile(accessToken, (err) => resolve(err)));
    assert.ok(error instanceof DingTalkError);
    check('userProfile', renderings(error));
    assert.deepEqual(leaks, []);
  });

  it('wrote none of them to stdout or stderr', () => {
    check('output', [output.text()]);
    assert.deepEqual(leaks, []);
  });
});
