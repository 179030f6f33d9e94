// The emulator plays DingTalk's in-client login (免登): the app access token, getuserinfo and
// user/get on oapi's terms, and the DingTalk client (dd.js, the client page, code minting).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import {
  createDingTalkEmulator,
  type DingTalkEmulator,
  type DingTalkEmulatorOptions,
  defaultEmulatorUsers,
  type EmulatorUser,
} from '../lib/testing/index';
import { startEmulatorCLI } from './helpers/emulator-cli';
import {
  type Answer,
  appToken,
  assertOAPIError,
  assertWrappedTokenError,
  emulators,
  type JSONObject,
  manualClock,
  oapiAnswer,
  postJSON,
  send,
  withToken,
} from './helpers/emulator-http';

const dingTalkUserAgent =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) DingTalk(7.6.0-macOS) nw DTWKWebView';
const browserUserAgent =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const requestIdPattern = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

function requestAppToken(emulator: DingTalkEmulator, body: unknown = appCredentials(emulator)): Promise<Answer> {
  return postJSON(emulator.appAccessTokenURL, body);
}

function appCredentials(emulator: DingTalkEmulator) {
  return { appKey: emulator.clientID, appSecret: emulator.clientSecret };
}

type Encoding = 'json' | 'form' | 'query';

function getUserInfo(
  emulator: DingTalkEmulator,
  token: string | undefined,
  code: string | undefined,
  encoding: Encoding = 'json',
): Promise<Answer> {
  const url = withToken(emulator.userInfoURL, token);
  if (encoding === 'query') {
    const separator = url.includes('?') ? '&' : '?';
    return send(code === undefined ? url : `${url}${separator}code=${encodeURIComponent(code)}`, { method: 'POST' });
  }
  if (encoding === 'form') {
    return send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(code === undefined ? {} : { code }).toString(),
    });
  }
  return postJSON(url, code === undefined ? {} : { code });
}

async function userInfoResult(emulator: DingTalkEmulator, token: string, code: string): Promise<JSONObject> {
  const json = oapiAnswer(await getUserInfo(emulator, token, code));
  assert.equal(json.errcode, 0, JSON.stringify(json));
  assert.equal(json.errmsg, 'ok');
  return json.result as JSONObject;
}

function getUserDetails(emulator: DingTalkEmulator, token: string, body: unknown): Promise<Answer> {
  return postJSON(withToken(emulator.userDetailsURL, token), body);
}

async function userDetailsResult(emulator: DingTalkEmulator, token: string, userid: string): Promise<JSONObject> {
  const json = oapiAnswer(await getUserDetails(emulator, token, { userid, language: 'zh_CN' }));
  assert.equal(json.errcode, 0, JSON.stringify(json));
  return json.result as JSONObject;
}

/** Asks the emulated client for a code the way dd.js does: a text/plain POST. */
function mintCode(emulator: DingTalkEmulator, body: unknown): Promise<Answer> {
  return send(`${emulator.url}/emulator/client/auth-code`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function signInThroughPage(emulator: DingTalkEmulator, unionId: string): Promise<Answer> {
  return send(emulator.clientPageURL, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ unionId }).toString(),
  });
}

interface ClientRadio {
  unionId: string;
  userId: string;
  checked: boolean;
}

function clientRadios(html: string): ClientRadio[] {
  return [...html.matchAll(/<input type="radio" name="unionId"([^>]*)>/g)].map((match) => {
    const attributes = match[1] ?? '';
    const attribute = (name: string) => new RegExp(` ${name}="([^"]*)"`).exec(attributes)?.[1] ?? '';
    return {
      unionId: attribute('data-union-id'),
      userId: attribute('data-user-id'),
      checked: / checked\b/.test(attributes),
    };
  });
}

describe('in-client emulator: the app access token (POST /v1.0/oauth2/accessToken)', () => {
  const start = emulators();

  it('answers { accessToken, expireIn } for the right appKey and appSecret', async () => {
    const emulator = await start();
    const answer = await requestAppToken(emulator);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('x-acs-request-id') ?? '', requestIdPattern);
    const json = JSON.parse(answer.text) as JSONObject;
    assert.deepEqual(Object.keys(json).sort(), ['accessToken', 'expireIn']);
    assert.match(json.accessToken as string, /^[0-9a-f]{32}$/);
    assert.equal(json.expireIn, 7200);
  });

  it('answers the same token while it lives, renewing it, and a new one once it expired', async () => {
    const clock = manualClock();
    const emulator = await start({ now: clock.now, accessTokenTTLSeconds: 100 });
    const first = await appToken(emulator);
    clock.advanceSeconds(90);
    assert.equal(await appToken(emulator), first, 'the same token within its lifetime');
    // 180 s after it was first issued: alive only because asking again renewed it.
    clock.advanceSeconds(90);
    assert.equal(await appToken(emulator), first, 'renewed, not expired');
    const code = emulator.issueInAppCode();
    assert.equal((await userInfoResult(emulator, first, code)).userid, 'zhangsan');
    clock.advanceSeconds(100);
    const second = await appToken(emulator);
    assert.notEqual(second, first, 'a new token after expiry');
    assertWrappedTokenError(await getUserInfo(emulator, first, emulator.issueInAppCode()), '42001', 'access_token超时');
    assert.equal((await userInfoResult(emulator, second, emulator.issueInAppCode())).userid, 'zhangsan');
  });

  it('answers 400 invalidClientIdOrSecret for a wrong appKey or appSecret, echoing neither', async () => {
    const emulator = await start();
    for (const body of [
      { appKey: 'dingotherapp', appSecret: emulator.clientSecret },
      { appKey: emulator.clientID, appSecret: 'wrong-secret-value' },
      { appKey: emulator.clientID, appSecret: `${emulator.clientSecret}x` },
    ]) {
      const answer = await requestAppToken(emulator, body);
      assert.equal(answer.status, 400);
      const json = JSON.parse(answer.text) as JSONObject;
      assert.deepEqual(Object.keys(json).sort(), ['code', 'message', 'requestid']);
      assert.equal(json.code, 'invalidClientIdOrSecret');
      assert.equal(json.message, '无效的clientId或者clientSecret');
      assert.match(json.requestid as string, requestIdPattern);
      assert.equal(answer.headers.get('x-acs-request-id'), json.requestid);
      assert.ok(!answer.text.includes(body.appSecret));
    }
  });

  it('refuses a form body with 400 Missingbody, and names a broken body or a missing field', async () => {
    const emulator = await start();
    const form = await send(emulator.appAccessTokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(appCredentials(emulator)).toString(),
    });
    assert.equal(form.status, 400);
    assert.deepEqual(
      { ...(JSON.parse(form.text) as JSONObject), requestid: undefined },
      { code: 'Missingbody', message: 'body is mandatory for this action.', requestid: undefined },
    );
    const broken = await send(emulator.appAccessTokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"appKey":',
    });
    assert.equal(broken.status, 400);
    assert.equal((JSON.parse(broken.text) as JSONObject).code, 'InvalidParameter');
    const noSecret = await requestAppToken(emulator, { appKey: emulator.clientID });
    assert.equal(noSecret.status, 400);
    assert.equal((JSON.parse(noSecret.text) as JSONObject).code, 'MissingappSecret');
  });

  it('answers another method 404 InvalidAction.NotFound, as DingTalk’s gateway does', async () => {
    const emulator = await start();
    const answer = await send(emulator.appAccessTokenURL);
    assert.equal(answer.status, 404);
    assert.equal((JSON.parse(answer.text) as JSONObject).code, 'InvalidAction.NotFound');
  });

  it('is not a user access token, and a user access token is not an app token', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    const profile = await send(emulator.userProfileURL, { headers: { 'x-acs-dingtalk-access-token': token } });
    assert.equal(profile.status, 400);
    const exchange = await postJSON(emulator.tokenURL, {
      clientId: emulator.clientID,
      clientSecret: emulator.clientSecret,
      code: emulator.issueAuthCode(),
      grantType: 'authorization_code',
    });
    const userToken = (JSON.parse(exchange.text) as { accessToken: string }).accessToken;
    assertWrappedTokenError(
      await getUserInfo(emulator, userToken, emulator.issueInAppCode()),
      '40014',
      '不合法的access_token',
    );
  });
});

