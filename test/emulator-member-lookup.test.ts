// The emulator's side of the member lookup: who a DingTalk user is in an organization. External
// contacts (外部联系人) in the test data, topapi/user/getbyunionid, and user/get's organization fields.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createDingTalkEmulator,
  type DingTalkEmulator,
  type DingTalkEmulatorOptions,
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

type Encoding = 'json' | 'form' | 'query';

function getByUnionId(
  emulator: DingTalkEmulator,
  token: string | undefined,
  unionid: string | undefined,
  encoding: Encoding = 'json',
): Promise<Answer> {
  const url = token === undefined ? emulator.getByUnionIdURL : withToken(emulator.getByUnionIdURL, token);
  const parameters = new URLSearchParams(unionid === undefined ? {} : { unionid });
  if (encoding === 'query') {
    return send(`${url}${url.includes('?') ? '&' : '?'}${parameters}`, { method: 'POST' });
  }
  if (encoding === 'form') {
    return send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: parameters.toString(),
    });
  }
  return postJSON(url, unionid === undefined ? {} : { unionid });
}

/** The `result` of a getbyunionid that succeeded, after checking the whole answer's shape. */
async function lookUp(emulator: DingTalkEmulator, token: string, unionid: string): Promise<JSONObject> {
  const json = oapiAnswer(await getByUnionId(emulator, token, unionid));
  assert.deepEqual(Object.keys(json), ['errcode', 'errmsg', 'result', 'request_id']);
  assert.equal(json.errcode, 0);
  assert.equal(json.errmsg, 'ok');
  return json.result as JSONObject;
}

function getUserInfo(emulator: DingTalkEmulator, token: string, code: string): Promise<Answer> {
  return postJSON(withToken(emulator.userInfoURL, token), { code });
}

function getUserDetails(emulator: DingTalkEmulator, token: string, body: unknown): Promise<Answer> {
  return postJSON(withToken(emulator.userDetailsURL, token), body);
}

async function userDetailsResult(emulator: DingTalkEmulator, token: string, body: JSONObject): Promise<JSONObject> {
  const json = oapiAnswer(await getUserDetails(emulator, token, body));
  assert.equal(json.errcode, 0, JSON.stringify(json));
  return json.result as JSONObject;
}

/**
 * 甲 is a member of dingone; 乙 is a member of dingtwo and an external contact of dingone; 丙 is
 * an external contact of dingone with the default userid (the unionId).
 */
function usersWithAnExternalContact(): EmulatorUser[] {
  return [
    {
      unionId: 'union-jia',
      openId: 'open-jia',
      nick: '甲',
      organizations: [{ corpId: 'dingone', name: '一号公司', userId: 'jia' }],
    },
    {
      unionId: 'union-yi',
      openId: 'open-yi',
      nick: '乙',
      organizations: [{ corpId: 'dingtwo', name: '二号公司', userId: 'yi' }],
      externalContactOf: [{ corpId: 'dingone', userId: 'yi-contact' }],
    },
    {
      unionId: 'union-bing',
      openId: 'open-bing',
      nick: '丙',
      organizations: [],
      externalContactOf: [{ corpId: 'dingone' }],
    },
  ];
}

/** The account radios of the consent page, as `[unionId, corpId]`. */
function consentChoices(html: string): [string, string | undefined][] {
  return [...html.matchAll(/<input type="radio" name="account"([^>]*)>/g)].map((match) => {
    const attributes = match[1] ?? '';
    const attribute = (name: string) => new RegExp(` ${name}="([^"]*)"`).exec(attributes)?.[1];
    return [attribute('data-union-id') ?? '', attribute('data-corp-id')];
  });
}

function consentPageURL(emulator: DingTalkEmulator): string {
  const query = new URLSearchParams({
    client_id: emulator.clientID,
    redirect_uri: 'http://127.0.0.1:3000/callback',
    response_type: 'code',
    prompt: 'consent',
    scope: 'openid corpid',
  });
  return `${emulator.authorizationURL}?${query}`;
}

