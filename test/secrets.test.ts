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
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write);
  for (const [i, stream] of streams.entries()) {
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(String(chunk));
      return (originals[i] as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  }
  return {
    text: () => chunks.join(''),
    stop: () => {
      for (const [i, stream] of streams.entries()) stream.write = originals[i] as typeof stream.write;
    },
  };
}

// What a misbehaving DingTalk could echo back: only what it was sent.
const echoToken = (code: string) => `code=${code} secret=${clientSecret}`;
const echoRefresh = `refresh=${refreshToken} secret=${clientSecret}`;
const echoProfile = `token=${accessToken}`;

// Each failure of a login, its answer echoing what DingTalk was sent (a body that is not DingTalk
// JSON is never quoted: response.test.ts),
// given the fresh authCode of the login that will meet it. With a fault at the profile endpoint,
// the token endpoint hands out the distinctive tokens, so that the profile request carries one.
const cases: [string, 'token' | 'profile', (code: string) => EmulatorFault][] = [
  ['a token error', 'token', (code) => ({ status: 400, body: { code: 'invalidAuthCode', message: echoToken(code) } })],
  ['a 503', 'token', (code) => ({ status: 503, body: { code: echoToken(code), message: echoToken(code) } })],
  ['throttling', 'token', (code) => ({ status: 429, body: { code: '90018', message: echoToken(code) } })],
  ['a dropped connection', 'token', () => ({ kind: 'drop' })],
  ['a timeout', 'token', () => ({ kind: 'hang' })],
  [
    'a profile error',
    'profile',
    () => ({ status: 400, body: { code: 'InvalidAuthentication', message: echoProfile } }),
  ],
  [
    'a permission error',
    'profile',
    () => ({
      status: 403,
      body: {
        code: 'Forbidden.AccessDenied',
        message: echoProfile,
        accessdenieddetail: { requiredScopes: [echoProfile] },
      },
    }),
  ],
  ['a profile without a unionId', 'profile', () => ({ status: 200, body: { nick: accessToken } })],
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

  async function failedLogin(label: string, code: string, prepare: () => unknown) {
    const callback = () => app.browser().get('/callback').query({ authCode: code }).redirects(1);
    await prepare();
    const errorsBefore = app.errors.length;
    const response = await callback();
    assert.notEqual(response.status, 200, 'the login must fail');
    const errors = app.errors.slice(errorsBefore);
    for (const error of errors) assert.ok(error instanceof DingTalkError, String(error));
    check(label, [response.text, JSON.stringify(response.headers), ...errors.flatMap(renderings)], code);
    assert.deepEqual(leaks, []);
  }

  it('after an already used code', async () => {
    const code = emulator.issueAuthCode();
    await failedLogin('used code', code, () => app.browser().get('/callback').query({ authCode: code }));
  });

  for (const [label, endpoint, fault] of cases) {
    it(`after ${label}`, async () => {
      const code = emulator.issueAuthCode();
      await failedLogin(label, code, () => {
        if (endpoint === 'profile')
          emulator.inject('token', { status: 200, body: { accessToken, refreshToken }, times: 1 });
        emulator.inject(endpoint, fault(code));
      });
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

  it('wrote none of them to stdout or stderr', () => {
    check('output', [output.text()]);
    assert.deepEqual(leaks, []);
  });
});