describe('in-client emulator: getuserinfo (POST /topapi/v2/user/getuserinfo)', () => {
  const start = emulators();

  it('answers the member the code identifies, in the shape DingTalk documents', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    const answer = await getUserInfo(emulator, token, emulator.issueInAppCode());
    const json = oapiAnswer(answer);
    assert.deepEqual(Object.keys(json).sort(), ['errcode', 'errmsg', 'request_id', 'result']);
    assert.equal(json.errcode, 0);
    assert.equal(json.errmsg, 'ok');
    const result = json.result as JSONObject;
    assert.match(result.device_id as string, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      { ...result, device_id: undefined },
      {
        userid: 'zhangsan',
        unionid: 'union-zhangsan',
        name: '张三',
        sys: true,
        sys_level: 1,
        device_id: undefined,
        associated_unionid: '',
      },
    );
    const again = await userInfoResult(emulator, token, emulator.issueInAppCode());
    assert.equal(again.device_id, result.device_id, 'a stable device id per user');
  });

  it('gives each answer a fresh request_id', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    const first = oapiAnswer(await getUserInfo(emulator, token, emulator.issueInAppCode()));
    const second = oapiAnswer(await getUserInfo(emulator, token, emulator.issueInAppCode()));
    assert.notEqual(first.request_id, second.request_id);
  });

  for (const encoding of ['json', 'form', 'query'] as const) {
    it(`reads the code from ${encoding === 'query' ? 'the query' : `a ${encoding} body`}`, async () => {
      const emulator = await start();
      const token = await appToken(emulator);
      const json = oapiAnswer(await getUserInfo(emulator, token, emulator.issueInAppCode(), encoding));
      assert.equal(json.errcode, 0, JSON.stringify(json));
      assert.equal((json.result as JSONObject).unionid, 'union-zhangsan');
    });
  }

  it('accepts a code once: the second use is 40078', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    const code = emulator.issueInAppCode();
    assert.equal((await userInfoResult(emulator, token, code)).userid, 'zhangsan');
    assertOAPIError(await getUserInfo(emulator, token, code), 40078, '不存在的临时授权码');
  });

  it('refuses a code 300 seconds after it was issued (authCodeTTLSeconds), not before', async () => {
    const clock = manualClock();
    const emulator = await start({ now: clock.now });
    const token = emulator.issueAppAccessToken();
    const late = emulator.issueInAppCode();
    const inTime = emulator.issueInAppCode();
    clock.advanceSeconds(299);
    assert.equal((await userInfoResult(emulator, token, inTime)).userid, 'zhangsan');
    clock.advanceSeconds(1);
    assertOAPIError(await getUserInfo(emulator, token, late), 40078, '不存在的临时授权码');
  });

  it('refuses a code of another organization than the token’s, and accepts it with that organization’s token', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    const otherOrganization = emulator.issueInAppCode({ unionId: 'union-wangwu', corpId: 'dingemulatorcorp0002' });
    assertOAPIError(await getUserInfo(emulator, token, otherOrganization), 40078, '不存在的临时授权码');
    const theirToken = emulator.issueAppAccessToken('dingemulatorcorp0002');
    const code = emulator.issueInAppCode({ unionId: 'union-wangwu', corpId: 'dingemulatorcorp0002' });
    const result = await userInfoResult(emulator, theirToken, code);
    assert.equal(result.userid, 'wangwu');
    assert.equal(result.sys, false);
    assert.equal(result.sys_level, 0);
    // The same person has another userid in another organization.
    const zhangsan = emulator.issueInAppCode({ unionId: 'union-zhangsan', corpId: 'dingemulatorcorp0002' });
    assert.equal((await userInfoResult(emulator, theirToken, zhangsan)).userid, '083125472637');
  });

  it('refuses a code the client minted for another clientId', async () => {
    const emulator = await start();
    const minted = await mintCode(emulator, { corpId: 'dingemulatorcorp0001', clientId: 'dinganotherapp' });
    assert.equal(minted.status, 200, minted.text);
    const { code } = JSON.parse(minted.text) as { code: string };
    assertOAPIError(await getUserInfo(emulator, await appToken(emulator), code), 40078, '不存在的临时授权码');
  });

  it('never takes an OAuth authCode, and the OAuth token exchange never takes an in-client code', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    const authCode = emulator.issueAuthCode();
    assertOAPIError(await getUserInfo(emulator, token, authCode), 40078, '不存在的临时授权码');
    const inClientCode = emulator.issueInAppCode();
    const exchange = await postJSON(emulator.tokenURL, {
      clientId: emulator.clientID,
      clientSecret: emulator.clientSecret,
      code: inClientCode,
      grantType: 'authorization_code',
    });
    assert.equal(exchange.status, 400);
    assert.equal((JSON.parse(exchange.text) as JSONObject).code, 'invalidParameter.authCode.notFound');
  });

  it('answers 40078 to a missing or unknown code', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    assertOAPIError(await getUserInfo(emulator, token, undefined), 40078, '不存在的临时授权码');
    assertOAPIError(await getUserInfo(emulator, token, 'f'.repeat(32)), 40078, '不存在的临时授权码');
  });

  it('wraps a refused token in errcode 88: sub_code 40000 without one, 40014 to an unknown or revoked one', async () => {
    const emulator = await start();
    const code = emulator.issueInAppCode();
    assertWrappedTokenError(await getUserInfo(emulator, undefined, code), '40000', 'access_token is blank');
    assertWrappedTokenError(await getUserInfo(emulator, '', code), '40000', 'access_token is blank');
    assertWrappedTokenError(await getUserInfo(emulator, 'not-a-token', code), '40014', '不合法的access_token');
    const fetched = await appToken(emulator);
    const minted = emulator.issueAppAccessToken();
    emulator.revokeAppTokens();
    for (const token of [fetched, minted]) {
      assertWrappedTokenError(await getUserInfo(emulator, token, code), '40014', '不合法的access_token');
    }
    const renewed = await appToken(emulator);
    assert.notEqual(renewed, fetched, 'a revoked token is not answered again');
    assert.equal((await userInfoResult(emulator, renewed, code)).userid, 'zhangsan', 'the code was not used up');
  });

  it('wraps an expired token in errcode 88 with sub_code 42001', async () => {
    const clock = manualClock();
    const emulator = await start({ now: clock.now });
    const token = emulator.issueAppAccessToken();
    clock.advanceSeconds(7200);
    assertWrappedTokenError(await getUserInfo(emulator, token, emulator.issueInAppCode()), '42001', 'access_token超时');
  });

  it('answers 60011 when the app lacks qyapi_base', async () => {
    const emulator = await start({ permissions: ['Contact.User.Read', 'qyapi_get_member'] });
    const token = await appToken(emulator);
    assertOAPIError(await getUserInfo(emulator, token, emulator.issueInAppCode()), 60011, '没有调用该接口的权限');
  });

  it('answers another method on HTTP 200 with errcode 43002', async () => {
    const emulator = await start();
    const answer = await send(withToken(emulator.userInfoURL, await appToken(emulator)));
    assertOAPIError(answer, 43002, '需要POST请求');
  });
});

