// What an app reaches into a login with, called the way passport calls a strategy: the hooks
// passport-oauth2 documents (_oauth2.getOAuthAccessToken, userProfile, _stateStore, a subclass's
// tokenParams and authorizationParams), verify in every form, the callback as it arrives, and
// chai-passport-strategy. Whatever the hooks do (call back twice, throw, reject, answer late), a
// login gets exactly one answer and the process sees no unhandled error. Nothing leaves the process.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import chai from 'chai';
import chaiPassportStrategy, { type PassportTest, type PassportTestRequest } from 'chai-passport-strategy';
import { DingTalkAPIError, type FetchFunction, type Profile, Strategy, type VerifyFunction } from '../lib/index';
import { watchProcess } from './helpers/process-watch';

chai.use(chaiPassportStrategy);

type Action = 'success' | 'fail' | 'error' | 'redirect' | 'pass';
/** An answer the strategy gave, or `threw`: an exception that left authenticate() itself. */
type Answer = { action: Action | 'threw'; args: unknown[] };
type Req = Parameters<Strategy['authenticate']>[0];
type Callback = (...args: unknown[]) => void;
type TokenHook = (code: string, params: Record<string, unknown>, callback: Callback) => void;
type ProfileHook = (accessToken: string, done: Callback) => unknown;
/** The hooks passport-oauth2 documents as overridable, as a test (or an app) reaches them. */
type Hooks = Record<string, unknown> & { _oauth2: { getOAuthAccessToken: TokenHook }; userProfile: ProfileHook };

const options = {
  clientID: 'ding-client-id',
  clientSecret: 'ding-client-secret',
  callbackURL: 'https://app.example/cb',
};
const keepId: VerifyFunction = (_at, _rt, profile, done) => done(null, { id: profile?.id });
const tokens = { accessToken: 'access-token', refreshToken: 'refresh-token', expireIn: 7200 };

/** DingTalk answered in-process: users/me is union-1, any other URL a token; `requests` records each. */
function fakeDingTalk(requests: { url: string; body?: string }[]): FetchFunction {
  return async (url, init) => {
    requests.push({ url, ...(init.body ? { body: init.body } : {}) });
    const json = url.endsWith('/users/me') ? { unionId: 'union-1', nick: 'Zhang San' } : tokens;
    return { status: 200, headers: { get: () => null }, text: async () => JSON.stringify(json) };
  };
}

/** A strategy whose token exchange is stubbed, as users stub it; the profile comes from fakeDingTalk. */
function stubbed(verify: VerifyFunction = keepId, extra: object = {}, StrategyClass = Strategy) {
  const requests: { url: string; body?: string }[] = [];
  const strategy = new StrategyClass({ ...options, fetch: fakeDingTalk(requests), ...extra }, verify);
  const hooks = strategy as unknown as Hooks;
  const exchanges: [string, Record<string, unknown>][] = [];
  hooks._oauth2.getOAuthAccessToken = (code, params, callback) => {
    exchanges.push([code, params]);
    callback(null, tokens.accessToken, tokens.refreshToken, { ...tokens });
  };
  return { strategy, hooks, exchanges, requests };
}

const watch = watchProcess();
after(() => watch.stop());

interface Run {
  query?: object;
  /** The whole request instead of `{ query }`, such as a plain node:http one with a URL only. */
  req?: object;
  options?: object;
  /** What the code that takes an answer throws. */
  throwing?: Partial<Record<Action, Error>>;
}

/** Runs authenticate as passport does, on Object.create(strategy), and collects every answer given within a short while. */
async function answers(strategy: Strategy, run: Run = {}): Promise<Answer[]> {
  const given: Answer[] = [];
  const attempt = Object.create(strategy) as Record<Action, Callback> & Strategy;
  for (const action of ['success', 'fail', 'error', 'redirect', 'pass'] as const) {
    attempt[action] = (...args: unknown[]) => {
      given.push({ action, args });
      const error = run.throwing?.[action];
      if (error) throw error;
    };
  }
  const req = run.req ?? { headers: {}, query: run.query ?? { authCode: 'code-1', state: 's' } };
  try {
    attempt.authenticate(req as Req, run.options ?? {});
  } catch (error) {
    given.push({ action: 'threw', args: [error] });
  }
  await sleep(30);
  assert.deepEqual(watch.problems, []);
  return given;
}

