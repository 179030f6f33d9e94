// Whatever the hooks an app stubs or replaces do (call back twice, throw, answer late), a login
// gets exactly one answer, to its own request, and the process never sees an unhandled error.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request } from 'express';
import { DingTalkAPIError, type FetchFunction, type Profile, Strategy, type VerifyFunction } from '../lib/index';
import { watchProcess } from './helpers/process-watch';

type Action = 'success' | 'fail' | 'error' | 'redirect' | 'pass';
/** An answer the strategy gave, or `threw`: an exception that left authenticate() itself. */
type Answer = { action: Action | 'threw'; args: unknown[] };
type Callback = (...args: unknown[]) => void;
type AnyHooks = Record<string, unknown> & { _oauth2: Record<string, unknown> };
type TokenHook = (code: string, params: object, callback: (err: unknown, accessToken?: string) => void) => void;

const options = {
  clientID: 'ding-client-id',
  clientSecret: 'ding-client-secret',
  callbackURL: 'https://app.example/cb',
};
const keepId: VerifyFunction = (_at, _rt, profile, done) => done(null, { id: profile?.id });

/** A strategy whose token exchange and profile are stubbed; `hooks` reaches what a test replaces. */
function stubbedStrategy(verify: VerifyFunction = keepId, extra: object = {}) {
  const strategy = new Strategy({ ...options, ...extra }, verify);
  const hooks = strategy as unknown as AnyHooks;
  hooks._oauth2.getOAuthAccessToken = (_code: string, _params: object, callback: Callback) =>
    callback(null, 'access-token', 'refresh-token', { accessToken: 'access-token' });
  hooks.userProfile = (_accessToken: string, done: Callback) => done(null, { provider: 'dingtalk', id: 'union-1' });
  return { strategy, hooks };
}

/** Runs authenticate as passport does, and collects every answer given within a short while. */
async function answers(
  strategy: Strategy,
  query: Record<string, string> = { authCode: 'code-1', state: 's' },
  throwing: Partial<Record<Action, Error>> = {},
): Promise<Answer[]> {
  const given: Answer[] = [];
  const attempt = Object.create(strategy) as Record<Action, Callback> & Strategy;
  for (const action of ['success', 'fail', 'error', 'redirect', 'pass'] as const) {
    attempt[action] = (...args: unknown[]) => {
      given.push({ action, args });
      const error = throwing[action];
      if (error) throw error;
    };
  }
  try {
    attempt.authenticate({ query, headers: {} } as unknown as Request, {});
  } catch (error) {
    given.push({ action: 'threw', args: [error] });
  }
  await sleep(30);
  return given;
}

const actionsOf = (given: Answer[]) => given.map((answer) => answer.action);