describe('in-client emulator: member details (POST /topapi/v2/user/get)', () => {
  const start = emulators();

  it('answers everything of a member to an internal app', async () => {
    const emulator = await start({ app: { type: 'internal', corpId: 'dingemulatorcorp0001' } });
    const result = await userDetailsResult(emulator, await appToken(emulator), 'zhangsan');
    assert.deepEqual(result, {
      userid: 'zhangsan',
      unionid: 'union-zhangsan',
      name: '张三',
      avatar: `${emulator.url}/avatars/union-zhangsan.svg`,
      state_code: '86',
      mobile: '13800000001',
      hide_mobile: false,
      title: '技术总监',
      job_number: 'E0001',
      email: 'zhangsan@example.com',
      org_email: 'zhangsan@shili.example.com',
      dept_id_list: [1],
      hired_date: 1551369600000,
      active: true,
      admin: true,
      boss: false,
      senior: false,
      real_authed: true,
      exclusive_account: false,
      leader_in_dept: [{ dept_id: 1, leader: true }],
      role_list: [{ id: 1001, name: '主管理员', group_name: '管理员' }],
    });
  });

  it('leaves out the mobile, its country code and the email for a third-party enterprise app', async () => {
    const emulator = await start({ app: { type: 'third-party-enterprise' } });
    const result = await userDetailsResult(emulator, await appToken(emulator), 'zhangsan');
    for (const field of ['mobile', 'state_code', 'email']) assert.equal(result[field], undefined, field);
    assert.equal(result.name, '张三');
    assert.equal(result.unionid, 'union-zhangsan');
    assert.equal(result.title, '技术总监');
    assert.deepEqual(result.dept_id_list, [1]);
  });

  it('leaves out what the member lacks, and marks an owner as boss', async () => {
    const users: EmulatorUser[] = [
      {
        unionId: 'union-boss',
        openId: 'open-boss',
        nick: '老板',
        organizations: [{ corpId: 'dingcorp', name: '公司', sysLevel: 100, deptIds: [1, 7] }],
      },
    ];
    const emulator = await start({ users });
    const result = await userDetailsResult(emulator, await appToken(emulator), 'union-boss');
    assert.deepEqual(result, {
      userid: 'union-boss',
      unionid: 'union-boss',
      name: '老板',
      hide_mobile: false,
      dept_id_list: [1, 7],
      active: true,
      admin: false,
      boss: true,
      senior: false,
      real_authed: true,
      exclusive_account: false,
    });
    const info = await userInfoResult(emulator, await appToken(emulator), emulator.issueInAppCode());
    assert.equal(info.sys, false);
    assert.equal(info.sys_level, 100);
  });

  it('answers 60121 to a userid that names no member of the token’s organization', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    // 李四 is a member of dingemulatorcorp0003 only; 王五 of dingemulatorcorp0002.
    for (const body of [{ userid: 'lisi' }, { userid: 'wangwu' }, { userid: 'nobody' }, {}]) {
      assertOAPIError(await getUserDetails(emulator, token, body), 60121, '找不到该用户');
    }
    const theirs = emulator.issueAppAccessToken('dingemulatorcorp0002');
    assert.equal((await userDetailsResult(emulator, theirs, 'wangwu')).name, '王五');
  });

  it('answers token errors and 60011 without qyapi_get_member', async () => {
    const clock = manualClock();
    const emulator = await start({ now: clock.now, permissions: ['qyapi_base'] });
    const token = await appToken(emulator);
    assertOAPIError(await getUserDetails(emulator, token, { userid: 'zhangsan' }), 60011, '没有调用该接口的权限');
    assert.equal((await userInfoResult(emulator, token, emulator.issueInAppCode())).userid, 'zhangsan');
    assertWrappedTokenError(
      await getUserDetails(emulator, 'unknown', { userid: 'zhangsan' }),
      '40014',
      '不合法的access_token',
    );
    clock.advanceSeconds(7200);
    assertWrappedTokenError(await getUserDetails(emulator, token, { userid: 'zhangsan' }), '42001', 'access_token超时');
  });
});