const actionsOf = (given: Answer[]) => given.map((answer) => answer.action);
const success = (user: unknown): Answer[] => [{ action: 'success', args: [user, {}] }];
const errored = (error: unknown): Answer[] => [{ action: 'error', args: [error] }];
/** Throws `error`, once the other arguments (such as a call to done) have run. */
const raise = (error: unknown, ..._after: unknown[]): never => {
  throw error;
};
const reasonOf = (given: Answer[]) => (given[0]?.args[0] as { reason?: string } | undefined)?.reason;

describe('hooks an app stubs or overrides: looked up when called, heard once', () => {
  it('hears the first answer of userProfile, whether it calls back, throws or returns a promise', async () => {
    const thrown = new Error('the directory is down');
    const rows: [string, ProfileHook, Answer[]][] = [
      ['calls back twice', (_t, done) => [done(null, { id: 'a' }), done(null, { id: 'b' })], success({ id: 'a' })],
      ['throws', () => raise(thrown), errored(thrown)],
      ['throws after calling back', (_t, done) => raise(thrown, done(null, { id: 'a' })), success({ id: 'a' })],
      ['rejects', async () => raise(thrown), errored(thrown)],
      ['rejects without a reason', () => Promise.reject(), errored(Error('userProfile rejected'))],
      [
        'resolves, then calls back',
        async (_t, done) => void setTimeout(done, 5, null, { id: 'a' }),
        success({ id: 'a' }),
      ],
      ['calls back, then rejects', async (_t, done) => raise(thrown, done(null, { id: 'a' })), success({ id: 'a' })],
    ];
    for (const [name, hook, expected] of rows) {
      const { strategy, hooks } = stubbed();
      hooks.userProfile = hook;
      assert.deepEqual(await answers(strategy), expected, name);
    }
  });

  it('exchanges the code once, and answers once, when the token hook or the state store calls back twice', async () => {
    const twice = stubbed();
    twice.hooks._oauth2.getOAuthAccessToken = (_c, _p, callback) => [
      callback(null, 'a', '', {}),
      callback(null, 'b', '', {}),
    ];
    assert.deepEqual(actionsOf(await answers(twice.strategy)), ['success']);

    for (const [first, expected] of [
      [false, 'fail'],
      [true, 'success'],
    ] as const) {
      const { strategy, hooks, exchanges } = stubbed();
      hooks._stateStore = {
        store: (_req: unknown, callback: Callback) => callback(null, 's'),
        verify: (_req: unknown, _state: string, callback: Callback) => {
          callback(null, first, { message: 'not this one' });
          callback(null, true);
        },
      };
      const given = await answers(strategy);
      assert.deepEqual(actionsOf(given), [expected]);
      assert.equal(exchanges.length, first ? 1 : 0);
      if (!first) assert.equal(reasonOf(given), 'state_mismatch');
    }
  });

  it('hands a throw from tokenParams, the token hook or userProfile, run after an async state store, to error()', async () => {
    for (const hook of ['tokenParams', 'getOAuthAccessToken', 'userProfile'] as const) {
      const { strategy, hooks } = stubbed();
      hooks._stateStore = {
        store: (_req: unknown, callback: Callback) => callback(null, 's'),
        verify: (_req: unknown, _state: string, callback: Callback) => setImmediate(callback, null, true),
      };
      const thrower = () => {
        throw new Error(`${hook} threw`);
      };
      if (hook === 'getOAuthAccessToken') hooks._oauth2.getOAuthAccessToken = thrower;
      else hooks[hook] = thrower;
      assert.deepEqual(await answers(strategy), [{ action: 'error', args: [Error(`${hook} threw`)] }], hook);
    }
  });

  it('lets a throw from the code that took the answer leave authenticate(), as passport-oauth2 would, never answering twice', async () => {
    const assertionInATest = new Error('expected user 1, got user 2');
    for (const [query, action] of [
      [{ authCode: 'c' }, 'success'],
      [{ error: 'access_denied' }, 'fail'],
    ] as const) {
      const { strategy, hooks } = stubbed();
      hooks.userProfile = (_t, done) => done(null, { id: 'union-1' });
      const given = await answers(strategy, { query, throwing: { [action]: assertionInATest } });
      assert.deepEqual(actionsOf(given), [action, 'threw']);
      assert.equal(given[1]?.args[0], assertionInATest);
    }
  });

  it('reports a later throw from the code that took the answer as a process warning: no second answer, no crash', async () => {
    const { strategy, hooks } = stubbed();
    const outage = new DingTalkAPIError('token', { dingtalkStatus: 503, code: 'ServiceUnavailable', description: '' });
    hooks._oauth2.getOAuthAccessToken = (_c, _p, callback) => Promise.resolve().then(() => callback(outage));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    // A custom callback written `if (err) throw err`: the throw would escape into a promise.
    const given = await answers(strategy, { throwing: { error: new Error('if (err) throw err') } }).finally(() =>
      process.off('warning', onWarning),
    );
    assert.deepEqual(given, [{ action: 'error', args: [outage] }]);
    assert.deepEqual(warnings, [
      "passport-dingtalk-oauth2: the code that took the login's error() threw: Error: if (err) throw err",
    ]);
  });

  it('lets verify refresh through a detached this._oauth2.getOAuthAccessToken and load the profile again', async () => {
    const { strategy, hooks } = stubbed(function (this: Hooks, _at, rt, profile, done) {
      const refresh = this._oauth2.getOAuthAccessToken;
      refresh(rt, { grant_type: 'refresh_token' }, (err, accessToken) =>
        this.userProfile(accessToken as string, (_e, again) => done(err, { id: profile.id, again })),
      );
    } as VerifyFunction);
    const exchanged: string[] = [];
    hooks._oauth2.getOAuthAccessToken = (code, params, callback) => {
      exchanged.push(`${params.grant_type}:${code}`);
      setImmediate(callback, null, `token-for-${code}`, 'refresh-token', {});
    };
    hooks.userProfile = (accessToken, done) => done(null, { id: accessToken });
    assert.deepEqual(
      await answers(strategy),
      success({ id: 'token-for-code-1', again: { id: 'token-for-refresh-token' } }),
    );
    assert.deepEqual(exchanged, ['authorization_code:code-1', 'refresh_token:refresh-token']);
  });

  it('answers through actions called detached from the per-request object, as passport’s own allow', async () => {
    const outage = new Error('the directory is down');
    const failing = stubbed(function (this: { error: Callback }) {
      Promise.reject(outage).catch(this.error);
    } as VerifyFunction);
    assert.deepEqual(await answers(failing.strategy), [{ action: 'error', args: [outage] }]);
    const later = stubbed(function (this: { success: Callback }, _at, _rt, profile) {
      setImmediate(this.success, { id: profile.id });
    } as VerifyFunction);
    assert.deepEqual(await answers(later.strategy), [{ action: 'success', args: [{ id: 'union-1' }] }]);
  });

  it('answers each request itself when passport is handed the strategy instance (no Object.create)', async () => {
    const { strategy, hooks } = stubbed();
    hooks._oauth2.getOAuthAccessToken = (code, _p, callback) =>
      setTimeout(callback, code === 'slow' ? 20 : 1, null, `token-of-${code}`, '', {});
    hooks.userProfile = (accessToken, done) => done(null, { id: accessToken });
    const received: Record<string, unknown> = {};
    // passport.authenticate(strategyInstance) attaches the actions to the instance itself.
    for (const code of ['slow', 'fast']) {
      (strategy as unknown as Record<Action, Callback>).success = (user) => {
        received[code] = user;
      };
      strategy.authenticate({ query: { authCode: code } } as unknown as Req, {});
    }
    await sleep(60);
    assert.deepEqual(received, { slow: { id: 'token-of-slow' }, fast: { id: 'token-of-fast' } });
  });

  it('keeps the organization allow-list with the exchange stubbed, before the profile and verify', async () => {
    let verifyCalls = 0;
    const counting: VerifyFunction = (_at, _rt, profile, done) => {
      verifyCalls++;
      done(null, { id: profile.id, corpId: profile.corpId });
    };
    for (const [corpId, expected] of [
      ['ding-other', 'fail'],
      [undefined, 'fail'],
      ['ding-good', 'success'],
    ] as const) {
      const { strategy, hooks, requests } = stubbed(counting, {
        scope: 'openid corpid',
        allowedCorpIds: ['ding-good'],
      });
      hooks._oauth2.getOAuthAccessToken = (_c, _p, callback) => callback(null, 'at', '', corpId ? { corpId } : {});
      const given = await answers(strategy);
      if (expected === 'success') assert.deepEqual(given, success({ id: 'union-1', corpId }));
      else {
        assert.deepEqual(
          [actionsOf(given), reasonOf(given), given[0]?.args[1]],
          [['fail'], 'organization_not_allowed', 403],
        );
        assert.deepEqual(requests, [], 'no profile request');
      }
    }
    assert.equal(verifyCalls, 1);
  });

  it('uses a _stateStore replaced after construction, for both legs', async () => {
    const { strategy, hooks } = stubbed();
    const calls: string[] = [];
    hooks._stateStore = {
      store(_req: unknown, callback: Callback) {
        calls.push('store');
        callback(null, 'state-from-my-store');
      },
      verify(_req: unknown, state: string, callback: Callback) {
        calls.push(`verify ${state}`);
        callback(null, state === 'state-from-my-store', { message: 'not mine' });
      },
    };
    const [start] = await answers(strategy, { query: {} });
    const state = new URL(String(start?.args[0])).searchParams.get('state');
    assert.equal(state, 'state-from-my-store');
    assert.deepEqual(await answers(strategy, { query: { authCode: 'c', state } }), [
      { action: 'success', args: [{ id: 'union-1' }, { state: { message: 'not mine' } }] },
    ]);
    assert.deepEqual(calls, ['store', 'verify state-from-my-store']);
  });

  it('runs a subclass’s userProfile, which can add to the DingTalk profile, and answers a throw in its callback', async () => {
    class WithDepartment extends Strategy {
      override userProfile(accessToken: string, done: (err?: unknown, profile?: Profile) => void): void {
        super.userProfile(accessToken, (err, profile) =>
          done(err, profile && Object.assign(profile, { department: 'R&D' })),
        );
      }
    }
    const keepDepartment: VerifyFunction = (_at, _rt, profile, done) =>
      done(null, { id: profile.id, department: (profile as Profile & { department: string }).department });
    const good = stubbed(keepDepartment, {}, WithDepartment);
    assert.deepEqual(await answers(good.strategy), success({ id: 'union-1', department: 'R&D' }));

    class WithBadge extends Strategy {
      override userProfile(accessToken: string, done: (err?: unknown, profile?: Profile) => void): void {
        super.userProfile(accessToken, (_err, profile) => {
          // DingTalk sent no badge: the subclass's own code throws a TypeError here.
          const badge = ((profile as Profile)._json as unknown as { badge: { number: string } }).badge.number;
          done(null, Object.assign(profile as Profile, { badge }));
        });
      }
    }
    const [answer, ...more] = await answers(stubbed(keepId, {}, WithBadge).strategy);
    assert.equal(answer?.action, 'error');
    assert.ok(answer?.args[0] instanceof TypeError);
    assert.deepEqual(more, []);
  });

  it('hands what a subclass’s tokenParams returns to the token hook, not to DingTalk’s JSON body', async () => {
    class WithTokenParams extends Strategy {
      override tokenParams(): object {
        return { audience: 'my-api' };
      }
    }
    const requests: { url: string; body?: string }[] = [];
    const strategy = new WithTokenParams({ ...options, fetch: fakeDingTalk(requests) }, keepId);
    const oauth2 = (strategy as unknown as Hooks)._oauth2;
    const original = oauth2.getOAuthAccessToken;
    const params: Record<string, unknown>[] = [];
    oauth2.getOAuthAccessToken = (code, given, callback) => {
      params.push(given);
      original.call(oauth2, code, given, callback);
    };
    assert.deepEqual(await answers(strategy), success({ id: 'union-1' }));
    assert.deepEqual([params[0]?.audience, params[0]?.grant_type], ['my-api', 'authorization_code']);
    assert.deepEqual(Object.keys(JSON.parse(requests[0]?.body ?? '{}')).sort(), [
      'clientId',
      'clientSecret',
      'code',
      'grantType',
    ]);
  });
});

