// The emulator's side of the member lookup: who a DingTalk user is in an organization. External
// contacts (外部联系人) in the test data, topapi/user/getbyunionid, and user/get's organization fields.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  createDingTalkEmulator,
  type DingTalkEmulator,
  type DingTalkEmulatorOptions,
  type EmulatorUser,
} from '../lib/testing/index';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

type JSONObject = Record<string, unknown>;

/** The emulators a describe block started, closed in its `after`. */
function emulators() {
  const started: DingTalkEmulator[] = [];
  after(() => Promise.all(started.map((emulator) => emulator.close())));
  return async (options: DingTalkEmulatorOptions = {}) => {
    const emulator = await createDingTalkEmulator({ host: '127.0.0.1', port: 0, ...options });
    started.push(emulator);
    return emulator;
  };
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function postJSON(url: string, body: unknown): Promise<Answer> {
  return send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function withToken(url: string, token: string): string {
  return `${url}?access_token=${encodeURIComponent(token)}`;
}

/** The app token `/v1.0/oauth2/accessToken` hands out: the in-client organization's. */
async function appToken(emulator: DingTalkEmulator): Promise<string> {
  const answer = await postJSON(emulator.appAccessTokenURL, {
    appKey: emulator.clientID,
    appSecret: emulator.clientSecret,
  });
  assert.equal(answer.status, 200, answer.text);
  return (JSON.parse(answer.text) as { accessToken: string }).accessToken;
}

/** Checks the oapi answer shape (HTTP 200, JSON, a request_id) and returns the body. */
function oapiAnswer(answer: Answer): JSONObject {
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.headers.get('content-type'), 'application/json;charset=utf-8');
  const json = JSON.parse(answer.text) as JSONObject;
  assert.match(json.request_id as string, /^[0-9a-z]{13}$/);
  return json;
}

function assertOAPIError(answer: Answer, errcode: number, errmsg: string): void {
  const json = oapiAnswer(answer);
  assert.deepEqual({ ...json, request_id: undefined }, { errcode, errmsg, request_id: undefined }, answer.text);
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

  it('answers user/get for an external contact’s userid as for an unknown one (33012)', async () => {
    const emulator = await start({ users: usersWithAnExternalContact(), corpId: 'dingone' });
    const token = await appToken(emulator);
    for (const userid of ['yi-contact', 'union-bing', 'yi']) {
      assertOAPIError(await getUserDetails(emulator, token, { userid }), 33012, '无效的USERID');
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