describe('in-client emulator: the DingTalk client’s code minting (POST /emulator/client/auth-code)', () => {
  const start = emulators();

  it('mints a code for the signed-in member, readable from any origin', async () => {
    const emulator = await start();
    const answer = await mintCode(emulator, { corpId: 'dingemulatorcorp0001', clientId: emulator.clientID });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get('access-control-allow-origin'), '*');
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const { code } = JSON.parse(answer.text) as { code: string };
    assert.equal((await userInfoResult(emulator, await appToken(emulator), code)).unionid, 'union-zhangsan');
  });

  it('answers a preflight with CORS headers', async () => {
    const emulator = await start();
    const answer = await send(`${emulator.url}/emulator/client/auth-code`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example.test', 'access-control-request-method': 'POST' },
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get('access-control-allow-origin'), '*');
    assert.match(answer.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(answer.headers.get('access-control-allow-headers') ?? '', /content-type/);
  });

  it('refuses a missing corpId or clientId, an organization the app is not installed in, and a broken body', async () => {
    const emulator = await start();
    const cases: [unknown, number, string | RegExp][] = [
      [{ clientId: emulator.clientID }, 1, 'corpId is required'],
      [{ corpId: 'dingemulatorcorp0001' }, 1, 'clientId is required'],
      [
        { corpId: 'dingemulatorcorp0002', clientId: emulator.clientID, url: 'https://app.example.test/home?x=1' },
        3,
        '对应企业没有app.example.test域名微应用',
      ],
      ['not json', 1, /JSON/],
    ];
    for (const [body, errorCode, errorMessage] of cases) {
      const answer = await mintCode(emulator, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.headers.get('access-control-allow-origin'), '*');
      const json = JSON.parse(answer.text) as { errorCode: number; errorMessage: string; code?: string };
      assert.equal(json.errorCode, errorCode);
      if (typeof errorMessage === 'string') assert.equal(json.errorMessage, errorMessage);
      else assert.match(json.errorMessage, errorMessage);
      assert.equal(json.code, undefined);
    }
  });

  it('answers another method 405 with Allow', async () => {
    const emulator = await start();
    const answer = await send(`${emulator.url}/emulator/client/auth-code`);
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.get('allow'), 'POST, OPTIONS');
  });
});

describe('in-client emulator: the client page (/emulator/client)', () => {
  const start = emulators();

  it('offers the members of the in-client organization, the first one signed in', async () => {
    const emulator = await start({ corpId: 'dingemulatorcorp0002' });
    const page = await send(emulator.clientPageURL);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /钉钉客户端 \/ DingTalk client/);
    assert.deepEqual(clientRadios(page.text), [
      { unionId: 'union-zhangsan', userId: '083125472637', checked: true },
      { unionId: 'union-wangwu', userId: 'wangwu', checked: false },
    ]);
    assert.match(page.text, /<code id="corp-id">dingemulatorcorp0002<\/code>/);
    assert.ok(page.text.includes(`&lt;script src=&quot;${emulator.ddScriptURL}&quot;&gt;&lt;/script&gt;`));
  });

  it('signs in the member picked: the next code is theirs, and the page shows them', async () => {
    const emulator = await start({ corpId: 'dingemulatorcorp0002' });
    const token = await appToken(emulator);
    const switched = await signInThroughPage(emulator, 'union-wangwu');
    assert.equal(switched.status, 303);
    assert.equal(switched.headers.get('location'), '/emulator/client');
    const minted = await mintCode(emulator, { corpId: 'dingemulatorcorp0002', clientId: emulator.clientID });
    const { code } = JSON.parse(minted.text) as { code: string };
    assert.equal((await userInfoResult(emulator, token, code)).userid, 'wangwu');
    assert.equal((await userInfoResult(emulator, token, emulator.issueInAppCode())).userid, 'wangwu');
    const page = await send(emulator.clientPageURL);
    assert.deepEqual(
      clientRadios(page.text).map((radio) => [radio.unionId, radio.checked]),
      [
        ['union-zhangsan', false],
        ['union-wangwu', true],
      ],
    );
  });

  it('refuses anyone who is not a member, and keeps who was signed in', async () => {
    const emulator = await start({ corpId: 'dingemulatorcorp0002' });
    const refused = await signInThroughPage(emulator, 'union-lisi');
    assert.equal(refused.status, 400);
    assert.match(refused.text, /data-error="not_a_member"/);
    const wrongType = await send(emulator.clientPageURL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ unionId: 'union-wangwu' }),
    });
    assert.equal(wrongType.status, 400);
    const token = await appToken(emulator);
    assert.equal((await userInfoResult(emulator, token, emulator.issueInAppCode())).unionid, 'union-zhangsan');
    assert.throws(() => emulator.signInToClient('union-lisi'), TypeError);
    assert.throws(() => emulator.signInToClient('nobody'), TypeError);
    emulator.signInToClient('union-wangwu');
    assert.equal((await userInfoResult(emulator, token, emulator.issueInAppCode())).unionid, 'union-wangwu');
  });

  it('escapes everything it renders', async () => {
    const hostile = '<img src=x onerror="alert(1)">&\'';
    const emulator = await start({
      users: [
        {
          unionId: `u-${hostile}`,
          openId: 'o',
          nick: hostile,
          organizations: [{ corpId: 'dingcorp', name: hostile, userId: hostile }],
        },
      ],
    });
    const page = await send(emulator.clientPageURL);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes('<img'), 'no markup from the data');
    assert.ok(page.text.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;'));
  });
});

interface JSAPIFailure {
  message: string;
  errorCode: unknown;
  errorMessage: string;
}

interface AuthCodeParameters {
  corpId?: string;
  clientId?: string;
  onSuccess?: (result: { code: string }) => void;
  onFail?: (error: JSAPIFailure) => void;
  success?: (result: { code: string }) => void;
  fail?: (error: JSAPIFailure) => void;
  complete?: (...args: unknown[]) => void;
}

interface DD {
  env: { platform: string };
  ready(callback: () => void): void;
  error(callback: (error: unknown) => void): void;
  requestAuthCode(parameters?: AuthCodeParameters): Promise<{ code: string }>;
  runtime: { permission: { requestAuthCode(parameters?: AuthCodeParameters): Promise<{ code: string }> } };
}

/** Runs dd.js in a fresh context with a fake window, navigator and fetch (recording the calls). */
async function loadShim(emulator: DingTalkEmulator, userAgent: string) {
  const source = await send(emulator.ddScriptURL);
  assert.equal(source.status, 200);
  const calls: { url: string; init: RequestInit }[] = [];
  /** What the page's callbacks threw: the shim reports it as uncaught, through setTimeout. */
  const uncaught: unknown[] = [];
  const window: Record<string, unknown> = {
    setTimeout: (callback: () => void) =>
      setTimeout(() => {
        try {
          callback();
        } catch (error) {
          uncaught.push(error);
        }
      }),
    navigator: { userAgent },
    location: { href: 'http://app.example.test/home?from=workbench#top' },
    fetch: (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return fetch(url, init);
    },
  };
  window.window = window;
  runInNewContext(source.text, window, { filename: 'dd.js' });
  return { dd: window.dd as DD, calls, uncaught };
}

function assertFailure(expected: { message?: string | RegExp; errorCode?: unknown }) {
  return (error: JSAPIFailure) => {
    if (typeof expected.message === 'string') assert.equal(error.message, expected.message);
    else if (expected.message) assert.match(error.message, expected.message);
    assert.equal(error.errorMessage, error.message);
    if ('errorCode' in expected) assert.equal(error.errorCode, expected.errorCode);
    return true;
  };
}