describe('verify, in every form passport-oauth2 supports', () => {
  it('passes the arguments passport-oauth2 picks from verify.length and passReqToCallback', async () => {
    const tokens4 = ['access-token', 'refresh-token', 'profile union-1', 'done'];
    const tokens5 = ['access-token', 'refresh-token', 'params 7200', 'profile union-1', 'done'];
    // Six parameters without passReqToCallback: passport-oauth2 passes the four-argument form.
    for (const [length, passReqToCallback, expected] of [
      [0, false, tokens4],
      [4, false, tokens4],
      [5, false, tokens5],
      [6, false, tokens4],
      [5, true, ['req s', ...tokens4]],
      [6, true, ['req s', ...tokens5]],
    ] as const) {
      let received: string[] = [];
      const verify = (...args: unknown[]) => {
        received = args.map((arg) => {
          if (typeof arg !== 'object' || arg === null) return typeof arg === 'function' ? 'done' : String(arg);
          const { query, expireIn, id } = arg as { query?: { state: string }; expireIn?: number; id?: string };
          return query ? `req ${query.state}` : expireIn ? `params ${expireIn}` : `profile ${id}`;
        });
        (args.find((arg) => typeof arg === 'function') as Callback)(null, { length });
      };
      Object.defineProperty(verify, 'length', { value: length });
      const { strategy } = stubbed(verify as VerifyFunction, { passReqToCallback });
      assert.deepEqual(await answers(strategy), success({ length }));
      assert.deepEqual(received, expected, `${length} ${passReqToCallback}`);
    }
  });

  it('takes verify’s first answer, whether it calls done, throws or returns a promise', async () => {
    const down = new Error('the user database is down');
    /** A verify of the four-argument form that declares done. */
    const withDone = (body: (done: Callback) => unknown) => (_a: unknown, _r: unknown, _p: unknown, done: Callback) =>
      body(done);
    const refused = (message: string): Answer[] => [{ action: 'fail', args: [{ message }, undefined] }];
    const rows: [string, (...args: never[]) => unknown, Answer[], object?][] = [
      ['calls done with an error', withDone((done) => done(down)), errored(down)],
      ['throws', () => raise(down), errored(down)],
      ['rejects', async () => raise(down), errored(down)],
      ['rejects with false', () => Promise.reject(false), errored(Error('verify rejected without a reason'))],
      ['refuses', withDone((done) => done(null, false, { message: 'Not an employee' })), refused('Not an employee')],
      [
        'calls done twice, then rejects',
        withDone(async (done) => raise(Error('rejected after done'), done(null, { id: 'u' }), done(Error('second')))),
        success({ id: 'u' }),
      ],
      ['resolves to the user, without done', async () => ({ id: 'u' }), success({ id: 'u' })],
      [
        'resolves to the user, without done, with passReqToCallback',
        async (req: { query: { state: string } }) => ({ state: req.query.state }),
        success({ state: 's' }),
        { passReqToCallback: true },
      ],
      ['resolves to nothing, without done', async () => undefined, [{ action: 'fail', args: [undefined, undefined] }]],
      [
        // A callback API's handle returned by mistake must not log anyone in.
        'declares done and resolves to something else',
        withDone(async (done) => [setTimeout(done, 5, null, false, { message: 'not a member' }), { query: '…' }][1]),
        refused('not a member'),
      ],
    ];
    for (const [name, verify, expected, extra] of rows) {
      assert.deepEqual(await answers(stubbed(verify as unknown as VerifyFunction, extra).strategy), expected, name);
    }
  });

  it('gives verify profile.corpId on a copy, keeping the class of a profile a subclass builds', async () => {
    class EmployeeProfile {
      provider = 'dingtalk';
      id = 'union-1';
      get badge() {
        return `E-${this.id}`;
      }
    }
    const shared = Object.freeze({ provider: 'dingtalk', id: 'union-1' });
    for (const [profile, corpId, user] of [
      [shared, 'ding-corp-a', { id: 'union-1', corpId: 'ding-corp-a' }],
      [shared, undefined, { id: 'union-1', corpId: undefined }],
      [new EmployeeProfile(), 'ding-corp-a', { id: 'union-1', corpId: 'ding-corp-a', badge: 'E-union-1' }],
    ] as const) {
      const { strategy, hooks } = stubbed((_at, _rt, p, done) =>
        done(null, {
          id: p.id,
          corpId: p.corpId,
          ...((p as object) instanceof EmployeeProfile ? { badge: (p as unknown as EmployeeProfile).badge } : {}),
        }),
      );
      hooks.userProfile = (_t, done) => done(null, profile);
      hooks._oauth2.getOAuthAccessToken = (_c, _p, callback) => callback(null, 'at', '', corpId ? { corpId } : {});
      assert.deepEqual(await answers(strategy), success(user));
    }
    assert.deepEqual(
      shared,
      { provider: 'dingtalk', id: 'union-1' },
      'a profile the hook hands out again is never written to',
    );
  });

  it('skips the profile when skipUserProfile is true, or a function of the access token says so', async () => {
    const seen: unknown[] = [];
    for (const skipUserProfile of [
      true,
      (accessToken: string) => seen.push(accessToken) > 0,
      (accessToken: string, done: Callback) => done(null, seen.push(accessToken) > 0),
    ]) {
      const keepProfile: VerifyFunction = (_at, _rt, profile, done) => done(null, { profile: profile ?? null });
      const { strategy, requests } = stubbed(keepProfile, { skipUserProfile });
      assert.deepEqual(await answers(strategy), success({ profile: null }));
      assert.deepEqual(requests, []);
    }
    assert.deepEqual(seen, ['access-token', 'access-token']);
  });
});