describe('member lookup emulator: external contacts (外部联系人) are not members', () => {
  const start = emulators();

  it('offers them no organization on the consent page and no place in the DingTalk client', async () => {
    const emulator = await start({ users: usersWithAnExternalContact(), corpId: 'dingone' });
    const page = await send(consentPageURL(emulator));
    assert.deepEqual(consentChoices(page.text), [
      ['union-jia', 'dingone'],
      ['union-yi', 'dingtwo'],
      ['union-bing', undefined],
    ]);
    const client = await send(emulator.clientPageURL);
    assert.ok(client.text.includes('data-union-id="union-jia"'));
    assert.ok(!client.text.includes('data-union-id="union-yi"'));
    assert.throws(() => emulator.signInToClient('union-yi'), TypeError);
    assert.throws(() => emulator.issueInAppCode({ unionId: 'union-yi' }), /not a member/);
    assert.throws(() => emulator.issueAuthCode({ unionId: 'union-yi', scope: 'openid corpid', corpId: 'dingone' }), {
      message: /not in the organization "dingone"/,
    });
  });

  it('keeps them out of an internal app of the organization', async () => {
    const emulator = await start({ users: usersWithAnExternalContact(), app: { type: 'internal', corpId: 'dingone' } });
    assert.throws(() => emulator.issueAuthCode({ unionId: 'union-bing' }), /not a member/);
    assert.equal(typeof emulator.issueAuthCode({ unionId: 'union-jia' }), 'string');
  });

  it('answers user/get for an external contact’s userid as for an unknown one (60121)', async () => {
    const emulator = await start({ users: usersWithAnExternalContact(), corpId: 'dingone' });
    const token = await appToken(emulator);
    for (const userid of ['yi-contact', 'union-bing', 'yi']) {
      assertOAPIError(await getUserDetails(emulator, token, { userid }), 60121, '找不到该用户');
    }
    assert.equal((await userDetailsResult(emulator, token, { userid: 'jia' })).name, '甲');
  });
});