describe('one answer per login, whatever the hooks do', () => {
  const watch = watchProcess();
  after(() => watch.stop());

  it('answers once when the token hook calls back twice', async () => {
    const { strategy, hooks } = stubbedStrategy();
    hooks._oauth2.getOAuthAccessToken = (_c: string, _p: object, callback: Callback) => {
      callback(null, 'first', '', {});
      callback(null, 'second', '', {});
    };
    assert.deepEqual(actionsOf(await answers(strategy)), ['success']);
  });

  it('runs verify once when userProfile calls done twice', async () => {
    let verifyCalls = 0;
    const { strategy, hooks } = stubbedStrategy((_at, _rt, profile, done) => {
      verifyCalls++;
      done(null, { id: profile.id });
    });
    hooks.userProfile = (_t: string, done: Callback) => {
      done(null, { id: 'a' });
      done(null, { id: 'b' });
    };
    const given = await answers(strategy);
    assert.deepEqual(given, [{ action: 'success', args: [{ id: 'a' }, {}] }]);
    assert.equal(verifyCalls, 1);
  });

  it('exchanges the code once when the state store calls back twice', async () => {
    const { strategy, hooks } = stubbedStrategy();
    let exchanges = 0;
    hooks._oauth2.getOAuthAccessToken = (_c: string, _p: object, callback: Callback) => {
      exchanges++;
      callback(null, 'at', '', {});
    };
    hooks._stateStore = {
      store: (_req: unknown, callback: Callback) => callback(null, 's'),
      verify: (_req: unknown, _state: string, callback: Callback) => {
        callback(null, false, { message: 'not this one' });
        callback(null, true);
      },
    };
    const given = await answers(strategy);
    assert.deepEqual(actionsOf(given), ['fail']);
    assert.equal((given[0]?.args[0] as { reason: string } | undefined)?.reason, 'state_mismatch');
    assert.equal(exchanges, 0);
  });

  it('hands a throw from a hook run by an async state store to error(), not to the process', async () => {
    const asyncStore = {
      store: (_req: unknown, callback: Callback) => callback(null, 's'),
      verify: (_req: unknown, _state: string, callback: Callback) => setImmediate(() => callback(null, true)),
    };
    for (const hook of ['tokenParams', 'getOAuthAccessToken', 'userProfile'] as const) {
      const { strategy, hooks } = stubbedStrategy();
      hooks._stateStore = asyncStore;
      const thrower = () => {
        throw new Error(`${hook} threw`);
      };
      if (hook === 'getOAuthAccessToken') hooks._oauth2.getOAuthAccessToken = thrower;
      else hooks[hook] = thrower;
      const given = await answers(strategy);
      assert.deepEqual(actionsOf(given), ['error'], hook);
      assert.equal((given[0]?.args[0] as Error | undefined)?.message, `${hook} threw`);
    }
    assert.deepEqual(watch.problems, []);
  });

  /** Runs `test` while recording the process warnings it causes. */
  async function recordingWarnings(test: () => Promise<void>): Promise<string[]> {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      await test();
    } finally {
      process.off('warning', onWarning);
    }
    return warnings;
  }

  it('lets a throw from the code that took the answer leave authenticate() (as passport-oauth2 would), never answering twice', async () => {
    const { strategy } = stubbedStrategy();
    const assertionInATest = new Error('expected user 1, got user 2');
    const given = await answers(strategy, undefined, { success: assertionInATest });
    assert.deepEqual(actionsOf(given), ['success', 'threw']);
    assert.equal(given[1]?.args[0], assertionInATest);
  });

  it('lets a throw from the code that took a refusal (error=) leave authenticate() too, never answering twice', async () => {
    const { strategy } = stubbedStrategy();
    const assertionInATest = new Error('expected a success');
    const given = await answers(strategy, { error: 'access_denied', state: 's' }, { fail: assertionInATest });
    assert.deepEqual(actionsOf(given), ['fail', 'threw']);
    assert.equal(given[1]?.args[0], assertionInATest);
  });

  it('reports a later throw from the code that took the answer as a process warning: no second answer, no crash', async () => {
    const { strategy, hooks } = stubbedStrategy();
    const outage = new DingTalkAPIError('token', { dingtalkStatus: 503, code: 'ServiceUnavailable', description: '' });
    hooks._oauth2.getOAuthAccessToken = (_c: string, _p: object, callback: Callback) =>
      Promise.resolve().then(() => callback(outage));
    let given: Answer[] = [];
    const warnings = await recordingWarnings(async () => {
      // A custom callback written `if (err) throw err`: the throw would escape into a promise.
      given = await answers(strategy, undefined, { error: new Error('if (err) throw err') });
    });
    assert.deepEqual(actionsOf(given), ['error']);
    assert.equal(given[0]?.args[0], outage);
    assert.deepEqual(watch.problems, []);
    assert.deepEqual(warnings, [
      "passport-dingtalk-oauth2: the code that took the login's error() threw: Error: if (err) throw err",
    ]);
  });

  it('lets verify refresh the token through this._oauth2 after the login’s own exchange', async () => {
    const refreshed: string[] = [];
    const { strategy, hooks } = stubbedStrategy(function (
      this: { _oauth2: Record<string, TokenHook> },
      _at,
      rt,
      profile,
      done,
    ) {
      this._oauth2.getOAuthAccessToken?.(rt, { grant_type: 'refresh_token' }, (err, accessToken) =>
        done(err, { id: profile.id, refreshedTo: accessToken }),
      );
    } as VerifyFunction);
    hooks._oauth2.getOAuthAccessToken = (code: string, params: { grant_type?: string }, callback: Callback) => {
      refreshed.push(`${params.grant_type}:${code}`);
      setImmediate(() => callback(null, `token-${refreshed.length}`, 'refresh-token', {}));
    };
    const given = await answers(strategy);
    assert.deepEqual(given, [{ action: 'success', args: [{ id: 'union-1', refreshedTo: 'token-2' }, {}] }]);
    assert.deepEqual(refreshed, ['authorization_code:code-1', 'refresh_token:refresh-token']);
  });

  it('hands an async userProfile that rejects to error(), with no unhandled rejection', async () => {
    const { strategy, hooks } = stubbedStrategy();
    hooks.userProfile = async () => {
      throw new Error('the directory is down');
    };
    const given = await answers(strategy);
    assert.deepEqual(actionsOf(given), ['error']);
    assert.equal((given[0]?.args[0] as Error | undefined)?.message, 'the directory is down');
    assert.deepEqual(watch.problems, []);
  });

  it('hands a throw from the callback a subclass gives super.userProfile to error(), with no unhandled rejection', async () => {
    class BadgeStrategy extends Strategy {
      override userProfile(accessToken: string, done: (err?: unknown, profile?: Profile) => void): void {
        super.userProfile(accessToken, (err, profile) => {
          if (err) return done(err);
          // DingTalk sent no badge: the subclass's own code throws a TypeError here.
          const json = (profile as Profile)._json as unknown as { badge: { number: string } };
          const badge = json.badge.number;
          done(null, Object.assign(profile as Profile, { badge }));
        });
      }
    }
    const currentUser: FetchFunction = async () => ({
      status: 200,
      headers: { get: () => null },
      text: async () => JSON.stringify({ unionId: 'union-1', nick: 'Zhang San' }),
    });
    const strategy = new BadgeStrategy({ ...options, fetch: currentUser }, keepId);
    (strategy as unknown as AnyHooks)._oauth2.getOAuthAccessToken = (_c: string, _p: object, callback: Callback) =>
      callback(null, 'access-token', '', {});
    const given = await answers(strategy);
    assert.deepEqual(actionsOf(given), ['error']);
    assert.ok(given[0]?.args[0] instanceof TypeError);
    assert.deepEqual(watch.problems, []);
  });

  it('logs in with the user an async verify without done resolves to, and fails when it resolves to nothing', async () => {
    const found = await answers(
      stubbedStrategy((async (_at: string, _rt: string, profile: Profile) => ({
        id: profile.id,
      })) as unknown as VerifyFunction).strategy,
    );
    assert.deepEqual(found, [{ action: 'success', args: [{ id: 'union-1' }, {}] }]);
    const withRequest = await answers(
      stubbedStrategy(
        (async (req: { query: { state: string } }, _at: string, _rt: string, profile: Profile) => ({
          id: profile.id,
          state: req.query.state,
        })) as unknown as VerifyFunction,
        { passReqToCallback: true },
      ).strategy,
    );
    assert.deepEqual(withRequest, [{ action: 'success', args: [{ id: 'union-1', state: 's' }, {}] }]);
    const nobody = await answers(stubbedStrategy((async () => undefined) as unknown as VerifyFunction).strategy);
    assert.deepEqual(actionsOf(nobody), ['fail']);
  });

  it('waits for done from an async verify that declares it, whatever its promise resolves to', async () => {
    // A callback API's handle returned by mistake must not log anyone in.
    const handleOfACallbackAPI = { query: 'SELECT …' };
    const given = await answers(
      stubbedStrategy((async (_at: string, _rt: string, _profile: Profile, done: Callback) => {
        setTimeout(() => done(null, false, { message: 'not a member' }), 5);
        return handleOfACallbackAPI;
      }) as unknown as VerifyFunction).strategy,
    );
    assert.deepEqual(given, [{ action: 'fail', args: [{ message: 'not a member' }, undefined] }]);
  });

  it('answers through actions called detached from the per-request object, as passport’s own allow', async () => {
    const outage = new Error('the directory is down');
    const failing = await answers(
      stubbedStrategy(function (this: { error: Callback }, _at, _rt, _profile, _done) {
        Promise.reject(outage).catch(this.error);
      } as VerifyFunction).strategy,
    );
    assert.deepEqual(failing, [{ action: 'error', args: [outage] }]);
    const later = await answers(
      stubbedStrategy(function (this: { success: Callback }, _at, _rt, profile) {
        setImmediate(this.success, { id: profile.id });
      } as VerifyFunction).strategy,
    );
    assert.deepEqual(later, [{ action: 'success', args: [{ id: 'union-1' }] }]);
  });

  it('lets verify load the profile again, and refresh through a detached this._oauth2.getOAuthAccessToken', async () => {
    const { strategy, hooks } = stubbedStrategy(function (
      this: { userProfile: TokenHook; _oauth2: Record<string, TokenHook> },
      _at,
      rt,
      profile,
      done,
    ) {
      const refresh = this._oauth2.getOAuthAccessToken as TokenHook;
      refresh(rt, { grant_type: 'refresh_token' }, (err, accessToken) =>
        (this.userProfile as unknown as (t: string, cb: Callback) => void)(accessToken as string, (_e, again) =>
          done(err, { id: profile.id, again }),
        ),
      );
    } as VerifyFunction);
    hooks._oauth2.getOAuthAccessToken = (code: string, _params: object, callback: Callback) =>
      setImmediate(() => callback(null, `token-for-${code}`, 'refresh-token', {}));
    hooks.userProfile = (accessToken: string, done: Callback) => done(null, { provider: 'dingtalk', id: accessToken });
    const given = await answers(strategy);
    assert.deepEqual(given, [
      {
        action: 'success',
        args: [{ id: 'token-for-code-1', again: { provider: 'dingtalk', id: 'token-for-refresh-token' } }, {}],
      },
    ]);
  });

  it('exchanges the code once when the state store lets the login through twice', async () => {
    const { strategy, hooks } = stubbedStrategy();
    let exchanges = 0;
    hooks._oauth2.getOAuthAccessToken = (_c: string, _p: object, callback: Callback) => {
      exchanges++;
      setTimeout(() => callback(null, 'at', '', {}), 5);
    };
    hooks._stateStore = {
      store: (_req: unknown, callback: Callback) => callback(null, 's'),
      verify: (_req: unknown, _state: string, callback: Callback) => {
        callback(null, true);
        callback(null, true);
      },
    };
    assert.deepEqual(actionsOf(await answers(strategy)), ['success']);
    assert.equal(exchanges, 1);
  });

  it('turns an async verify rejecting with a falsy value into an error, not a failure', async () => {
    const { strategy } = stubbedStrategy(() => Promise.reject(false));
    const given = await answers(strategy);
    assert.deepEqual(actionsOf(given), ['error']);
    assert.match(String((given[0]?.args[0] as Error | undefined)?.message), /verify rejected/);
  });

  it('answers each request itself when passport is handed the strategy instance (no Object.create)', async () => {
    const { strategy, hooks } = stubbedStrategy();
    hooks._oauth2.getOAuthAccessToken = (code: string, _p: object, callback: Callback) =>
      setTimeout(() => callback(null, `token-of-${code}`, '', {}), code === 'slow' ? 20 : 1);
    hooks.userProfile = (accessToken: string, done: Callback) => done(null, { id: accessToken });
    const received: Record<string, unknown> = {};
    // passport.authenticate(strategyInstance) attaches the actions to the instance itself.
    const run = (code: string) => {
      const target = strategy as unknown as Record<Action, Callback>;
      target.success = (user: unknown) => {
        received[code] = user;
      };
      strategy.authenticate({ query: { authCode: code } } as unknown as Request, {});
    };
    run('slow');
    run('fast');
    await sleep(60);
    assert.deepEqual(received, { slow: { id: 'token-of-slow' }, fast: { id: 'token-of-fast' } });
  });
});