describe('in-client emulator: dd.js, run as a page would', () => {
  const start = emulators();

  it('is served as JavaScript any origin may load, never cached', async () => {
    const emulator = await start();
    const answer = await send(emulator.ddScriptURL);
    assert.equal(answer.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(answer.headers.get('access-control-allow-origin'), '*');
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.ok(answer.text.includes(JSON.stringify(`${emulator.url}/emulator/client/auth-code`)));
  });

  it('bakes in the origin the page asked for (its Host), and refuses a Host that is not one', async () => {
    const emulator = await start();
    const port = new URL(emulator.url).port;
    const withHost = (host: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(emulator.ddScriptURL, { headers: { host } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end();
      });
    const local = await withHost(`localhost:${port}`);
    assert.equal(local.status, 200);
    assert.ok(local.text.includes(`"http://localhost:${port}/emulator/client/auth-code"`));
    const hostile = await withHost('evil.test/"+alert(1)+"');
    assert.equal(hostile.status, 400);
  });

  it('inside DingTalk: requestAuthCode resolves a code that works at getuserinfo, and calls onSuccess', async () => {
    const emulator = await start();
    const { dd, calls } = await loadShim(emulator, dingTalkUserAgent);
    assert.equal(dd.env.platform, 'pc');
    await new Promise<void>((resolve) => dd.ready(resolve));
    let succeeded: { code: string } | undefined;
    const result = await dd.requestAuthCode({
      corpId: 'dingemulatorcorp0001',
      clientId: emulator.clientID,
      onSuccess: (value) => {
        succeeded = value;
      },
    });
    assert.equal(typeof result.code, 'string');
    assert.equal(succeeded?.code, result.code);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.url, `${emulator.url}/emulator/client/auth-code`);
    assert.equal(calls[0]?.init.method, 'POST');
    // Spread into this realm's object: the shim's own objects have another Object.prototype.
    assert.deepEqual({ ...(calls[0]?.init.headers as Record<string, string>) }, { 'content-type': 'text/plain' });
    assert.deepEqual(JSON.parse(calls[0]?.init.body as string), {
      corpId: 'dingemulatorcorp0001',
      clientId: emulator.clientID,
      url: 'http://app.example.test/home?from=workbench',
    });
    assert.equal((await userInfoResult(emulator, await appToken(emulator), result.code)).userid, 'zhangsan');
  });

  it('inside DingTalk: the older runtime.permission.requestAuthCode needs only the corpId', async () => {
    const emulator = await start();
    const { dd } = await loadShim(emulator, 'Mozilla/5.0 (iPhone) AliApp(DingTalk/7.6.0) Mobile');
    assert.equal(dd.env.platform, 'ios');
    const { code } = await dd.runtime.permission.requestAuthCode({ corpId: 'dingemulatorcorp0001' });
    assert.equal((await userInfoResult(emulator, await appToken(emulator), code)).unionid, 'union-zhangsan');
  });

  it('inside DingTalk: success gets { code }, then complete once with no argument; the promise resolves the same', async () => {
    const emulator = await start();
    const { dd } = await loadShim(emulator, dingTalkUserAgent);
    const events: string[] = [];
    let succeeded: { code: string } | undefined;
    let completeArgs: unknown[] | undefined;
    const result = await new Promise<{ code: string }>((resolve, reject) => {
      dd.requestAuthCode({
        corpId: 'dingemulatorcorp0001',
        clientId: emulator.clientID,
        success: (value) => {
          events.push('success');
          succeeded = value;
        },
        fail: () => events.push('fail'),
        complete: (...args) => {
          events.push('complete');
          completeArgs = args;
          // After the promise's own reactions have run too.
          setTimeout(() => (succeeded ? resolve(succeeded) : reject(new Error('complete before success'))), 50);
        },
      }).then(() => events.push('then'), reject);
    });
    assert.deepEqual(events, ['success', 'complete', 'then']);
    assert.deepEqual(completeArgs, []);
    assert.deepEqual(Object.keys(result), ['code']);
    assert.equal((await userInfoResult(emulator, await appToken(emulator), result.code)).userid, 'zhangsan');
  });

  it('inside DingTalk: a failure goes to onFail and fail, then complete; the promise rejects', async () => {
    const emulator = await start();
    const { dd } = await loadShim(emulator, dingTalkUserAgent);
    const events: string[] = [];
    const errors: JSAPIFailure[] = [];
    const settled = dd.runtime.permission.requestAuthCode({
      corpId: 'dingemulatorcorp0002',
      onSuccess: () => events.push('onSuccess'),
      success: () => events.push('success'),
      onFail: (error) => {
        events.push('onFail');
        errors.push(error);
      },
      fail: (error) => {
        events.push('fail');
        errors.push(error);
      },
      complete: () => events.push('complete'),
    });
    await assert.rejects(settled, assertFailure({ errorCode: 3 }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(events, ['onFail', 'fail', 'complete']);
    assert.equal(errors[0], errors[1]);
    assert.equal(errors[0]?.errorCode, 3);
  });

  it('inside DingTalk: a callback that throws does not stop the others or the promise', async () => {
    const emulator = await start();
    const { dd, uncaught } = await loadShim(emulator, dingTalkUserAgent);
    const events: string[] = [];
    const { code } = await dd.requestAuthCode({
      corpId: 'dingemulatorcorp0001',
      clientId: emulator.clientID,
      onSuccess: () => {
        events.push('onSuccess');
        throw new Error('a page bug');
      },
      complete: () => events.push('complete'),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(typeof code, 'string');
    assert.deepEqual(events, ['onSuccess', 'complete']);
    assert.deepEqual(
      uncaught.map((error) => (error as Error).message),
      ['a page bug'],
    );
  });

  it("env.platform follows the User-Agent with dingtalk-jsapi's values", async () => {
    const emulator = await start();
    const platforms: Array<[string, string]> = [
      [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.6.0) com.laiwang.DingTalk/1',
        'ios',
      ],
      [
        'Mozilla/5.0 (Linux; U; Android 14; zh-CN; PHB110) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 AliApp(DingTalk/7.6.0) com.alibaba.android.rimet/1 Channel/1',
        'android',
      ],
      [
        'Mozilla/5.0 (Phone; OpenHarmony 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0 ArkWeb/4.1.6.1 Mobile AliApp(DingTalk/7.6.0)',
        'harmony',
      ],
      [dingTalkUserAgent, 'pc'],
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) dingtalk-win/1.0.0 nw(0.14.7) DingTalk(7.6.0) Mojo/1.0.0 Native AppType(release) Channel/201200',
        'pc',
      ],
      [browserUserAgent, 'notInDingTalk'],
      [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
        'notInDingTalk',
      ],
    ];
    for (const [userAgent, platform] of platforms) {
      const { dd } = await loadShim(emulator, userAgent);
      assert.equal(dd.env.platform, platform, userAgent);
    }
  });

  it('outside DingTalk, by default: platform notInDingTalk, and requestAuthCode calls nothing and never settles', async () => {
    const emulator = await start();
    const { dd, calls } = await loadShim(emulator, browserUserAgent);
    assert.equal(dd.env.platform, 'notInDingTalk');
    const events: string[] = [];
    const record = (name: string) => () => events.push(name);
    const callbacks = {
      onSuccess: record('onSuccess'),
      onFail: record('onFail'),
      success: record('success'),
      fail: record('fail'),
      complete: record('complete'),
    };
    const pending = Symbol('pending');
    const settled = [
      dd.requestAuthCode({ corpId: 'dingemulatorcorp0001', clientId: emulator.clientID, ...callbacks }),
      dd.runtime.permission.requestAuthCode({ corpId: 'dingemulatorcorp0001', ...callbacks }),
    ].map((promise) =>
      Promise.race([
        promise.then(
          () => 'resolved',
          () => 'rejected',
        ),
        new Promise((resolve) => setTimeout(() => resolve(pending), 300)),
      ]),
    );
    assert.deepEqual(await Promise.all(settled), [pending, pending]);
    assert.deepEqual(events, []);
    assert.equal(calls.length, 0);
  });

  it('outside DingTalk with jsapiOutsideClient "reject": fail, onFail and complete, and the promise rejects without asking for a code', async () => {
    const emulator = await start({ jsapiOutsideClient: 'reject' });
    const { dd, calls } = await loadShim(emulator, browserUserAgent);
    assert.equal(dd.env.platform, 'notInDingTalk');
    const events: string[] = [];
    let failed: JSAPIFailure | undefined;
    await assert.rejects(
      dd.requestAuthCode({
        corpId: 'dingemulatorcorp0001',
        clientId: emulator.clientID,
        onFail: (error) => {
          events.push('onFail');
          failed = error;
        },
        fail: () => events.push('fail'),
        complete: () => events.push('complete'),
      }),
      assertFailure({ message: /DingTalk client/, errorCode: -1 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(events, ['onFail', 'fail', 'complete']);
    assert.equal(failed?.errorCode, -1);
    await assert.rejects(dd.runtime.permission.requestAuthCode({ corpId: 'dingemulatorcorp0001' }), /DingTalk/);
    assert.equal(calls.length, 0);
  });

  it('refuses a jsapiOutsideClient that is neither "silent" nor "reject"', async () => {
    await assert.rejects(
      createDingTalkEmulator({ jsapiOutsideClient: 'ignore' as 'silent' }),
      /"jsapiOutsideClient" option must be "silent" or "reject"/,
    );
  });

  it('inside DingTalk: rejects a missing corpId, and an organization the app is not installed in', async () => {
    const emulator = await start();
    const { dd } = await loadShim(emulator, dingTalkUserAgent);
    let failed: JSAPIFailure | undefined;
    await assert.rejects(
      dd.requestAuthCode({
        clientId: emulator.clientID,
        onFail: (error) => {
          failed = error;
        },
      }),
      assertFailure({ message: 'corpId is required' }),
    );
    assert.equal(failed?.message, 'corpId is required');
    await assert.rejects(dd.runtime.permission.requestAuthCode({}), assertFailure({ message: 'corpId is required' }));
    await assert.rejects(
      dd.requestAuthCode({ corpId: 'dingemulatorcorp0001' }),
      assertFailure({ message: 'clientId is required' }),
    );
    await assert.rejects(
      dd.requestAuthCode({ corpId: 'dingemulatorcorp0002', clientId: emulator.clientID }),
      assertFailure({ message: '对应企业没有app.example.test域名微应用', errorCode: 3 }),
    );
  });
});

describe('in-client emulator: faults', () => {
  const start = emulators();

  it('throttles the app token the v1.0 way, and the oapi endpoints the oapi way (HTTP 200, errcode 90002)', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    emulator.inject('app-token', { kind: 'throttle', times: 1 });
    const throttled = await requestAppToken(emulator);
    assert.equal(throttled.status, 403);
    assert.equal((JSON.parse(throttled.text) as JSONObject).code, 'Forbidden.AccessDenied.QpsLimitForApi');
    assert.equal((await requestAppToken(emulator)).status, 200);
    for (const endpoint of ['userinfo', 'user-details'] as const) {
      emulator.inject(endpoint, { kind: 'throttle', times: 1, headers: { 'retry-after': '1' } });
      const answer =
        endpoint === 'userinfo'
          ? await getUserInfo(emulator, token, emulator.issueInAppCode())
          : await getUserDetails(emulator, token, { userid: 'zhangsan' });
      assert.equal(answer.headers.get('retry-after'), '1');
      const json = oapiAnswer(answer);
      assert.equal(json.errcode, 90002, endpoint);
      assert.equal(typeof json.errmsg, 'string');
    }
    assert.equal((await userDetailsResult(emulator, token, 'zhangsan')).userid, 'zhangsan');
  });

  it('forces an errcode 88 body once, then answers normally', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    const body = {
      errcode: 88,
      sub_code: '40014',
      sub_msg: '不合法的access_token',
      errmsg: 'ding talk error[subcode=40014]',
    };
    emulator.inject('userinfo', { body, times: 1 });
    const forced = await getUserInfo(emulator, token, emulator.issueInAppCode());
    assert.equal(forced.status, 200);
    assert.equal(forced.headers.get('x-acs-request-id'), null);
    assert.deepEqual(JSON.parse(forced.text), body);
    assert.equal((await userInfoResult(emulator, token, emulator.issueInAppCode())).userid, 'zhangsan');
  });

  it('applies the canned kinds and forced statuses to the new endpoints', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    const userInfo = () => getUserInfo(emulator, token, emulator.issueInAppCode());

    emulator.inject('userinfo', { kind: 'html', times: 1 });
    const html = await userInfo();
    assert.equal(html.status, 502);
    assert.match(html.text, /502 Bad Gateway/);

    emulator.inject('user-details', { kind: 'malformed-json', times: 1 });
    const malformed = await getUserDetails(emulator, token, { userid: 'zhangsan' });
    assert.throws(() => JSON.parse(malformed.text), SyntaxError);

    emulator.inject('app-token', { kind: 'empty', times: 1 });
    assert.equal((await requestAppToken(emulator)).text, '');

    emulator.inject('userinfo', { kind: 'ip-ban', times: 1 });
    assert.equal((JSON.parse((await userInfo()).text) as JSONObject).status, 1111);

    emulator.inject('user-details', { status: 500, body: 'oops', times: 1 });
    const forced = await getUserDetails(emulator, token, { userid: 'zhangsan' });
    assert.equal(forced.status, 500);
    assert.equal(forced.text, 'oops');

    emulator.inject('userinfo', { kind: 'drop', times: 1 });
    await assert.rejects(userInfo(), TypeError);

    emulator.inject('app-token', { kind: 'hang', times: 1 });
    await assert.rejects(
      fetch(emulator.appAccessTokenURL, { method: 'POST', signal: AbortSignal.timeout(200) }),
      (error: Error) => error.name === 'TimeoutError',
    );

    assert.equal(oapiAnswer(await userInfo()).errcode, 0, 'every fault was used up');
  });

  it('counts requests to the in-client endpoints and the client', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    await getUserInfo(emulator, token, emulator.issueInAppCode());
    await getUserDetails(emulator, token, { userid: 'zhangsan' });
    await send(emulator.ddScriptURL);
    await send(emulator.clientPageURL);
    await mintCode(emulator, { corpId: 'dingemulatorcorp0001', clientId: emulator.clientID });
    const { appToken: tokens, userInfo, userDetails, client, other } = emulator.counters.requests;
    assert.deepEqual(
      { tokens, userInfo, userDetails, client, other },
      {
        tokens: 1,
        userInfo: 1,
        userDetails: 1,
        client: 3,
        other: 0,
      },
    );
  });

  it('takes no fault for the client, which is not DingTalk’s server', async () => {
    const emulator = await start();
    assert.throws(() => emulator.inject('client' as never, { kind: 'html' }), TypeError);
  });
});

describe('in-client emulator: setup', () => {
  const start = emulators();

  it('describes itself for an InAppStrategy', async () => {
    const emulator = await start({ clientID: 'dingmyapp', clientSecret: 'my-secret' });
    assert.deepEqual(emulator.inAppStrategyOptions(), {
      clientID: 'dingmyapp',
      clientSecret: 'my-secret',
      corpId: 'dingemulatorcorp0001',
      accessTokenURL: `${emulator.url}/v1.0/oauth2/accessToken`,
      userInfoURL: `${emulator.url}/topapi/v2/user/getuserinfo`,
      userDetailsURL: `${emulator.url}/topapi/v2/user/get`,
    });
    assert.equal(emulator.appAccessTokenURL, `${emulator.url}/v1.0/oauth2/accessToken`);
    assert.equal(emulator.ddScriptURL, `${emulator.url}/emulator/dd.js`);
    assert.equal(emulator.clientPageURL, `${emulator.url}/emulator/client`);
  });

  it('gives the default users their organizations’ userids and roles', () => {
    const [zhangsan, lisi, wangwu] = defaultEmulatorUsers;
    assert.deepEqual(
      zhangsan?.organizations.map((org) => [org.corpId, org.userId, org.sysLevel]),
      [
        ['dingemulatorcorp0001', 'zhangsan', 1],
        ['dingemulatorcorp0002', '083125472637', 0],
      ],
    );
    assert.deepEqual(
      lisi?.organizations.map((org) => [org.userId, org.sysLevel]),
      [['lisi', 0]],
    );
    assert.deepEqual(
      wangwu?.organizations.map((org) => [org.userId, org.sysLevel]),
      [['wangwu', 0]],
    );
  });

  it('installs an internal app in its own organization', async () => {
    const emulator = await start({ app: { type: 'internal', corpId: 'dingemulatorcorp0002' } });
    assert.equal(emulator.inAppStrategyOptions().corpId, 'dingemulatorcorp0002');
    const token = await appToken(emulator);
    assert.equal((await userInfoResult(emulator, token, emulator.issueInAppCode())).userid, '083125472637');
    assert.throws(() => emulator.issueAppAccessToken('dingemulatorcorp0001'), /its own organization/);
    await assert.rejects(
      createDingTalkEmulator({
        app: { type: 'internal', corpId: 'dingemulatorcorp0002' },
        corpId: 'dingemulatorcorp0001',
      }),
      /internal app's own organization/,
    );
  });

  it('defaults to the first organization of the first user who has one', async () => {
    const emulator = await start({
      users: [
        { unionId: 'u-none', openId: 'o1', nick: '甲', organizations: [] },
        { unionId: 'u-two', openId: 'o2', nick: '乙', organizations: [{ corpId: 'dingsecond', name: '二' }] },
      ],
    });
    assert.equal(emulator.inAppStrategyOptions().corpId, 'dingsecond');
    const result = await userInfoResult(emulator, await appToken(emulator), emulator.issueInAppCode());
    assert.equal(result.userid, 'u-two', 'the userid defaults to the unionId');
    assert.equal(result.sys_level, 0);
  });

  it('refuses an in-client organization nobody is in, or none at all', async () => {
    const bad: DingTalkEmulatorOptions[] = [
      { corpId: 'dingnobody' },
      { corpId: '' },
      { corpId: 42 as never },
      { users: [{ unionId: 'u', openId: 'o', nick: '甲', organizations: [] }] },
    ];
    for (const options of bad) {
      await assert.rejects(createDingTalkEmulator(options), TypeError, JSON.stringify(options));
    }
  });

  it('refuses a userId two members share in one organization, and takes it in two', async () => {
    const member = (unionId: string, corpId: string, userId?: string) => ({
      unionId,
      openId: `open-${unionId}`,
      nick: unionId,
      organizations: [{ corpId, name: corpId, ...(userId === undefined ? {} : { userId }) }],
    });
    await assert.rejects(
      createDingTalkEmulator({ users: [member('a', 'dingone', 'same'), member('b', 'dingone', 'same')] }),
      /share the userId "same" in the organization "dingone"/,
    );
    // A defaulted userid (the unionId) counts too.
    await assert.rejects(
      createDingTalkEmulator({ users: [member('a', 'dingone'), member('b', 'dingone', 'a')] }),
      /share the userId "a"/,
    );
    const emulator = await start({ users: [member('a', 'dingone', 'same'), member('b', 'dingtwo', 'same')] });
    assert.equal(emulator.users.length, 2);
  });

  it('refuses member fields that could not be DingTalk’s', async () => {
    const withOrganization = (organization: object): DingTalkEmulatorOptions => ({
      users: [
        { unionId: 'u', openId: 'o', nick: '甲', organizations: [{ corpId: 'dingc', name: 'C', ...organization }] },
      ],
    });
    for (const organization of [
      { sysLevel: 3 },
      { deptIds: [] },
      { deptIds: [0] },
      { deptIds: ['1'] },
      { userId: '' },
      { title: 7 },
      { jobNumber: '' },
    ]) {
      await assert.rejects(
        createDingTalkEmulator(withOrganization(organization)),
        TypeError,
        JSON.stringify(organization),
      );
    }
  });

  it('does not change when the caller changes its users afterwards', async () => {
    const deptIds = [4];
    const emulator = await start({
      users: [{ unionId: 'u', openId: 'o', nick: '甲', organizations: [{ corpId: 'dingc', name: 'C', deptIds }] }],
    });
    deptIds.push(5);
    assert.deepEqual((await userDetailsResult(emulator, await appToken(emulator), 'u')).dept_id_list, [4]);
  });

  it('refuses codes and tokens it cannot issue', async () => {
    const emulator = await start();
    assert.throws(() => emulator.issueInAppCode({ unionId: 'nobody' }), /nobody/);
    assert.throws(() => emulator.issueInAppCode({ unionId: 'union-lisi' }), /not a member/);
    assert.throws(() => emulator.issueInAppCode({ corpId: 'dingemulatorcorp0003' }), /not a member/);
    assert.throws(() => emulator.issueAppAccessToken('dingnobody'), TypeError);
    assert.equal(typeof emulator.issueAppAccessToken('dingemulatorcorp0003'), 'string');
  });

  it('prints the in-client URLs on the command line', async () => {
    const cli = await startEmulatorCLI(['--port', '0', '--corp-id', 'dingemulatorcorp0002']);
    const { output } = cli;
    const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    assert.ok(url);
    assert.ok(output.includes(`${url}/emulator/dd.js`));
    assert.ok(output.includes(`${url}/emulator/client`));
    assert.match(output, /corpId\s+dingemulatorcorp0002/);
    const page = await send(`${url}/emulator/client`);
    assert.deepEqual(
      clientRadios(page.text).map((radio) => radio.unionId),
      ['union-zhangsan', 'union-wangwu'],
    );
    assert.equal(await cli.stop(), 0);
  });
});

describe('in-client emulator: oapi’s own ways (form-body token, unknown methods, unknownUserIdError, oapiMessages)', () => {
  const start = emulators();

  function postForm(url: string, fields: Record<string, string>): Promise<Answer> {
    return send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  it('reads access_token from a form body as from the query, and not from a JSON body', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    const answer = await postForm(emulator.userInfoURL, { access_token: token, code: emulator.issueInAppCode() });
    const json = oapiAnswer(answer);
    assert.equal(json.errcode, 0, answer.text);
    assert.equal((json.result as JSONObject).userid, 'zhangsan');
    const details = oapiAnswer(await postForm(emulator.userDetailsURL, { access_token: token, userid: 'zhangsan' }));
    assert.equal((details.result as JSONObject).name, '张三');
    const wrong = await postForm(emulator.userInfoURL, {
      access_token: 'not-a-token',
      code: emulator.issueInAppCode(),
    });
    assertWrappedTokenError(wrong, '40014', '不合法的access_token');
    const inJSON = await postJSON(emulator.userInfoURL, { access_token: token, code: emulator.issueInAppCode() });
    assertWrappedTokenError(inJSON, '40000', 'access_token is blank');
  });

  it('answers a /topapi/ path it does not serve on HTTP 200 with errcode 22, any other path 404', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    for (const [path, name] of [
      ['/topapi/v2/user/getbymobile', 'dingtalk.oapi.v2.user.getbymobile'],
      ['/topapi/v2/department/listsub', 'dingtalk.oapi.v2.department.listsub'],
    ]) {
      assertOAPIError(
        await postJSON(`${emulator.url}${path}?access_token=${token}`, {}),
        22,
        `Invalid method[${name}]`,
      );
    }
    const before = emulator.counters.requests.other;
    assertOAPIError(await send(`${emulator.url}/topapi/nothing`), 22, 'Invalid method[dingtalk.oapi.nothing]');
    assert.equal(emulator.counters.requests.other, before + 1);
    const elsewhere = await send(`${emulator.url}/v1.0/contact/nothing`);
    assert.equal(elsewhere.status, 404);
    assert.equal((JSON.parse(elsewhere.text) as JSONObject).code, 'InvalidAction.NotFound');
  });

  it('answers 33012 for an unknown userid with unknownUserIdError: 33012, and checks the option', async () => {
    const emulator = await start({ unknownUserIdError: 33012 });
    const token = await appToken(emulator);
    for (const body of [{ userid: 'lisi' }, { userid: 'nobody' }, {}]) {
      assertOAPIError(await getUserDetails(emulator, token, body), 33012, '无效的USERID');
    }
    assert.equal((await userDetailsResult(emulator, token, 'zhangsan')).name, '张三');
    const explicit = await start({ unknownUserIdError: 60121 });
    assertOAPIError(
      await getUserDetails(explicit, await appToken(explicit), { userid: 'lisi' }),
      60121,
      '找不到该用户',
    );
    await assert.rejects(
      createDingTalkEmulator({ unknownUserIdError: 40078 as never }),
      /"unknownUserIdError" option must be 60121 or 33012/,
    );
  });

  it('gives English errmsg texts with oapiMessages: "en", the same errcodes, and checks the option', async () => {
    const clock = manualClock();
    const emulator = await start({ oapiMessages: 'en', now: clock.now });
    const token = await appToken(emulator);
    assertOAPIError(await getUserInfo(emulator, token, 'f'.repeat(32)), 40078, 'nonexistent temp auth code');
    assertOAPIError(await getUserDetails(emulator, token, { userid: 'nobody' }), 60121, 'user not found');
    assertWrappedTokenError(await getUserInfo(emulator, 'not-a-token', 'x'), '40014', 'invalid access_token');
    assertWrappedTokenError(await getUserInfo(emulator, undefined, 'x'), '40000', 'access_token is blank');
    assertOAPIError(await send(withToken(emulator.userInfoURL, token)), 43002, 'require POST request');
    emulator.inject('user-details', { kind: 'throttle', times: 1 });
    assertOAPIError(
      await getUserDetails(emulator, token, { userid: 'zhangsan' }),
      90002,
      'exceeded the max qps of this api',
    );
    assert.equal((await userInfoResult(emulator, token, emulator.issueInAppCode())).userid, 'zhangsan');
    clock.advanceSeconds(7200);
    assertWrappedTokenError(await getUserDetails(emulator, token, { userid: 'x' }), '42001', 'access_token expired');

    const strict = await start({ oapiMessages: 'en', unknownUserIdError: 33012, permissions: ['qyapi_get_member'] });
    const strictToken = await appToken(strict);
    assertOAPIError(await getUserDetails(strict, strictToken, { userid: 'nobody' }), 33012, 'invalid userid');
    assertOAPIError(
      await getUserInfo(strict, strictToken, strict.issueInAppCode()),
      60011,
      'no permission to call this api',
    );
    const chinese = await start({ oapiMessages: 'zh' });
    assertOAPIError(await getUserInfo(chinese, await appToken(chinese), 'x'), 40078, '不存在的临时授权码');
    await assert.rejects(
      createDingTalkEmulator({ oapiMessages: 'fr' as never }),
      /"oapiMessages" option must be "zh" or "en"/,
    );
  });
});
