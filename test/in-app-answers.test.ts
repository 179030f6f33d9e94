// How InAppStrategy reads DingTalk's answers, with a fake fetch playing api.dingtalk.com and
// oapi.dingtalk.com: success is errcode 0 and nothing else, and the app token's lifetime is sane.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import chai from 'chai';
import chaiPassportStrategy, { type PassportTestRequest } from 'chai-passport-strategy';
import { type FetchFunction, type FetchResponse, InAppStrategy } from '../lib/index';

chai.use(chaiPassportStrategy);

type Answers = Partial<Record<'accessToken' | 'getuserinfo' | 'get', () => object>>;

const result = { userid: 'manager4220', unionid: 'union-abc', name: '张三', sys: false, sys_level: 0 };
const fine: Required<Answers> = {
  accessToken: () => ({ accessToken: 'app-token-fine', expireIn: 7200 }),
  getuserinfo: () => ({ errcode: 0, errmsg: 'ok', request_id: 'r1', result }),
  get: () => ({ errcode: 0, errmsg: 'ok', result: { userid: 'manager4220', title: '工程师' } }),
};

/** A fetch that answers each endpoint from `answers` (HTTP 200, JSON) and counts the requests. */
function fakeDingTalk(answers: Answers) {
  const requests: string[] = [];
  const fetch: FetchFunction = async (url) => {
    const name = new URL(url).pathname.split('/').pop() as keyof Answers;
    requests.push(name);
    const text = JSON.stringify((answers[name] ?? fine[name])());
    const response: FetchResponse = {
      status: 200,
      headers: { get: (header) => (header === 'content-type' ? 'application/json' : null) },
      text: async () => text,
    };
    return response;
  };
  return { fetch, requests };
}

function login(strategy: InAppStrategy) {
  return new Promise<{ action: string; args: unknown[] }>((resolve) => {
    const settle =
      (action: string) =>
      (...args: unknown[]) =>
        resolve({ action, args });
    chai.passport
      .use(strategy as never)
      .request((req: PassportTestRequest) => {
        req.method = 'POST';
        req.headers['content-type'] = 'application/json';
        req.body = { code: 'c0de1234' };
      })
      .success(settle('success'))
      .fail(settle('fail'))
      .error(settle('error'))
      .authenticate();
  });
}

const options = { clientID: 'ding-app-key', clientSecret: 'app-secret-value', corpId: 'dingcorp1' };

describe('InAppStrategy reading DingTalk’s answers', () => {
  it('logs in on errcode 0, as a number or as the string "0"', async () => {
    for (const errcode of [0, '0']) {
      const { fetch } = fakeDingTalk({ getuserinfo: () => ({ errcode, errmsg: 'ok', result }) });
      const strategy = new InAppStrategy({ ...options, fetch }, (p, done) => done(null, { id: p.id, title: p.title }));
      assert.deepEqual((await login(strategy)).args[0], { id: 'union-abc', title: '工程师' }, String(errcode));
    }
  });

  it('never takes a result without errcode 0 for a success', async () => {
    for (const answer of [
      { result },
      { errcode: null, result },
      { errcode: '60020', errmsg: '访问ip不在白名单之中', result },
    ]) {
      const { fetch } = fakeDingTalk({ getuserinfo: () => answer });
      const strategy = new InAppStrategy({ ...options, fetch }, () => assert.fail('verify must not run'));
      const outcome = await login(strategy);
      assert.equal(outcome.action, 'error', JSON.stringify(answer));
      assert.equal((outcome.args[0] as { status: number }).status, 502);
    }
  });

  it('reads a string errcode as DingTalk’s: "40078" fails the login, "40014" gets a new token', async () => {
    const refused = fakeDingTalk({ getuserinfo: () => ({ errcode: '40078', errmsg: '不存在的临时授权码' }) });
    const outcome = await login(new InAppStrategy({ ...options, fetch: refused.fetch }, () => {}));
    assert.deepEqual([outcome.action, outcome.args[1]], ['fail', 401]);

    let first = true;
    const stale = fakeDingTalk({
      getuserinfo: () => {
        const answer = first ? { errcode: '40014', errmsg: '不合法的access_token' } : fine.getuserinfo();
        first = false;
        return answer;
      },
    });
    const retried = await login(new InAppStrategy({ ...options, fetch: stale.fetch }, (p, done) => done(null, p.id)));
    assert.equal(retried.action, 'success');
    assert.deepEqual(stale.requests, ['accessToken', 'getuserinfo', 'accessToken', 'getuserinfo', 'get']);
  });

  it('keeps an app token at least a minute whatever expireIn says, and reads it from a string', async () => {
    for (const expireIn of [0.001, 1e-300, -5, 'soon', '60', '1e999']) {
      const dingtalk = fakeDingTalk({ accessToken: () => ({ accessToken: 'app-token-fine', expireIn }) });
      const strategy = new InAppStrategy({ ...options, fetch: dingtalk.fetch, skipUserDetails: true }, (p, done) =>
        done(null, p.id),
      );
      for (let i = 0; i < 3; i += 1) assert.equal((await login(strategy)).action, 'success');
      assert.equal(dingtalk.requests.filter((name) => name === 'accessToken').length, 1, String(expireIn));
    }
  });
});