describe('the callback as it arrives', () => {
  // What each callback ends in: the code exchanged (a login), a redirect (a new login) or the fail() reason.
  const rows: [string, object, string][] = [
    ['authCode', { query: { authCode: 'abc', state: 's1' } }, 'abc'],
    ['code, when authCode is absent', { query: { code: 'abc' } }, 'abc'],
    ['authCode and code that agree', { query: { authCode: 'x', code: 'x' } }, 'x'],
    ['authCode and code that differ', { query: { authCode: 'x', code: 'y' } }, 'malformed_callback'],
    ['error=, even next to a code', { query: { error: 'access_denied', state: 's', authCode: 'c' } }, 'access_denied'],
    ['neither a code nor an error', { query: {} }, 'redirect'],
    ['an empty authCode', { query: { authCode: '', state: 'x' } }, 'redirect'],
    ['authCode repeated', { query: { authCode: ['a', 'b'] } }, 'malformed_callback'],
    ['code as a list', { query: { code: ['a'] } }, 'malformed_callback'],
    ['authCode nested', { query: { authCode: { nested: 'a' } } }, 'malformed_callback'],
    ['state repeated', { query: { authCode: 'a', state: ['s1', 's2'] } }, 'malformed_callback'],
    ['error repeated', { query: { error: ['x', 'y'] } }, 'malformed_callback'],
    ['a code far longer than DingTalk sends', { query: { authCode: 'a'.repeat(100_000) } }, 'malformed_callback'],
    ['a long state', { query: { authCode: 'a', state: 's'.repeat(100_000) } }, 'malformed_callback'],
    ['authCode inherited from the prototype', { query: Object.create({ authCode: 'proto' }) }, 'redirect'],
    // passport-oauth2 itself would read req.query.code through the prototype.
    ['code inherited from the prototype', { query: Object.create({ code: 'inherited' }) }, 'malformed_callback'],
    ['the URL of a plain node:http request', { url: '/cb?authCode=abc&state=%E7%8A%B6' }, 'abc'],
    ['a plain request with error=', { url: '/cb?error=access_denied' }, 'access_denied'],
    ['a plain request repeating authCode', { url: '/cb?authCode=a&authCode=b' }, 'malformed_callback'],
    ['a plain request with a long state', { url: `/cb?authCode=abc&state=${'s'.repeat(5000)}` }, 'malformed_callback'],
    ['a plain request without a code', { url: '/cb' }, 'redirect'],
    ['a form field named state, without a code', { query: {}, body: { state: 'a form field' } }, 'redirect'],
    ['an empty code in a form', { query: {}, body: { code: '' } }, 'redirect'],
  ];
  for (const [query, body] of [
    [{}, { code: 'c', state: 's' }],
    [{}, { authCode: 'c' }],
    [{ authCode: 'c' }, { state: 's' }],
    [{ authCode: 'c', state: 's' }, { code: 'c' }],
  ]) {
    rows.push([`${JSON.stringify(body)} in the body`, { query, body }, 'malformed_callback']);
  }

  it('reads authCode or code from the query once, refusing anything odd before the exchange', async () => {
    await Promise.all(
      rows.map(async ([name, req, expected]) => {
        const { strategy, exchanges } = stubbed();
        const given = await answers(strategy, { req });
        const [answer] = given;
        const reason = reasonOf(given);
        const ended =
          answer?.action === 'success' ? exchanges.map(([code]) => code).join() : (reason ?? answer?.action);
        assert.deepEqual([ended, given.length], [expected, 1], name);
        if (answer?.action !== 'success') assert.deepEqual(exchanges, [], name);
        if (reason === 'malformed_callback') assert.equal(answer?.args[1], 400, name);
        const message = (answer?.args[0] as { message?: string } | undefined)?.message;
        if (name.endsWith('in the body')) assert.match(String(message), /must be in the query, not the body/);
      }),
    );
  });

  it('logs in from a req.query getter that parses the URL on every read (Express 5), and never calls a setter (koa)', async () => {
    class Express5Request {
      headers = {};
      url = '/cb?authCode=abc&state=s';
      get query() {
        return Object.fromEntries(new URL(this.url, 'http://x').searchParams);
      }
    }
    let written = 0;
    const koaRequest = Object.create({
      headers: {},
      get query() {
        return { authCode: 'abc' };
      },
      set query(_value: unknown) {
        written++;
      },
    });
    for (const req of [new Express5Request(), koaRequest]) {
      const { strategy, exchanges } = stubbed();
      assert.deepEqual(await answers(strategy, { req }), success({ id: 'union-1' }));
      assert.deepEqual(exchanges.map(([code]) => code).join(), 'abc');
    }
    assert.equal(written, 0);
  });

  it('repeats an error= value only when it looks like an error code', async () => {
    const { strategy } = stubbed();
    const plain = await answers(strategy, { query: { error: 'access_denied' } });
    assert.deepEqual(plain[0]?.args, [
      {
        message: 'DingTalk login was not authorized: access_denied',
        reason: 'access_denied',
        dingtalkError: 'access_denied',
      },
    ]);
    const crafted = await answers(strategy, { query: { error: 'Your account is suspended: call +86 000' } });
    assert.deepEqual(crafted[0]?.args[0], { message: 'DingTalk login was not authorized.', reason: 'access_denied' });
  });
});