describe('the verify form passport-oauth2 picks from verify.length', () => {
  const forms: [string, object, (...args: unknown[]) => void, number][] = [
    ['(...args)', {}, (...args: unknown[]) => (args.at(-1) as Callback)(null, { count: args.length }), 4],
    ['four', {}, (_a, _b, _c, done) => (done as Callback)(null, { count: 4 }), 4],
    ['five', {}, (a, b, c, d, done) => (done as Callback)(null, { count: [a, b, c, d].length + 1 }), 5],
    // Six parameters without passReqToCallback: passport-oauth2 passes the four-argument form.
    ['six, no req', {}, (_a, _b, _c, done, _e, _f) => (done as Callback)(null, { count: 4 }), 4],
    [
      'six with req',
      { passReqToCallback: true },
      (_r, _a, _b, _c, _d, done) => (done as Callback)(null, { count: 6 }),
      6,
    ],
    ['five with req', { passReqToCallback: true }, (_r, _a, _b, _c, done) => (done as Callback)(null, { count: 5 }), 5],
  ];
  for (const [name, extra, verify, count] of forms) {
    it(`${name}: ${count} arguments`, async () => {
      const received: number[] = [];
      const recording = new Proxy(verify, {
        apply(target, self, args: unknown[]) {
          received.push(args.length);
          return Reflect.apply(target, self, args);
        },
      });
      const { strategy } = stubbedStrategy(recording as unknown as VerifyFunction, extra);
      assert.deepEqual(actionsOf(await answers(strategy)), ['success']);
      assert.deepEqual(received, [count]);
    });
  }
});

