// InAppStrategy as apps test it: chai-passport-strategy runs authenticate() on
// Object.create(strategy), as passport does, with `userProfile` stubbed so no request leaves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import chai from 'chai';
import chaiPassportStrategy, { type PassportTest, type PassportTestRequest } from 'chai-passport-strategy';
import { DingTalkAPIError, type FetchFunction, type InAppProfile, InAppStrategy } from '../lib/index';
import { watchProcess } from './helpers/process-watch';

chai.use(chaiPassportStrategy);

const requestsToDingTalk: string[] = [];
const noNetwork: FetchFunction = async (url) => {
  requestsToDingTalk.push(url);
  throw new Error('the test reached the network');
};
const options = { clientID: 'ding-app-key', clientSecret: 'app-secret-value', corpId: 'dingcorp1', fetch: noNetwork };
const profile = { provider: 'dingtalk', id: 'union-1', unionId: 'union-1', userId: 'u1', corpId: 'dingcorp1' };

type ProfileHook = (code: string, corpId: string, done: (err?: unknown, profile?: object) => void) => unknown;

function stub(strategy: InAppStrategy, hook: ProfileHook): void {
  (strategy as unknown as { userProfile: ProfileHook }).userProfile = hook;
}

function run(strategy: InAppStrategy, prepare: (req: PassportTestRequest) => void) {
  return new Promise<{ action: string; args: unknown[] }>((resolve) => {
    const settle =
      (action: string) =>
      (...args: unknown[]) =>
        resolve({ action, args });
    const test: PassportTest = chai.passport.use(strategy).request(prepare);
    test.success(settle('success')).fail(settle('fail')).error(settle('error')).redirect(settle('redirect'));
    test.authenticate();
  });
}