describe('member lookup emulator: the test data is checked', () => {
  const start = emulators();

  /** The users of usersWithAnExternalContact, 乙 changed by `change`. */
  function withContact(change: (user: EmulatorUser) => void): DingTalkEmulatorOptions {
    const users = usersWithAnExternalContact();
    change(users[1] as EmulatorUser);
    return { users, corpId: 'dingone' };
  }

  const refused: [string, (user: EmulatorUser) => void, RegExp][] = [
    [
      'a list that is not an array',
      (user) => Object.assign(user, { externalContactOf: 'dingone' }),
      /users\[1\]\.externalContactOf must be an array/,
    ],
    [
      'an entry that is not an object',
      (user) => Object.assign(user, { externalContactOf: [null] }),
      /users\[1\]\.externalContactOf\[0\]\.corpId must be a non-empty string/,
    ],
    [
      'an empty corpId',
      (user) => Object.assign(user, { externalContactOf: [{ corpId: '' }] }),
      /users\[1\]\.externalContactOf\[0\]\.corpId must be a non-empty string/,
    ],
    [
      'an empty userId',
      (user) => Object.assign(user, { externalContactOf: [{ corpId: 'dingone', userId: '' }] }),
      /users\[1\]\.externalContactOf\[0\]\.userId must be a non-empty string/,
    ],
    [
      'a userId that is not a string',
      (user) => Object.assign(user, { externalContactOf: [{ corpId: 'dingone', userId: 7 }] }),
      /users\[1\]\.externalContactOf\[0\]\.userId must be a non-empty string/,
    ],
    [
      'an organization listed twice',
      (user) => Object.assign(user, { externalContactOf: [{ corpId: 'dingone' }, { corpId: 'dingone', userId: 'x' }] }),
      /users\[1\]\.externalContactOf lists the organization "dingone" twice/,
    ],
    [
      'an organization the user is a member of',
      (user) => Object.assign(user, { externalContactOf: [{ corpId: 'dingtwo' }] }),
      /users\[1\]\.externalContactOf\[0\]\.corpId "dingtwo" is one of users\[1\]\.organizations/,
    ],
    [
      'the userid of a member',
      (user) => Object.assign(user, { externalContactOf: [{ corpId: 'dingone', userId: 'jia' }] }),
      /union-jia and union-yi share the userId "jia" in the organization "dingone"/,
    ],
    [
      'the userid of another contact',
      (user) => Object.assign(user, { externalContactOf: [{ corpId: 'dingone', userId: 'union-bing' }] }),
      /union-yi and union-bing share the userId "union-bing" in the organization "dingone"/,
    ],
  ];
  for (const [what, change, message] of refused) {
    it(`refuses ${what}, naming the field`, async () => {
      await assert.rejects(createDingTalkEmulator(withContact(change)), (error: Error) => {
        assert.ok(error instanceof TypeError, String(error));
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('takes the same userid in two organizations, and does not change when the caller’s data does', async () => {
    const users = usersWithAnExternalContact();
    const contacts = [
      { corpId: 'dingone', userId: 'yi-contact' },
      { corpId: 'dingthree', userId: 'yi' },
    ];
    (users[1] as EmulatorUser).externalContactOf = contacts;
    const emulator = await start({ users, corpId: 'dingone' });
    (contacts[0] as { userId: string }).userId = 'changed';
    contacts.push({ corpId: 'dingfour', userId: 'late' });
    const copy = emulator.users[1]?.externalContactOf;
    assert.deepEqual(copy, [
      { corpId: 'dingone', userId: 'yi-contact' },
      { corpId: 'dingthree', userId: 'yi' },
    ]);
    assert.ok(Object.isFrozen(copy) && Object.isFrozen(copy?.[0]));
  });
});

describe('member lookup emulator: getbyunionid (POST /topapi/user/getbyunionid)', () => {
  const start = emulators();

  it('answers a member of the token’s organization with contact_type 0 and their userid there', async () => {
    const emulator = await start();
    assert.equal(emulator.getByUnionIdURL, `${emulator.url}/topapi/user/getbyunionid`);
    const token = await appToken(emulator);
    assert.deepEqual(await lookUp(emulator, token, 'union-zhangsan'), { contact_type: 0, userid: 'zhangsan' });
  });

  it('answers each organization’s own userid for the same person', async () => {
    const emulator = await start();
    const second = emulator.issueAppAccessToken('dingemulatorcorp0002');
    assert.deepEqual(await lookUp(emulator, second, 'union-zhangsan'), { contact_type: 0, userid: '083125472637' });
    assert.deepEqual(await lookUp(emulator, second, 'union-wangwu'), { contact_type: 0, userid: 'wangwu' });
    const third = emulator.issueAppAccessToken('dingemulatorcorp0003');
    assert.deepEqual(await lookUp(emulator, third, 'union-lisi'), { contact_type: 0, userid: 'lisi' });
  });

  it('answers an external contact with contact_type 1 and their userid, the unionId by default', async () => {
    const emulator = await start({ users: usersWithAnExternalContact(), corpId: 'dingone' });
    const token = await appToken(emulator);
    assert.deepEqual(await lookUp(emulator, token, 'union-yi'), { contact_type: 1, userid: 'yi-contact' });
    assert.deepEqual(await lookUp(emulator, token, 'union-bing'), { contact_type: 1, userid: 'union-bing' });
    assert.deepEqual(await lookUp(emulator, token, 'union-jia'), { contact_type: 0, userid: 'jia' });
    // In their own organization 乙 is a member.
    const theirs = emulator.issueAppAccessToken('dingtwo');
    assert.deepEqual(await lookUp(emulator, theirs, 'union-yi'), { contact_type: 0, userid: 'yi' });
  });

  it('finds the default 王五 as an external contact of the in-client organization, and nothing more', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    assert.deepEqual(await lookUp(emulator, token, 'union-wangwu'), { contact_type: 1, userid: 'ext-wangwu' });
    assertOAPIError(await getUserDetails(emulator, token, { userid: 'ext-wangwu' }), 60121, '找不到该用户');
    assert.throws(() => emulator.issueInAppCode({ unionId: 'union-wangwu' }), /not a member/);
    const page = await send(consentPageURL(emulator));
    assert.deepEqual(
      consentChoices(page.text).filter(([unionId]) => unionId === 'union-wangwu'),
      [['union-wangwu', 'dingemulatorcorp0002']],
    );
  });

  it('answers 60121 for someone the organization does not know, and for a missing unionid', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    // 李四 is a member of dingemulatorcorp0003 only.
    for (const unionid of ['union-lisi', 'union-nobody', '', undefined]) {
      assertOAPIError(await getByUnionId(emulator, token, unionid), 60121, '找不到该用户');
    }
  });

  for (const encoding of ['form', 'query'] as const) {
    it(`reads the unionid from ${encoding === 'query' ? 'the query' : 'a form body'} too`, async () => {
      const emulator = await start();
      const token = await appToken(emulator);
      const json = oapiAnswer(await getByUnionId(emulator, token, 'union-zhangsan', encoding));
      assert.deepEqual(json.result, { contact_type: 0, userid: 'zhangsan' });
    });
  }

  it('answers 60011 when the app lacks qyapi_get_member (qyapi_base is not it)', async () => {
    const without = await start({ permissions: ['Contact.User.Read', 'qyapi_base'] });
    assertOAPIError(
      await getByUnionId(without, await appToken(without), 'union-zhangsan'),
      60011,
      '没有调用该接口的权限',
    );
    const only = await start({ permissions: ['qyapi_get_member'] });
    assert.equal((await lookUp(only, await appToken(only), 'union-zhangsan')).userid, 'zhangsan');
  });

  it('wraps a refused token in errcode 88 with sub_code 40014 (40000 without one), as getuserinfo and user/get do', async () => {
    const emulator = await start({ permissions: ['qyapi_base'] });
    assertWrappedTokenError(
      await getByUnionId(emulator, 'not-a-token', 'union-zhangsan'),
      '40014',
      '不合法的access_token',
    );
    assertWrappedTokenError(
      await getByUnionId(emulator, undefined, 'union-zhangsan'),
      '40000',
      'access_token is blank',
    );
    const revoked = await appToken(emulator);
    emulator.revokeAppTokens();
    assertWrappedTokenError(await getByUnionId(emulator, revoked, 'union-zhangsan'), '40014', '不合法的access_token');
    const code = emulator.issueInAppCode();
    assertWrappedTokenError(await getUserInfo(emulator, revoked, code), '40014', '不合法的access_token');
    assertWrappedTokenError(
      await getUserDetails(emulator, revoked, { userid: 'zhangsan' }),
      '40014',
      '不合法的access_token',
    );
  });

  it('wraps an expired token in errcode 88 with sub_code 42001, as user/get does', async () => {
    const clock = manualClock();
    const emulator = await start({ now: clock.now });
    const token = await appToken(emulator);
    clock.advanceSeconds(7199);
    assert.equal((await lookUp(emulator, token, 'union-zhangsan')).userid, 'zhangsan');
    clock.advanceSeconds(1);
    assertWrappedTokenError(await getByUnionId(emulator, token, 'union-zhangsan'), '42001', 'access_token超时');
    assertWrappedTokenError(await getUserDetails(emulator, token, { userid: 'zhangsan' }), '42001', 'access_token超时');
  });

  it('answers another method on HTTP 200 with errcode 43002', async () => {
    const emulator = await start();
    const answer = await send(withToken(emulator.getByUnionIdURL, await appToken(emulator)));
    assertOAPIError(answer, 43002, '需要POST请求');
  });

  it('throttles the oapi way (HTTP 200, errcode 90002), then answers normally', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    emulator.inject('getbyunionid', { kind: 'throttle', times: 1, headers: { 'retry-after': '1' } });
    const throttled = await getByUnionId(emulator, token, 'union-zhangsan');
    assert.equal(throttled.headers.get('retry-after'), '1');
    const json = oapiAnswer(throttled);
    assert.equal(json.errcode, 90002);
    assert.equal(json.result, undefined);
    assert.equal((await lookUp(emulator, token, 'union-zhangsan')).userid, 'zhangsan');
  });

  it('counts its requests apart from the other endpoints', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    await getByUnionId(emulator, token, 'union-zhangsan');
    await getByUnionId(emulator, 'not-a-token', 'union-zhangsan');
    await getUserDetails(emulator, token, { userid: 'zhangsan' });
    const { getByUnionId: lookups, userDetails, userInfo, other } = emulator.counters.requests;
    assert.deepEqual({ lookups, userDetails, userInfo, other }, { lookups: 2, userDetails: 1, userInfo: 0, other: 0 });
    emulator.resetCounters();
    assert.equal(emulator.counters.requests.getByUnionId, 0);
  });

  it('is listed by the command line', async () => {
    const cli = await startEmulatorCLI(['--port', '0']);
    const url = /listening on (http:\/\/\S+)/.exec(cli.output)?.[1];
    assert.ok(url);
    assert.match(cli.output, new RegExp(`getbyunionid\\s+${url}/topapi/user/getbyunionid\\n`));
    assert.equal(await cli.stop(), 0);
  });
});

describe('member lookup emulator: the Strategy options', () => {
  const start = emulators();

  it('strategyOptions() is the browser login’s alone, as before, and so is memberLookup: false', async () => {
    const emulator = await start({ clientID: 'dingmyapp', clientSecret: 'my-secret' });
    const browser = {
      clientID: 'dingmyapp',
      clientSecret: 'my-secret',
      authorizationURL: `${emulator.url}/oauth2/auth`,
      tokenURL: `${emulator.url}/v1.0/oauth2/userAccessToken`,
      userProfileURL: `${emulator.url}/v1.0/contact/users/me`,
    };
    assert.deepEqual(emulator.strategyOptions(), browser);
    assert.deepEqual(emulator.strategyOptions({}), browser);
    assert.deepEqual(emulator.strategyOptions({ memberLookup: false }), browser);
  });

  it('strategyOptions({ memberLookup: true }) adds the lookup’s URLs, pinned to the in-client organization', async () => {
    const emulator = await start({ clientID: 'dingmyapp', clientSecret: 'my-secret' });
    assert.deepEqual(emulator.strategyOptions({ memberLookup: true }), {
      ...emulator.strategyOptions(),
      memberLookup: true,
      allowedCorpIds: [emulator.inAppStrategyOptions().corpId],
      accessTokenURL: `${emulator.url}/v1.0/oauth2/accessToken`,
      getByUnionIdURL: `${emulator.url}/topapi/user/getbyunionid`,
      userDetailsURL: `${emulator.url}/topapi/v2/user/get`,
    });
  });

  it('points at a lookup that works with the app token it names: the in-client organization’s', async () => {
    const emulator = await start({ corpId: 'dingemulatorcorp0002' });
    const options = emulator.strategyOptions({ memberLookup: true });
    const tokenAnswer = await postJSON(options.accessTokenURL, {
      appKey: options.clientID,
      appSecret: options.clientSecret,
    });
    const { accessToken } = JSON.parse(tokenAnswer.text) as { accessToken: string };
    const lookup = oapiAnswer(
      await postJSON(withToken(options.getByUnionIdURL, accessToken), { unionid: 'union-zhangsan' }),
    );
    assert.deepEqual(lookup.result, { contact_type: 0, userid: '083125472637' });
    const details = oapiAnswer(
      await postJSON(withToken(options.userDetailsURL, accessToken), { userid: '083125472637' }),
    );
    assert.equal((details.result as JSONObject).unionid, 'union-zhangsan');
  });

  it('refuses a memberLookup that is not true or false', async () => {
    const emulator = await start();
    for (const memberLookup of ['true', 1, null]) {
      assert.throws(() => emulator.strategyOptions({ memberLookup } as never), {
        name: 'TypeError',
        message: /memberLookup/,
      });
    }
  });
});

describe('member lookup emulator: user/get answers what the organization records', () => {
  const start = emulators();

  /** One member of dingcorp, with `fields` recorded by the organization. */
  function memberWith(fields: object): EmulatorUser[] {
    return [
      {
        unionId: 'union-ding',
        openId: 'open-ding',
        nick: '丁',
        organizations: [{ corpId: 'dingcorp', name: '丁公司', userId: 'ding', deptIds: [1, 5, 9], ...fields }],
      },
      {
        unionId: 'union-boss',
        openId: 'open-boss',
        nick: '老板',
        organizations: [{ corpId: 'dingcorp', name: '丁公司', userId: 'boss', sysLevel: 100 }],
      },
    ];
  }

  const recorded = {
    orgEmail: 'ding@corp.example.com',
    hiredDate: 1_600_000_000_000,
    leaderInDeptIds: [5],
    roles: [
      { id: 11, name: '财务', groupName: '职务' },
      { id: 12, name: '子管理员', groupName: '管理员' },
    ],
    managerUserId: 'boss',
  };

  it('answers org_email, hired_date, leader_in_dept, role_list and manager_userid to an internal app', async () => {
    const emulator = await start({ users: memberWith(recorded), app: { type: 'internal', corpId: 'dingcorp' } });
    const result = await userDetailsResult(emulator, await appToken(emulator), { userid: 'ding' });
    assert.deepEqual(
      {
        org_email: result.org_email,
        hired_date: result.hired_date,
        leader_in_dept: result.leader_in_dept,
        role_list: result.role_list,
        manager_userid: result.manager_userid,
      },
      {
        org_email: 'ding@corp.example.com',
        hired_date: 1_600_000_000_000,
        leader_in_dept: [
          { dept_id: 1, leader: false },
          { dept_id: 5, leader: true },
          { dept_id: 9, leader: false },
        ],
        role_list: [
          { id: 11, name: '财务', group_name: '职务' },
          { id: 12, name: '子管理员', group_name: '管理员' },
        ],
        manager_userid: 'boss',
      },
    );
    assert.deepEqual(result.dept_id_list, [1, 5, 9]);
  });

  it('withholds org_email and manager_userid from a third-party enterprise app, and keeps the rest', async () => {
    const emulator = await start({ users: memberWith(recorded), app: { type: 'third-party-enterprise' } });
    const result = await userDetailsResult(emulator, await appToken(emulator), { userid: 'ding' });
    assert.equal(result.org_email, undefined);
    assert.equal(result.manager_userid, undefined);
    assert.equal(result.hired_date, 1_600_000_000_000);
    assert.equal((result.leader_in_dept as unknown[]).length, 3);
    assert.equal((result.role_list as unknown[]).length, 2);
  });

  it('leaves out what the organization does not record, and lists no department led when given none', async () => {
    const emulator = await start({ users: memberWith({ leaderInDeptIds: [], roles: [] }) });
    const token = await appToken(emulator);
    const result = await userDetailsResult(emulator, token, { userid: 'ding' });
    for (const field of ['org_email', 'hired_date', 'manager_userid']) assert.ok(!(field in result), field);
    assert.deepEqual(result.leader_in_dept, [
      { dept_id: 1, leader: false },
      { dept_id: 5, leader: false },
      { dept_id: 9, leader: false },
    ]);
    assert.deepEqual(result.role_list, []);
    const boss = await userDetailsResult(emulator, token, { userid: 'boss' });
    for (const field of ['org_email', 'hired_date', 'manager_userid', 'leader_in_dept', 'role_list']) {
      assert.ok(!(field in boss), field);
    }
  });

  it('takes the language parameter, in a JSON or a form body, and answers the same', async () => {
    const emulator = await start({ users: memberWith(recorded) });
    const token = await appToken(emulator);
    const chinese = await userDetailsResult(emulator, token, { userid: 'ding', language: 'zh_CN' });
    const english = await userDetailsResult(emulator, token, { userid: 'ding', language: 'en_US' });
    const form = oapiAnswer(
      await send(withToken(emulator.userDetailsURL, token), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ userid: 'ding', language: 'en_US' }).toString(),
      }),
    );
    assert.deepEqual(english, chinese);
    assert.deepEqual(form.result, chinese);
  });

  it('gives the default users plausible records: 张三 leads and administers 示例科技, 李四 leads one department', async () => {
    const emulator = await start();
    const zhangsan = await userDetailsResult(emulator, await appToken(emulator), { userid: 'zhangsan' });
    assert.equal(zhangsan.org_email, 'zhangsan@shili.example.com');
    assert.equal(new Date(zhangsan.hired_date as number).toISOString(), '2019-02-28T16:00:00.000Z');
    assert.deepEqual(zhangsan.leader_in_dept, [{ dept_id: 1, leader: true }]);
    assert.deepEqual(zhangsan.role_list, [{ id: 1001, name: '主管理员', group_name: '管理员' }]);
    const lisi = await userDetailsResult(emulator, emulator.issueAppAccessToken('dingemulatorcorp0003'), {
      userid: 'lisi',
    });
    assert.deepEqual(lisi.leader_in_dept, [
      { dept_id: 1, leader: false },
      { dept_id: 3, leader: true },
    ]);
    assert.equal(lisi.email, undefined, '李四 has no personal email');
    assert.equal(lisi.org_email, 'lisi@ceshi.example.com');
  });

  it('refuses recorded fields that could not be DingTalk’s, naming the field', async () => {
    const cases: [object, RegExp][] = [
      [{ orgEmail: '' }, /organizations\[0\]\.orgEmail must be a non-empty string/],
      [{ managerUserId: 42 }, /organizations\[0\]\.managerUserId must be a non-empty string/],
      [{ hiredDate: -1 }, /organizations\[0\]\.hiredDate must be a time in epoch milliseconds/],
      [{ hiredDate: 1.5 }, /organizations\[0\]\.hiredDate/],
      [{ hiredDate: '2019-03-01' }, /organizations\[0\]\.hiredDate/],
      [
        { leaderInDeptIds: [2] },
        /organizations\[0\]\.leaderInDeptIds must be an array of ids from deptIds \(1, 5, 9\)/,
      ],
      [{ leaderInDeptIds: 5 }, /organizations\[0\]\.leaderInDeptIds/],
      [{ leaderInDeptIds: ['5'] }, /organizations\[0\]\.leaderInDeptIds/],
      [{ roles: { id: 1 } }, /organizations\[0\]\.roles must be an array of roles/],
      [{ roles: [null] }, /organizations\[0\]\.roles\[0\]\.id must be an integer >= 1/],
      [{ roles: [{ id: 0, name: 'a', groupName: 'b' }] }, /roles\[0\]\.id must be an integer >= 1/],
      [{ roles: [{ id: 1, name: '', groupName: 'b' }] }, /roles\[0\]\.name must be a non-empty string/],
      [{ roles: [{ id: 1, name: 'a' }] }, /roles\[0\]\.groupName must be a non-empty string/],
      [
        {
          roles: [
            { id: 1, name: 'a', groupName: 'b' },
            { id: 1, name: 'c', groupName: 'd' },
          ],
        },
        /organizations\[0\]\.roles lists the role id 1 twice/,
      ],
    ];
    for (const [fields, message] of cases) {
      await assert.rejects(createDingTalkEmulator({ users: memberWith(fields) }), (error: Error) => {
        assert.ok(error instanceof TypeError, JSON.stringify(fields));
        assert.match(error.message, message, JSON.stringify(fields));
        return true;
      });
    }
    // A department led must be one the member is in, the root one by default.
    const rootOnly: EmulatorUser[] = [
      { unionId: 'u', openId: 'o', nick: '甲', organizations: [{ corpId: 'c', name: 'C', leaderInDeptIds: [1] }] },
    ];
    await start({ users: rootOnly });
  });

  it('does not change when the caller changes the records afterwards', async () => {
    const leaderInDeptIds = [5];
    const roles = [{ id: 11, name: '财务', groupName: '职务' }];
    const emulator = await start({ users: memberWith({ leaderInDeptIds, roles }) });
    leaderInDeptIds.push(9);
    roles.push({ id: 12, name: '出纳', groupName: '职务' });
    (roles[0] as { name: string }).name = '改了';
    const result = await userDetailsResult(emulator, await appToken(emulator), { userid: 'ding' });
    assert.deepEqual(result.leader_in_dept, [
      { dept_id: 1, leader: false },
      { dept_id: 5, leader: true },
      { dept_id: 9, leader: false },
    ]);
    assert.deepEqual(result.role_list, [{ id: 11, name: '财务', group_name: '职务' }]);
  });
});
