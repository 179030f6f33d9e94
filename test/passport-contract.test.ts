import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Request } from 'express';
import { Strategy } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { watchProcess } from './helpers/process-watch';

type Outcome = { action: 'success' | 'fail' | 'error' | 'redirect'; value: unknown };

/**
 * Calls authenticate() the way passport does: on Object.create(strategy), with success, fail,
 * error and redirect attached to that object, and with any request that has a URL.
 */
function authenticate(
  strategy: Strategy,
  req: Partial<Request>,
  overrides: Partial<Record<Outcome['action'], (value: unknown) => void>> = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const attempt = Object.create(strategy) as Strategy & Record<Outcome['action'], (value: unknown) => void>;
    for (const action of ['success', 'fail', 'error', 'redirect'] as const) {
      attempt[action] = overrides[action] ?? ((value: unknown) => resolve({ action, value }));
    }
    attempt.authenticate(req as Request, {});
  });
}

describe('called the way passport calls a strategy', () => {
  let emulator: DingTalkEmulator;
  let strategy: Strategy;
  const watch = watchProcess();

  before(async () => {
    emulator = await createDingTalkEmulator();
    strategy = new Strategy(
      { ...emulator.strategyOptions(), callbackURL: 'http://127.0.0.1/cb' },
      (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id }),
    );
  });
  after(async () => {
    watch.stop();
    await emulator.close();
  });

  it('works on Object.create(strategy), as passport invokes it', async () => {
    const outcome = await authenticate(strategy, { url: `/cb?authCode=${emulator.issueAuthCode()}` });
    assert.deepEqual(outcome, { action: 'success', value: { id: emulator.users[0]?.unionId } });
  });

  it('reads a plain node:http request that has no req.query', async () => {
    const outcome = await authenticate(strategy, { url: '/cb?error=access_denied' });
    assert.equal(outcome.action, 'fail');
  });

  it('redirects to DingTalk from a plain request without a code', async () => {
    const outcome = await authenticate(strategy, { url: '/login', headers: {} });
    assert.equal(outcome.action, 'redirect');
    assert.ok(String(outcome.value).startsWith(emulator.authorizationURL));
  });

  it('answers once and keeps the process alive when the code that took success() throws later', {
    timeout: 5000,
  }, async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    const calls: string[] = [];
    try {
      await new Promise<void>((resolve) => {
        authenticate(
          strategy,
          { url: `/cb?authCode=${emulator.issueAuthCode()}` },
          {
            success: () => {
              calls.push('success');
              setTimeout(resolve, 50);
              throw new Error('a custom callback threw after the login');
            },
            error: () => calls.push('error'),
          },
        );
      });
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(calls, ['success']);
    assert.deepEqual(watch.problems, []);
    assert.deepEqual(warnings, [
      "passport-dingtalk-oauth2: the code that took the login's success() threw: Error: a custom callback threw after the login",
    ]);
  });
});