describe('profile.corpId from the token answer', () => {
  it('is set on a copy: a profile object the hook hands out again, or a frozen one, is never written to', async () => {
    const shared = Object.freeze({ provider: 'dingtalk', id: 'union-1' });
    const { strategy, hooks } = stubbedStrategy((_at, _rt, profile, done) =>
      done(null, { id: profile.id, corpId: profile.corpId }),
    );
    hooks.userProfile = (_t: string, done: Callback) => done(null, shared);
    let corpId: string | undefined = 'ding-corp-a';
    hooks._oauth2.getOAuthAccessToken = (_c: string, _p: object, callback: Callback) =>
      callback(null, 'at', '', corpId ? { corpId } : {});
    assert.deepEqual((await answers(strategy))[0]?.args[0], { id: 'union-1', corpId: 'ding-corp-a' });
    corpId = undefined;
    assert.deepEqual((await answers(strategy))[0]?.args[0], { id: 'union-1', corpId: undefined });
    assert.deepEqual(shared, { provider: 'dingtalk', id: 'union-1' });
  });

  it('keeps the class of a profile a subclass builds', async () => {
    class EmployeeProfile {
      provider = 'dingtalk';
      id = 'union-1';
      get badge() {
        return `E-${this.id}`;
      }
    }
    const { strategy, hooks } = stubbedStrategy((_at, _rt, profile, done) =>
      done(null, { badge: (profile as unknown as EmployeeProfile).badge, corpId: profile.corpId }),
    );
    hooks.userProfile = (_t: string, done: Callback) => done(null, new EmployeeProfile());
    hooks._oauth2.getOAuthAccessToken = (_c: string, _p: object, callback: Callback) =>
      callback(null, 'at', '', { corpId: 'ding-corp-a' });
    assert.deepEqual((await answers(strategy))[0]?.args[0], { badge: 'E-union-1', corpId: 'ding-corp-a' });
  });
});

