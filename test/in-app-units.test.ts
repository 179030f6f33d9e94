// InAppStrategy's rules one by one, as apps test it: chai-passport-strategy runs authenticate() on
// Object.create(strategy), as passport does, with the emulator as DingTalk (faults injected for the
// answers it would not give by itself).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import chai from 'chai';
import chaiPassportStrategy, { type PassportTestRequest } from 'chai-passport-strategy';
import { type InAppProfile, InAppStrategy, type InAppStrategyOptions } from '../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator } from '../lib/testing/index';
import { watchProcess } from './helpers/process-watch';

chai.use(chaiPassportStrategy);

type Outcome = { action: string; args: unknown[]; info: { reason?: string; message?: string }; actions: string[] };
type Prepare = (req: PassportTestRequest) => void;

/** Runs one login: the first answer, and every answer given (read it a tick later). */
function run(strategy: InAppStrategy, prepare: Prepare): Promise<Outcome> {
  const actions: string[] = [];
  return new Promise((resolve) => {
    const settle =
      (action: string) =>
      (...args: unknown[]) => {
        actions.push(action);
        const info = (action === 'fail' ? args[0] : args[1]) ?? {};
        if (actions.length === 1) resolve({ action, args, info: info as Outcome['info'], actions });
      };
    chai.passport
      .use(strategy as never)
      .request(prepare)
      .success(settle('success'))
      .fail(settle('fail'))
      .error(settle('error'))
      .redirect(settle('redirect'))
      .authenticate();
  });
}