describe('the authorize redirect a login starts with', () => {
  it('maps the route options to DingTalk’s names, always asks for consent, and runs a subclass’s authorizationParams', async () => {
    class WithLanguage extends Strategy {
      override authorizationParams(authOptions: object): Record<string, string> {
        return { ...super.authorizationParams(authOptions), lang: 'zh_CN' };
      }
    }
    const { strategy } = stubbed(keepId, { scope: 'openid corpid' }, WithLanguage);
    const redirectOf = async (authOptions: object) => {
      const given = await answers(strategy, { query: {}, options: authOptions });
      assert.deepEqual(actionsOf(given), ['redirect']);
      const location = new URL(String(given[0]?.args[0]));
      assert.equal(location.origin + location.pathname, 'https://login.dingtalk.com/oauth2/auth');
      return Object.fromEntries(location.searchParams);
    };
    const plain = {
      ...{ response_type: 'code', redirect_uri: options.callbackURL, scope: 'openid corpid', prompt: 'consent' },
      ...{ client_id: options.clientID, lang: 'zh_CN' },
    };
    // Values of the wrong type are left out; the route's (frozen) options are never written to.
    assert.deepEqual(await redirectOf({ corpId: 42, orgType: {}, exclusiveLogin: 'yes' }), plain);
    const routeOptions = Object.freeze({ corpId: 'dingA', orgType: 'management', exclusiveLogin: true });
    for (let run = 0; run < 2; run++) {
      assert.deepEqual(await redirectOf({ ...routeOptions, exclusiveCorpId: 'dingB', state: 'fixed-state' }), {
        ...plain,
        ...{ corpId: 'dingA', org_type: 'management', exclusiveLogin: 'true', exclusiveCorpId: 'dingB' },
        state: 'fixed-state',
      });
    }
  });
});