// As the page posts it: JSON (the harness's request has no Sec-Fetch-Site, as an older browser).
const post =
  (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  (req: PassportTestRequest) => {
    req.method = 'POST';
    req.body = body;
    Object.assign(req.headers, headers);
  };

describe('InAppStrategy tested with chai-passport-strategy', () => {
  it('logs in with the stubbed profile, passing the code and the organization to userProfile', async () => {
    const seen: unknown[] = [];
    const strategy = new InAppStrategy(options, (p, done) => done(null, { id: p.id }));
    stub(strategy, (code, corpId, done) => {
      seen.push(code, corpId);
      done(null, profile);
    });
    const outcome = await run(strategy, post({ code: 'c0de1234' }));
    assert.deepEqual(outcome, { action: 'success', args: [{ id: 'union-1' }, undefined] });
    assert.deepEqual(seen, ['c0de1234', 'dingcorp1']);
    assert.deepEqual(requestsToDingTalk, []);
  });

  it('passes req first with passReqToCallback, and works with an async verify', async () => {
    const strategy = new InAppStrategy({ ...options, passReqToCallback: true }, async (req, p, done) => {
      await new Promise((resolve) => setImmediate(resolve));
      done(null, { id: p.id, via: (req.body as { via: string }).via }, { message: 'welcome' });
    });
    stub(strategy, (_code, _corpId, done) => done(null, profile));
    const outcome = await run(strategy, post({ code: 'c0de1234', via: 'workbench' }));
    assert.deepEqual(outcome, {
      action: 'success',
      args: [{ id: 'union-1', via: 'workbench' }, { message: 'welcome' }],
    });
  });

  it('fails with the verify info when verify gives no user', async () => {
    const strategy = new InAppStrategy(options, (_p, done) => done(null, false, { message: 'not a member' }));
    stub(strategy, (_code, _corpId, done) => done(null, profile));
    assert.deepEqual(await run(strategy, post({ code: 'c0de1234' })), {
      action: 'fail',
      args: [{ message: 'not a member' }],
    });
  });

  it('reports a verify that throws or rejects as an error', async () => {
    for (const verify of [
      () => {
        throw new Error('database down');
      },
      async () => {
        throw new Error('database down');
      },
    ]) {
      const strategy = new InAppStrategy(options, verify);
      stub(strategy, (_code, _corpId, done) => done(null, profile));
      const outcome = await run(strategy, post({ code: 'c0de1234' }));
      assert.equal(outcome.action, 'error');
      assert.match((outcome.args[0] as Error).message, /database down/);
    }
  });

  it('answers once when verify calls done twice', async () => {
    const answers: string[] = [];
    const strategy = new InAppStrategy(options, (p, done) => {
      done(null, { id: p.id });
      done(new Error('second answer'));
    });
    stub(strategy, (_code, _corpId, done) => done(null, profile));
    const outcome = await run(strategy, post({ code: 'c0de1234' }));
    answers.push(outcome.action);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(answers, ['success']);
  });

  it('fails with 401 code_rejected when DingTalk refuses the code (40078)', async () => {
    const strategy = new InAppStrategy(options, () => assert.fail('verify must not run'));
    stub(strategy, (_code, _corpId, done) =>
      done(new DingTalkAPIError('userinfo', { dingtalkStatus: 200, code: '40078', description: '不存在的临时授权码' })),
    );
    const outcome = await run(strategy, post({ code: 'c0de1234' }));
    assert.equal(outcome.action, 'fail');
    assert.equal((outcome.args[0] as { reason: string }).reason, 'code_rejected');
    assert.match((outcome.args[0] as { message: string }).message, /40078: 不存在的临时授权码/);
    assert.equal(outcome.args[1], 401);
  });

  it('reports any other DingTalk error as an error with a 5xx status', async () => {
    const strategy = new InAppStrategy(options, () => assert.fail('verify must not run'));
    stub(strategy, (_code, _corpId, done) =>
      done(
        new DingTalkAPIError('userinfo', { dingtalkStatus: 200, code: '60020', description: '访问ip不在白名单之中' }),
      ),
    );
    const outcome = await run(strategy, post({ code: 'c0de1234' }));
    assert.equal(outcome.action, 'error');
    assert.equal((outcome.args[0] as DingTalkAPIError).status, 502);
    assert.match((outcome.args[0] as Error).message, /60020.*egress IP/);
  });

  it('runs a subclass’s userProfile', async () => {
    class WithEmployee extends InAppStrategy {
      override userProfile(code: string, corpId: string, done: (err?: unknown, p?: InAppProfile) => void): void {
        done(null, { ...profile, displayName: `${code}@${corpId}` } as InAppProfile);
      }
    }
    const strategy = new WithEmployee(options, (p, done) => done(null, { name: p.displayName }));
    assert.deepEqual((await run(strategy, post({ code: 'c0de1234' }))).args[0], { name: 'c0de1234@dingcorp1' });
  });

  it('hands a throw from the callback a subclass gives super.userProfile to error(), with no unhandled rejection', async () => {
    const dingtalk: FetchFunction = async (url) => {
      const answer = url.includes('accessToken')
        ? { accessToken: 'app-token', expireIn: 7200 }
        : { errcode: 0, result: { userid: 'u1', unionid: 'union-1', name: 'Zhang San' } };
      return { status: 200, headers: { get: () => null }, text: async () => JSON.stringify(answer) };
    };
    class WithBadge extends InAppStrategy {
      override userProfile(code: string, corpId: string, done: (err?: unknown, p?: InAppProfile) => void): void {
        super.userProfile(code, corpId, (err, p) => {
          if (err) return done(err);
          // DingTalk sent no badge: the subclass's own code throws a TypeError here.
          const badge = ((p as InAppProfile)._json as unknown as { badge: { number: string } }).badge.number;
          done(null, { ...(p as InAppProfile), displayName: badge });
        });
      }
    }
    const watch = watchProcess();
    try {
      const strategy = new WithBadge({ ...options, fetch: dingtalk, skipUserDetails: true }, (p, done) =>
        done(null, { id: p.id }),
      );
      const outcome = await run(strategy, post({ code: 'c0de1234' }));
      assert.equal(outcome.action, 'error');
      assert.ok(outcome.args[0] instanceof TypeError);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(watch.problems, []);
    } finally {
      watch.stop();
    }
  });

  it('hands a rejected promise from a userProfile override to error()', async () => {
    const strategy = new InAppStrategy(options, () => assert.fail('verify must not run'));
    stub(strategy, async () => {
      throw new Error('profile store down');
    });
    const outcome = await run(strategy, post({ code: 'c0de1234' }));
    assert.equal(outcome.action, 'error');
    assert.match((outcome.args[0] as Error).message, /profile store down/);
  });

  const refused: Array<[string, (req: PassportTestRequest) => void, number, string]> = [
    ['a GET', (req) => Object.assign(req, { method: 'GET', query: { code: 'c0de1234' } }), 400, 'malformed_request'],
    ['a POST without a code', post({}), 400, 'malformed_request'],
    ['a repeated code', post({ code: ['c0de1234', 'c0de5678'] }), 400, 'malformed_request'],
    ['a cross-site POST', post({ code: 'c0de1234' }, { 'sec-fetch-site': 'cross-site' }), 403, 'cross_site_request'],
    [
      'a form POST from a browser without Sec-Fetch-Site and with a foreign Origin',
      post(
        { code: 'c0de1234' },
        { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      ),
      403,
      'cross_site_request',
    ],
  ];
  for (const [what, prepare, status, reason] of refused) {
    it(`refuses ${what} without asking DingTalk`, async () => {
      let asked = false;
      const strategy = new InAppStrategy(options, () => assert.fail('verify must not run'));
      stub(strategy, () => {
        asked = true;
      });
      const outcome = await run(strategy, prepare);
      assert.equal(outcome.action, 'fail');
      assert.equal((outcome.args[0] as { reason: string }).reason, reason);
      assert.equal(outcome.args[1], status);
      assert.equal(asked, false);
    });
  }

  it('checks the organization a corpId function gives, and errors when it throws', async () => {
    const given: unknown[] = [];
    const strategy = new InAppStrategy(
      {
        ...options,
        corpId: (req) => (req.body as { corpId?: string }).corpId,
        getAccessToken: () => 'unused',
      },
      (p, done) => done(null, { corpId: p.corpId }),
    );
    stub(strategy, (_code, corpId, done) => {
      given.push(corpId);
      done(null, { ...profile, corpId });
    });
    const ok = await run(strategy, post({ code: 'c0de1234', corpId: 'dingcorp7' }));
    assert.deepEqual(ok.args[0], { corpId: 'dingcorp7' });
    for (const corpId of [undefined, '$CORPID$', '<script>', 'x'.repeat(65)]) {
      const outcome = await run(strategy, post({ code: 'c0de1234', corpId }));
      assert.equal(outcome.action, 'fail', String(corpId));
      assert.equal((outcome.args[0] as { reason: string }).reason, 'unknown_organization');
      assert.equal(outcome.args[1], 400);
    }
    assert.deepEqual(given, ['dingcorp7']);
    const throwing = new InAppStrategy(
      {
        ...options,
        corpId: () => {
          throw new Error('tenant lookup failed');
        },
        getAccessToken: () => 'unused',
      },
      () => assert.fail('verify must not run'),
    );
    const outcome = await run(throwing, post({ code: 'c0de1234' }));
    assert.equal(outcome.action, 'error');
    assert.match((outcome.args[0] as Error).message, /tenant lookup failed/);
  });

  it('takes the user an async verify returns, and fails on a falsy one', async () => {
    const strategy = new InAppStrategy(options, (async (p: InAppProfile) => ({ id: p.id })) as never);
    stub(strategy, (_code, _corpId, done) => done(null, profile));
    assert.deepEqual(await run(strategy, post({ code: 'c0de1234' })), {
      action: 'success',
      args: [{ id: 'union-1' }, undefined],
    });
    const refusing = new InAppStrategy(options, (async () => false) as never);
    stub(refusing, (_code, _corpId, done) => done(null, profile));
    assert.equal((await run(refusing, post({ code: 'c0de1234' }))).action, 'fail');
  });

  it('takes the profile an async userProfile override returns', async () => {
    const strategy = new InAppStrategy(options, (p, done) => done(null, { id: p.id }));
    stub(strategy, async () => profile);
    assert.deepEqual((await run(strategy, post({ code: 'c0de1234' }))).args[0], { id: 'union-1' });
  });

  it('fails with 403 unknown_organization when getAccessToken has no token for the organization', async () => {
    const asked: string[] = [];
    const strategy = new InAppStrategy(
      {
        ...options,
        corpId: (req) => (req.body as { corpId?: string }).corpId,
        getAccessToken: async (corpId) => {
          asked.push(corpId);
          return undefined;
        },
      },
      () => assert.fail('verify must not run'),
    );
    const outcome = await run(strategy, post({ code: 'c0de1234', corpId: 'dingstranger' }));
    assert.equal(outcome.action, 'fail');
    assert.equal((outcome.args[0] as { reason: string }).reason, 'unknown_organization');
    assert.equal(outcome.args[1], 403);
    assert.deepEqual(asked, ['dingstranger']);
    assert.deepEqual(requestsToDingTalk, []);
  });

  it('names the sub_code when DingTalk refuses the code inside errcode 88', async () => {
    const strategy = new InAppStrategy(options, () => assert.fail('verify must not run'));
    stub(strategy, (_code, _corpId, done) =>
      done(
        new DingTalkAPIError('userinfo', {
          dingtalkStatus: 200,
          code: '88',
          description: '鉴权异常',
          subCode: '40078',
          subDescription: '不存在的临时授权码',
        }),
      ),
    );
    const outcome = await run(strategy, post({ code: 'c0de1234' }));
    assert.equal(outcome.args[1], 401);
    assert.match((outcome.args[0] as { message: string }).message, /88, sub_code 40078: 不存在的临时授权码/);
  });

  it('fails when a verify without done resolves with nothing, and waits for one that declares done', {
    timeout: 5000,
  }, async () => {
    const lookup = new InAppStrategy(options, (async (_p: InAppProfile) => undefined) as never);
    stub(lookup, (_code, _corpId, done) => done(null, profile));
    assert.equal((await run(lookup, post({ code: 'c0de1234' }))).action, 'fail');
    const later = new InAppStrategy(options, async (p, done) => {
      setTimeout(() => done(null, { id: p.id }), 10);
    });
    stub(later, (_code, _corpId, done) => done(null, profile));
    assert.deepEqual((await run(later, post({ code: 'c0de1234' }))).args[0], { id: 'union-1' });
  });

  it('works with the callback NestJS’s PassportStrategy mixin passes: (...params) calling done, then resolving', async () => {
    const nestCallback = async (...params: unknown[]) => {
      const done = params[params.length - 1] as (err: unknown, user?: unknown) => void;
      const user = await Promise.resolve({ id: (params[0] as InAppProfile).id });
      done(null, user);
    };
    const strategy = new InAppStrategy(options, nestCallback as never);
    stub(strategy, (_code, _corpId, done) => done(null, profile));
    assert.deepEqual(await run(strategy, post({ code: 'c0de1234' })), {
      action: 'success',
      args: [{ id: 'union-1' }, undefined],
    });
  });

  it('errors when a userProfile override hands over something that is not a profile', async () => {
    for (const given of [true, {}, { id: '' }, { id: 42 }]) {
      const strategy = new InAppStrategy(options, () => assert.fail('verify must not run'));
      stub(strategy, async () => given);
      const outcome = await run(strategy, post({ code: 'c0de1234' }));
      assert.equal(outcome.action, 'error', JSON.stringify(given));
      assert.match((outcome.args[0] as Error).message, /no profile/);
    }
  });
});