describe('odd callbacks', () => {
  it('refuses a code passport-oauth2 would read from the query’s prototype', async () => {
    const { strategy } = stubbedStrategy(keepId, { scope: 'openid corpid', allowedCorpIds: ['ding-good'] });
    const given = await answers(strategy, Object.create({ code: 'inherited' }));
    assert.deepEqual(actionsOf(given), ['fail']);
    assert.equal((given[0]?.args[0] as { reason: string } | undefined)?.reason, 'malformed_callback');
  });

  it('repeats an error= value only when it looks like an error code', async () => {
    const { strategy } = stubbedStrategy();
    const plain = await answers(strategy, { error: 'access_denied' });
    assert.equal(
      (plain[0]?.args[0] as { message: string } | undefined)?.message,
      'DingTalk login was not authorized: access_denied',
    );
    const crafted = await answers(strategy, { error: 'Your account is suspended: call +86 000' });
    assert.deepEqual(crafted[0]?.args[0], { message: 'DingTalk login was not authorized.', reason: 'access_denied' });
  });

  it('gives a one-parameter skipUserProfile the access token, as documented', async () => {
    const seen: string[] = [];
    const strategy = new Strategy(
      {
        ...options,
        skipUserProfile: (accessToken: string) => {
          seen.push(accessToken);
          return true;
        },
      },
      (_at, _rt, profile: Profile | undefined, done) => done(null, { skipped: profile === undefined }),
    );
    const hooks = strategy as unknown as AnyHooks;
    hooks._oauth2.getOAuthAccessToken = (_c: string, _p: object, callback: Callback) => callback(null, 'at-1', '', {});
    assert.deepEqual((await answers(strategy))[0]?.args[0], { skipped: true });
    assert.deepEqual(seen, ['at-1']);
  });
});