describe('tested with chai-passport-strategy, as docs/testing.md shows', () => {
  /** Runs one chai-passport-strategy test and resolves with the action the strategy took. */
  function run(test: PassportTest): Promise<{ action: string; args: unknown[] }> {
    return new Promise((resolve) => {
      const settle =
        (action: string) =>
        (...args: unknown[]) =>
          resolve({ action, args });
      test.success(settle('success')).fail(settle('fail')).error(settle('error')).redirect(settle('redirect'));
      test.authenticate();
    });
  }

  it('logs in with _oauth2.getOAuthAccessToken and userProfile stubbed, handing verify the very request', async () => {
    let prepared: PassportTestRequest | undefined;
    const { strategy, hooks, exchanges, requests } = stubbed(
      ((req: PassportTestRequest, accessToken: string, refreshToken: string, profile: Profile, done: Callback) => {
        assert.equal(req, prepared);
        done(null, { id: profile.id, accessToken, refreshToken, tenant: req.headers['x-tenant'] });
      }) as unknown as VerifyFunction,
      { passReqToCallback: true },
    );
    const seen: string[] = [];
    hooks.userProfile = (accessToken, done) =>
      done(null, { provider: 'dingtalk', id: `union-of-${seen.push(accessToken)}` });
    const outcome = await run(
      chai.passport.use(strategy).request((req) => {
        prepared = req;
        req.headers['x-tenant'] = 'acme';
        req.query = { authCode: 'SplxlOBeZQQYbYS6WxSbIA' };
      }),
    );
    assert.deepEqual(outcome.args[0], {
      id: 'union-of-1',
      accessToken: 'access-token',
      refreshToken: 'refresh-token',
      tenant: 'acme',
    });
    assert.deepEqual(exchanges, [
      ['SplxlOBeZQQYbYS6WxSbIA', { grant_type: 'authorization_code', redirect_uri: options.callbackURL }],
    ]);
    assert.deepEqual([seen, requests], [['access-token'], []]);
  });

  it('checks the state kept in the session with state: true', async () => {
    const { strategy } = stubbed(keepId, { state: true });
    const withState = (state: string) =>
      run(
        chai.passport.use(strategy).request((req) => {
          req.session = { 'oauth2:login.dingtalk.com': { state: 'xyz-state' } };
          req.query = { authCode: 'c', state };
        }),
      );
    assert.equal((await withState('xyz-state')).action, 'success');
    const forged = await withState('forged');
    assert.deepEqual(
      [forged.action, (forged.args[0] as { reason?: string }).reason, forged.args[1]],
      ['fail', 'state_mismatch', 403],
    );
  });

  it('lets an unexpected outcome fail the test at once, as chai-passport-strategy reports it', () => {
    const { strategy, hooks } = stubbed(keepId, { scope: 'openid corpid', allowedCorpIds: ['ding-allowed'] });
    hooks._oauth2.getOAuthAccessToken = (_code, _params, callback) =>
      callback(null, 'at', 'rt', { corpId: 'ding-other' });
    const test = chai.passport
      .use(strategy)
      .request((req) => {
        req.query = { authCode: 'c' };
      })
      .success(() => assert.fail('another organization must not log in'));
    assert.throws(() => test.authenticate(), /Strategy#fail should not be called/);
  });
});