/** A POST as the page sends it: JSON (the harness sends no Sec-Fetch-Site, as an older browser). */
const post =
  (body: unknown, headers: Record<string, string | string[]> = { 'content-type': 'application/json' }): Prepare =>
  (req) => {
    req.method = 'POST';
    req.body = body;
    Object.assign(req.headers, headers);
  };

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('InAppStrategy', () => {
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await createDingTalkEmulator();
  });
  after(() => emulator?.close());
  afterEach(() => {
    emulator.clearFaults();
    emulator.resetCounters();
  });
  type Done = (err: unknown, user?: unknown, info?: unknown) => void;
  type Verify = (...args: never[]) => unknown;
  const keepId = (p: InAppProfile, done: Done) => done(null, { id: p.id });
  const strategy = (verify: Verify = keepId, extra = {}) =>
    new InAppStrategy({ ...emulator.inAppStrategyOptions(), ...extra } as InAppStrategyOptions, verify as never);
  const noVerify = () => assert.fail('verify must not run');
  const withCode = (body: object = {}) => post({ code: emulator.issueInAppCode(), ...body });

  describe('reading the request, before DingTalk is asked', () => {
    const form = 'application/x-www-form-urlencoded';
    const json = 'application/json';
    /** The headers of a request that has a body of this type. */
    const sent = (type: string | undefined, extra = {}) => ({
      ...(type && { 'content-type': type }),
      'content-length': '9',
      ...extra,
    });
    const unparsed = 'no parsed request body reached the strategy';
    const malformed: Array<[Prepare, RegExp]> = [
      [(req) => Object.assign(req, { method: 'GET', query: { code: 'c0de1234' } }), /POSTed/],
      [(req) => Object.assign(req, { method: 'PUT', body: { code: 'c0de1234' } }), /POSTed .*not sent with a PUT/],
      [post(undefined, {}), /no request body/], // no body parser
      [post({}, {}), /no "code"/],
      // A form where only JSON is parsed: Express 5 leaves no body, @koa/bodyparser {}.
      [
        post(undefined, sent(form)),
        RegExp(
          `^Invalid in-client login request: ${unparsed}: the request's Content-Type is ${form}; add a body parser for it \\(express\\.urlencoded\\(\\)`,
        ),
      ],
      [
        post({}, sent(`${form}; charset=UTF-8`, { 'transfer-encoding': 'chunked' })),
        RegExp(`${unparsed}: the request's Content-Type is ${form};`),
      ],
      [
        post(undefined, sent(json)),
        RegExp(`${unparsed}: the request's Content-Type is ${json}; add a JSON body parser`),
      ],
      [post({}, sent(json)), RegExp(`${unparsed} \\(or the JSON posted was \\{\\}, with no "code"\\)`)],
      [
        post({}, sent('multipart/form-data; boundary=x')),
        /Content-Type is multipart\/form-data; post the code as JSON/,
      ],
      [post(undefined, sent(undefined)), /has a body but no Content-Type/],
      [post(undefined, sent('text/<script>')), /Content-Type is not one a body parser reads; post the code as JSON/],
      [post({ other: 'x' }, sent(json)), /the request body has no "code"/],
      [post({ code: '' }), /no "code"/],
      [post({ code: ['a1b2c3d4', 'e5f6a7b8'] }), /more than once/],
      [post({ code: { $gt: '' } }), /must be a string/],
      [post(Object.create({ code: 'c0ffee1234' })), /no "code"/], // an inherited code is none
      [post({ code: 'a'.repeat(257) }), /longer than 256/],
      [post({ code: 'abc def' }), /characters/],
      [post({ code: 'abc\r\nSet-Cookie: x' }), /characters/],
    ];
    it('refuses anything but one code in a POST body with 400 malformed_request, naming why', async () => {
      for (const [prepare, message] of malformed) {
        const { action, info, args } = await run(strategy(noVerify), prepare);
        assert.deepEqual([action, info.reason, args[1]], ['fail', 'malformed_request', 400], String(message));
        assert.match(info.message ?? '', message);
      }
      assert.deepEqual([emulator.counters.requests.appToken, emulator.counters.requests.userInfo], [0, 0]);
      // A well-formed code of 256 characters goes to DingTalk, which refuses it.
      assert.equal((await run(strategy(noVerify), post({ code: 'a'.repeat(256) }))).info.reason, 'code_rejected');
    });

    const host = 'app.example.com';
    const origin = `https://${host}`;
    const formOf = { 'content-type': form, host };
    const jsonOf = { 'content-type': json, host };
    // The headers, and why they are refused with 403, or null for a request let through to DingTalk.
    const sites: Array<[Record<string, string | string[]>, RegExp | null]> = [
      // Sec-Fetch-Site, when the browser sends it, decides.
      [{ 'sec-fetch-site': 'cross-site' }, /another site/],
      [{ 'sec-fetch-site': 'Cross-Site', ...jsonOf }, /./],
      [{ 'sec-fetch-site': ['same-origin', 'cross-site'] }, /./],
      [{ 'sec-fetch-site': 'same-origin' }, null],
      [{ 'sec-fetch-site': 'same-site', ...formOf }, null],
      [{ 'sec-fetch-site': 'none' }, null],
      // Without it, JSON passes whatever its Origin: another site cannot post it without a preflight.
      [{ 'content-type': json }, null],
      [{ 'content-type': `${json}; charset=utf-8` }, null],
      [{ ...jsonOf, origin: 'null' }, null],
      [{ ...jsonOf, origin }, null],
      // Another JSON type is no proof: browsers send some (the Reporting API's) cross-site unasked.
      [{ 'content-type': 'application/reports+json' }, /./],
      [{ ...jsonOf, origin: 'https://evil.example' }, /Origin names another host/],
      // A form or text body passes only when its Origin names this host, proxies and HTTP/2 included.
      [formOf, /may have been posted from another site/],
      [{ ...formOf, origin: 'https://evil.example' }, /./],
      [{ ...formOf, origin: 'null' }, /./],
      [{ ...formOf, origin: 'not a url' }, /./],
      [{ 'content-type': 'text/plain', host, origin: `${origin}.evil.example` }, /./],
      [{ 'content-type': 'application/jsonp', host }, /./],
      [{ ...formOf, host: 'app.example.com:8443', origin }, /./],
      [{ ...formOf, origin: `${origin}:8443` }, /./],
      [{ ...formOf, origin }, null],
      [{ ...formOf, host: 'app.example.com:443', origin }, null],
      [{ ...formOf, host: 'APP.example.com', origin }, null],
      [{ ...formOf, host: '10.0.0.5:3000', 'x-forwarded-host': 'app.example.com:443', origin }, null],
      [
        { ...formOf, host: '10.0.0.5:3000', forwarded: 'for=192.0.2.60;proto=https;host=app.example.com', origin },
        null,
      ],
      [{ ...formOf, host: '10.0.0.5:3000', forwarded: 'for=192.0.2.60, host="app.example.com"', origin }, null],
      [{ 'content-type': form, ':authority': host, origin }, null],
    ];
    it('refuses a request that may come from another site with 403 cross_site_request', async () => {
      for (const [headers, refused] of sites) {
        emulator.resetCounters();
        const { info, args } = await run(strategy(noVerify), post({ code: 'c0de1234' }, headers));
        const shown = JSON.stringify(headers);
        if (!refused)
          assert.deepEqual([info.reason, args[1]], ['code_rejected', 401], `passed on to DingTalk: ${shown}`);
        else {
          assert.deepEqual(
            [info.reason, args[1], emulator.counters.requests.userInfo],
            ['cross_site_request', 403, 0],
            shown,
          );
          assert.match(info.message ?? '', refused, shown);
        }
      }
    });
  });

  /** ['success' or 'fail', the arguments] or ['error', its message]; every answer is given once. */
  type Expected = [string, (unknown[] | RegExp)?];
  async function check(outcome: Outcome, [action, detail]: Expected, what: string) {
    assert.equal(outcome.action, action, what);
    if (detail instanceof RegExp) assert.match((outcome.args[0] as Error).message, detail, what);
    else if (detail) assert.deepEqual(outcome.args, detail, what);
    await tick();
    assert.equal(outcome.actions.length, 1, `${what}: answered once`);
  }

  it('logs in, fails or errors as verify answers', async () => {
    const ok: Expected = ['success', [{ id: 'union-zhangsan' }, undefined]];
    const databaseDown = () => {
      throw new Error('database down');
    };
    const cases: Array<[string, Verify, Expected, object?]> = [
      ['done(null, user)', keepId, ok],
      [
        'req first with passReqToCallback, async, with info',
        async (req: { body: { via: string } }, p: InAppProfile, done: Done) => {
          await tick();
          done(null, { id: p.id, via: req.body.via }, { message: 'welcome' });
        },
        ['success', [{ id: 'union-zhangsan', via: 'workbench' }, { message: 'welcome' }]],
        { passReqToCallback: true },
      ],
      ['done(null, false, info)', (_p: InAppProfile, done: Done) => done(null, false, { m: 1 }), ['fail', [{ m: 1 }]]],
      ['a throw', databaseDown, ['error', /database down/]],
      ['a rejection', async () => databaseDown(), ['error', /database down/]],
      ['done twice', (p: InAppProfile, done: Done) => [keepId(p, done), done(new Error('second answer'))], ok],
      ['the user returned (async, no done)', async (p: InAppProfile) => ({ id: p.id }), ok],
      ['false returned', async (_p: InAppProfile) => false, ['fail']],
      ['nothing returned, without done', async (_p: InAppProfile) => undefined, ['fail']],
      ['done declared, called later', async (p: InAppProfile, done: Done) => void setTimeout(keepId, 9, p, done), ok],
      // NestJS's PassportStrategy mixin passes (...params), calling done, then resolving.
      ['NestJS', async (...params: unknown[]) => keepId(params[0] as InAppProfile, await (params.at(-1) as Done)), ok],
    ];
    for (const [what, verify, expected, extra] of cases) {
      await check(await run(strategy(verify, extra), withCode({ via: 'workbench' })), expected, what);
    }
  });

  describe('userProfile, as a subclass or a test replaces it', () => {
    type ProfileCallback = (err?: unknown, p?: InAppProfile) => void;

    it('gets the code and the organization, and its profile, sync or async, reaches verify', async () => {
      const seen: string[] = [];
      class Tagged extends InAppStrategy {
        override userProfile(code: string, corpId: string, done: ProfileCallback): void {
          seen.push(code, corpId);
          super.userProfile(code, corpId, (err, p) => done(err, p && { ...p, displayName: `${p.displayName}!` }));
        }
      }
      const tagged = new Tagged(emulator.inAppStrategyOptions(), (p, done) => done(null, { name: p.displayName }));
      const code = emulator.issueInAppCode();
      await check(
        await run(tagged, post({ code })),
        ['success', [{ name: `${emulator.users[0]?.nick}!` }, undefined]],
        'subclass',
      );
      assert.deepEqual(seen, [code, emulator.inAppStrategyOptions().corpId]);
      const stubbed = Object.assign(strategy(), { userProfile: async () => ({ provider: 'dingtalk', id: 'union-1' }) });
      await check(await run(stubbed, withCode()), ['success', [{ id: 'union-1' }, undefined]], 'async');
    });

    it('errors on a throw in its callback, a rejection, or no profile, with no unhandled rejection', async () => {
      class WithBadge extends InAppStrategy {
        override userProfile(code: string, corpId: string, done: ProfileCallback): void {
          // DingTalk sent no badge: the subclass's own code throws a TypeError in the callback.
          super.userProfile(code, corpId, (_err, p) =>
            done(null, ((p as InAppProfile)._json as unknown as { badge: { n: never } }).badge.n),
          );
        }
      }
      const watch = watchProcess();
      try {
        await check(
          await run(new WithBadge(emulator.inAppStrategyOptions(), noVerify), withCode()),
          ['error', /Cannot read properties of undefined/],
          'badge',
        );
        const storeDown = async () => {
          throw new Error('profile store down');
        };
        await check(
          await run(Object.assign(strategy(noVerify), { userProfile: storeDown }), withCode()),
          ['error', /profile store down/],
          'rejection',
        );
        for (const given of [true, {}, { id: '' }, { id: 42 }]) {
          const returning = Object.assign(strategy(noVerify), { userProfile: async () => given });
          await check(await run(returning, withCode()), ['error', /no profile/], JSON.stringify(given));
        }
        assert.deepEqual(watch.problems, []);
      } finally {
        watch.stop();
      }
    });
  });

  describe('reading DingTalk’s answers', () => {
    const result = { userid: 'zhangsan', unionid: 'union-abc', name: '张三', sys: false, sys_level: 0 };
    const answers: Array<[object, Expected]> = [
      [{ errcode: 0, errmsg: 'ok', result }, ['success', [{ id: 'union-abc' }, undefined]]],
      [{ errcode: '0', errmsg: 'ok', result }, ['success', [{ id: 'union-abc' }, undefined]]],
      [{ result }, ['error', /./]],
      [{ errcode: null, result }, ['error', /./]],
      [{ errcode: '60020', errmsg: '访问ip不在白名单之中', result }, ['error', /60020.*egress IP/]],
      [{ errcode: '40078', errmsg: '不存在的临时授权码' }, ['fail', /\(40078: 不存在的临时授权码\)/]],
      [
        { errcode: 88, errmsg: '鉴权异常', sub_code: '40078', sub_msg: '不存在的临时授权码' },
        ['fail', /\(88, sub_code 40078: 不存在的临时授权码\)/],
      ],
    ];
    it('logs in on errcode 0 (a number or "0") only, and fails a refused code with 401 code_rejected', async () => {
      for (const [body, expected] of answers) {
        emulator.inject('userinfo', { body, times: 1 });
        const outcome = await run(strategy(undefined, { skipUserDetails: true }), withCode());
        await check(outcome, expected, JSON.stringify(body));
        if (outcome.action === 'error') assert.equal((outcome.args[0] as { status: number }).status, 502);
        if (outcome.action === 'fail') assert.deepEqual([outcome.info.reason, outcome.args[1]], ['code_rejected', 401]);
      }
    });

    it('keeps an app token at least a minute whatever expireIn says, and reads it from a string', async () => {
      for (const expireIn of [0.001, 1e-300, -5, 'soon', '60', '1e999']) {
        // An emulator of its own, so its token endpoint is new to the strategy's token cache.
        const dingtalk = await createDingTalkEmulator();
        try {
          dingtalk.inject('app-token', { body: { accessToken: dingtalk.issueAppAccessToken(), expireIn }, times: 1 });
          const short = new InAppStrategy(
            { ...dingtalk.inAppStrategyOptions(), skipUserDetails: true },
            keepId as never,
          );
          for (let i = 0; i < 3; i += 1)
            await check(await run(short, post({ code: dingtalk.issueInAppCode() })), ['success'], String(expireIn));
          assert.equal(dingtalk.counters.requests.appToken, 1, String(expireIn));
        } finally {
          await dingtalk.close();
        }
      }
    });

    it('maps the member: details, emails unverified and deduplicated, E.164 phone; leaves out what is masked, missing or mistyped', async () => {
      const info = { userid: 'manager4220', unionid: 'union-abc', name: '张三', sys: true, sys_level: 1 };
      const [avatar, email] = ['https://static.example/a.png', 'z@example.com'];
      const details = { avatar, mobile: '13800000001', state_code: '86', email, org_email: email, title: '工程师' };
      const mapped = { photos: [{ value: avatar }], emails: [{ value: email, verified: false }], title: '工程师' };
      const { name: _name, ...nameless } = info;
      const profiles: Array<[object, object, object]> = [
        [
          info,
          { ...details, job_number: 'E001', dept_id_list: [1, 42] },
          {
            displayName: '张三',
            isAdmin: true,
            adminLevel: 1,
            ...mapped,
            phoneNumbers: [{ value: '+8613800000001' }],
            jobNumber: 'E001',
            departmentIds: [1, 42],
          },
        ],
        [
          { ...nameless, sys: false, sys_level: 'x' },
          { mobile: '138****0001', email: 42, dept_id_list: ['1'] },
          { displayName: '', isAdmin: false, adminLevel: 0 },
        ],
      ];
      const corpId = emulator.inAppStrategyOptions().corpId;
      for (const [userInfo, userDetails, expected] of profiles) {
        emulator.inject('userinfo', {
          body: { errcode: 0, errmsg: 'ok', request_id: 'r1', result: userInfo },
          times: 1,
        });
        emulator.inject('user-details', { body: { errcode: 0, errmsg: 'ok', result: userDetails }, times: 1 });
        const outcome = await run(
          strategy((p: InAppProfile, done: Done) => done(null, p)),
          withCode(),
        );
        const { _raw, _json, _details, ...profile } = outcome.args[0] as InAppProfile;
        const ids = { provider: 'dingtalk', id: 'union-abc', unionId: 'union-abc', userId: 'manager4220', corpId };
        assert.deepEqual(profile, { ...ids, ...expected });
        assert.deepEqual([_json, _details, JSON.parse(_raw).result], [userInfo, userDetails, userInfo]);
      }
    });
  });

  describe('options', () => {
    const base = { clientID: 'ding-app-key', clientSecret: 'app-secret-value', corpId: 'dingcorp1' };
    const invalid: Array<[object, RegExp]> = [
      [{ ...base, clientID: undefined }, /"clientID" option is required/],
      [{ ...base, clientSecret: ' ' }, /"clientSecret" option is required/],
      [{ ...base, corpId: undefined }, /"corpId" option is required/],
      [
        { clientId: base.clientID, clientSecret: base.clientSecret, corpId: base.corpId },
        /"clientID" option is required: .*"clientId" \(DingTalk's spelling\): did you mean clientID\?$/,
      ],
      [
        { clientID: base.clientID, appSecret: base.clientSecret, corpId: base.corpId },
        /"clientSecret" option is required: .*"appSecret": did you mean clientSecret\?$/,
      ],
      [
        { clientID: base.clientID, clientSecret: base.clientSecret, corpID: base.corpId },
        /"corpId" option is required: .*"corpID": did you mean corpId\?$/,
      ],
      [{ ...base, corpId: 'ding corp' }, /not a DingTalk corpId/],
      [{ ...base, corpId: '$CORPID$' }, /not a DingTalk corpId/],
      [{ ...base, corpId: '__proto__' }, /not a DingTalk corpId/],
      [{ ...base, corpId: () => 'dingcorp1' }, /needs the "getAccessToken"/],
      [{ ...base, getAccessToken: 'token' }, /"getAccessToken" option/],
      [{ ...base, userInfoURL: 'http://oapi.example.com/x' }, /"userInfoURL" option must use https/],
      [{ ...base, accessTokenURL: '/v1.0/oauth2/accessToken' }, /absolute URL/],
      [{ ...base, timeout: 0 }, /"timeout" option must be a positive number/],
      [{ ...base, timeout: 2 ** 31 }, /"timeout" option must be a positive number/],
      [{ ...base, skipUserDetails: 'yes' }, /"skipUserDetails" option must be true or false/],
    ];
    it('refuses invalid options with a TypeError naming the option, and a missing verify', () => {
      for (const [options, message] of invalid) {
        assert.throws(() => new InAppStrategy(options as never, () => {}), { name: 'TypeError', message });
      }
      assert.throws(() => new InAppStrategy(base, undefined as never), /needs a verify function/);
    });

    it('is named dingtalk-inapp and accepts loopback http (an emulator)', () => {
      const loopback = { ...base, userInfoURL: 'http://127.0.0.1:1/topapi/v2/user/getuserinfo' };
      assert.equal(new InAppStrategy(loopback, () => {}).name, 'dingtalk-inapp');
    });
  });
});
