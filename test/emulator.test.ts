// The DingTalk emulator (lib/testing) over real HTTP, as DingTalk's clients talk to it: the browser
// login (consent page, token, profile), the in-client login (app token, getuserinfo, user/get, the
// client page, dd.js), the member lookup (getbyunionid), faults, counters, setup and the command line.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { Strategy } from '../lib/index';
import {
  createDingTalkEmulator,
  type DingTalkEmulator,
  type DingTalkEmulatorOptions,
  defaultEmulatorUsers,
  type EmulatorFault,
  type EmulatorOrganization,
  type EmulatorUser,
} from '../lib/testing/index';

type JSONObject = Record<string, unknown>;

/** An answer: its body as text, and as JSON when it is JSON (else `{}`). */
type Answer = { status: number; headers: Headers; text: string; json: JSONObject };

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

function parseJSON(text: string): JSONObject {
  try {
    return JSON.parse(text) as JSONObject;
  } catch {
    return {};
  }
}

/** A request whose redirects are answered as they come, never followed. */
async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: parseJSON(text) };
}

const contentTypes = { json: 'application/json', form: 'application/x-www-form-urlencoded', text: 'text/plain' };

/** A POST of `body` encoded as `type`; a string body is sent as it is. */
function post(url: string, body: unknown, type: keyof typeof contentTypes = 'json'): Promise<Answer> {
  const encoded =
    typeof body === 'string'
      ? body
      : type === 'form'
        ? new URLSearchParams(body as Record<string, string>).toString()
        : JSON.stringify(body);
  return send(url, { method: 'POST', headers: { 'content-type': contentTypes[type] }, body: encoded });
}

/** A clock a test moves by hand. */
function manualClock() {
  let now = Date.parse('2026-01-01T00:00:00Z');
  return { now: () => now, advanceSeconds: (seconds: number) => (now += seconds * 1000) };
}

/** Resolves once `condition` holds, polling. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** What an answer must be: `text` equal or matched, the `json` fields given, the `headers` given (null: absent). */
type Expected = {
  status?: number;
  text?: string | RegExp;
  json?: JSONObject;
  headers?: Record<string, string | RegExp | null>;
};

function assertAnswer(answer: Answer, expected: Expected, what: string): void {
  if (expected.status !== undefined) assert.equal(answer.status, expected.status, what);
  if (typeof expected.text === 'string') assert.equal(answer.text, expected.text, what);
  else if (expected.text) assert.match(answer.text, expected.text, what);
  const fields = Object.keys(expected.json ?? {}).map((key) => [key, answer.json[key]]);
  if (expected.json) assert.deepEqual(Object.fromEntries(fields), expected.json, what);
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    if (value instanceof RegExp) assert.match(answer.headers.get(name) ?? '', value, `${what}: ${name}`);
    else assert.equal(answer.headers.get(name), value, `${what}: ${name}`);
  }
}

const requestIdPattern = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

/** DingTalk's v1.0 error: `status`, JSON `{ code, message, requestid }`, the id in x-acs-request-id. */
function v1Error(answer: Answer, status: number, code: string, message?: string | RegExp): JSONObject {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.headers.get('content-type'), 'application/json;charset=utf-8');
  assert.equal(answer.json.code, code, answer.text);
  assert.equal(typeof answer.json.message, 'string');
  if (typeof message === 'string') assert.equal(answer.json.message, message);
  else if (message) assert.match(answer.json.message as string, message);
  assert.match(answer.json.requestid as string, requestIdPattern);
  assert.equal(answer.headers.get('x-acs-request-id'), answer.json.requestid);
  return answer.json;
}

/** Checks the oapi answer shape (HTTP 200, errcode, errmsg, request_id) and returns the body. */
function oapiAnswer(answer: Answer): JSONObject {
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.headers.get('content-type'), 'application/json;charset=utf-8');
  assert.equal(answer.headers.get('x-acs-request-id'), null, 'oapi has no v1.0 request id header');
  assert.equal(typeof answer.json.errcode, 'number', answer.text);
  assert.equal(typeof answer.json.errmsg, 'string');
  assert.match(answer.json.request_id as string, /^[0-9a-z]{13}$/);
  return answer.json;
}

/** The `result` of an oapi answer that succeeded. */
function oapiResult(answer: Answer): JSONObject {
  const json = oapiAnswer(answer);
  assert.equal(json.errcode, 0, answer.text);
  assert.equal(json.errmsg, 'ok');
  return json.result as JSONObject;
}

/** An oapi error: `errcode` and `errmsg`, and nothing else but the request id. */
function assertOAPIError(answer: Answer, errcode: number, errmsg: string): void {
  const json = oapiAnswer(answer);
  assert.deepEqual({ ...json, request_id: undefined }, { errcode, errmsg, request_id: undefined }, answer.text);
}

/**
 * A refused app token as topapi answers it: errcode 88 (鉴权异常), the actual code in `sub_code`
 * (a live probe's log; cryozerolabs/n8n-nodes-dingtalk#12), never errcode 40014 itself.
 */
function assertWrappedTokenError(answer: Answer, subCode: string, subMessage: string): void {
  const json = oapiAnswer(answer);
  assert.deepEqual(json, {
    errcode: 88,
    sub_code: subCode,
    sub_msg: subMessage,
    errmsg: `ding talk error[subcode=${subCode},submsg=${subMessage}]`,
    request_id: json.request_id,
  });
}

type Encoding = 'json' | 'form' | 'query';

/** An oapi POST: the app token in the query, `params` in a JSON or form body or in the query. */
function oapi(
  url: string,
  token: string | undefined,
  params: Record<string, string | undefined>,
  encoding: Encoding = 'json',
): Promise<Answer> {
  const target = new URL(url);
  if (token !== undefined) target.searchParams.set('access_token', token);
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) if (value !== undefined) fields[name] = value;
  if (encoding !== 'query') return post(String(target), fields, encoding);
  for (const [name, value] of Object.entries(fields)) target.searchParams.set(name, value);
  return send(String(target), { method: 'POST' });
}

const getUserInfo = (emulator: DingTalkEmulator, token: string | undefined, code?: string, encoding?: Encoding) =>
  oapi(emulator.userInfoURL, token, { code }, encoding);
const getUserDetails = (emulator: DingTalkEmulator, token: string | undefined, params: Record<string, string>) =>
  oapi(emulator.userDetailsURL, token, params);
const getByUnionId = (emulator: DingTalkEmulator, token: string | undefined, unionid?: string, encoding?: Encoding) =>
  oapi(emulator.getByUnionIdURL, token, { unionid }, encoding);
/** getuserinfo's result for `code`, by default a fresh code of the member signed in to the client. */
const userInfo = async (emulator: DingTalkEmulator, token: string, code = emulator.issueInAppCode()) =>
  oapiResult(await getUserInfo(emulator, token, code));
const userDetails = async (emulator: DingTalkEmulator, token: string, userid: string, language?: string) =>
  oapiResult(await getUserDetails(emulator, token, language ? { userid, language } : { userid }));
const lookUp = async (emulator: DingTalkEmulator, token: string, unionid: string) => {
  const answer = await getByUnionId(emulator, token, unionid);
  assert.deepEqual(Object.keys(answer.json), ['errcode', 'errmsg', 'result', 'request_id']);
  return oapiResult(answer);
};

const appCredentials = (e: DingTalkEmulator) => ({ appKey: e.clientID, appSecret: e.clientSecret });

/** The app token `/v1.0/oauth2/accessToken` hands out: the in-client organization's. */
async function appToken(emulator: DingTalkEmulator): Promise<string> {
  const answer = await post(emulator.appAccessTokenURL, appCredentials(emulator));
  assert.equal(answer.status, 200, answer.text);
  return answer.json.accessToken as string;
}

/** Asks the emulated client for a code the way dd.js does: a text/plain POST. */
const mintCode = (emulator: DingTalkEmulator, body: unknown) =>
  post(`${emulator.url}/emulator/client/auth-code`, typeof body === 'string' ? body : JSON.stringify(body), 'text');

const callback = 'http://127.0.0.1:3000/auth/dingtalk/callback';

function authorizeURL(emulator: DingTalkEmulator, overrides: Record<string, string | undefined> = {}): string {
  const params: Record<string, string | undefined> = {
    client_id: emulator.clientID,
    redirect_uri: callback,
    response_type: 'code',
    prompt: 'consent',
    scope: 'openid',
    state: 'state-1',
    ...overrides,
  };
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.append(name, value);
  return `${emulator.authorizationURL}?${search}`;
}

function unescapeHTML(value: string): string {
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
  return value.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => entities[entity] ?? entity);
}

/** The hidden fields of the consent form, read the way a browser would. */
function hiddenFields(html: string): URLSearchParams {
  const fields = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.append(unescapeHTML(match[1] ?? ''), unescapeHTML(match[2] ?? ''));
  }
  return fields;
}

type Radio = Partial<Record<'value' | 'unionId' | 'corpId' | 'userId', string>> & { checked: boolean };

/** The radios of a page: `account` on the consent page, `unionId` on the client page. */
function radios(html: string, name: 'account' | 'unionId' = 'account'): Radio[] {
  return [...html.matchAll(new RegExp(`<input type="radio" name="${name}"([^>]*)>`, 'g'))].map((match) => {
    const attributes = match[1] ?? '';
    const attribute = (key: string) => {
      const found = new RegExp(` ${key}="([^"]*)"`).exec(attributes);
      return found ? unescapeHTML(found[1] ?? '') : undefined;
    };
    const [value, unionId, corpId, userId] = ['value', 'data-union-id', 'data-corp-id', 'data-user-id'].map(attribute);
    return { value, unionId, corpId, userId, checked: / checked\b/.test(attributes) };
  });
}

/** A radio as `unionId@corpId` (or `unionId#userId` on the client page), `*` when checked. */
const choice = (radio: Radio) =>
  `${radio.unionId}${radio.corpId ? `@${radio.corpId}` : ''}${radio.userId ? `#${radio.userId}` : ''}${radio.checked ? '*' : ''}`;
const choices = (html: string, name?: 'account' | 'unionId') => radios(html, name).map(choice);

/** The consent page's accounts, as {@link choice} writes them. */
async function consentChoices(emulator: DingTalkEmulator, overrides: Record<string, string> = {}) {
  return choices((await send(authorizeURL(emulator, overrides))).text);
}

/** user/get's leader_in_dept for a member of `deptIds` who leads `led`. */
const leaders = (deptIds: number[], led: number[]) =>
  deptIds.map((dept_id) => ({ dept_id, leader: led.includes(dept_id) }));

/** A user, `open-<unionId>` as openId. */
const person = (
  unionId: string,
  nick: string,
  organizations: EmulatorOrganization[],
  more: Partial<EmulatorUser> = {},
) => ({ unionId, openId: `open-${unionId}`, nick, organizations, ...more }) as EmulatorUser;

/** Opens the consent page and returns the form a browser would post for the radio `pick` finds. */
async function consentForm(
  emulator: DingTalkEmulator,
  overrides: Record<string, string | undefined> = {},
  pick: (radio: Radio) => boolean = (radio) => radio.checked,
): Promise<URLSearchParams> {
  const page = await send(authorizeURL(emulator, overrides));
  assert.equal(page.status, 200, page.text);
  const form = hiddenFields(page.text);
  const chosen = radios(page.text).find(pick);
  assert.ok(chosen?.value, 'an account to choose');
  form.set('account', chosen.value);
  return form;
}

function postConsent(emulator: DingTalkEmulator, form: URLSearchParams, decision = 'authorize'): Promise<Answer> {
  const body = new URLSearchParams(form);
  body.set('decision', decision);
  return post(`${emulator.url}/oauth2/consent`, body.toString(), 'form');
}

/** A token request with the app's credentials and grantType authorization_code unless `fields` say otherwise. */
function exchange(emulator: DingTalkEmulator, fields: JSONObject): Promise<Answer> {
  const { clientID: clientId, clientSecret } = emulator;
  return post(emulator.tokenURL, { clientId, clientSecret, grantType: 'authorization_code', ...fields });
}

const exchangeCode = (emulator: DingTalkEmulator, code: string) => exchange(emulator, { code });

async function accessTokenFor(emulator: DingTalkEmulator, unionId?: string): Promise<string> {
  const answer = await exchangeCode(emulator, emulator.issueAuthCode(unionId ? { unionId } : {}));
  assert.equal(answer.status, 200, answer.text);
  return answer.json.accessToken as string;
}

function fetchProfile(emulator: DingTalkEmulator, token: string | undefined, path = ''): Promise<Answer> {
  const headers: Record<string, string> = token === undefined ? {} : { 'x-acs-dingtalk-access-token': token };
  return send(emulator.userProfileURL + path, { headers });
}

/**
 * 甲 is a member of dingone; 乙 is a member of dingtwo and an external contact of dingone; 丙 is
 * an external contact of dingone with the default userid (the unionId).
 */
function usersWithAnExternalContact(): EmulatorUser[] {
  return [
    person('union-jia', '甲', [{ corpId: 'dingone', name: '一号公司', userId: 'jia' }]),
    person('union-yi', '乙', [{ corpId: 'dingtwo', name: '二号公司', userId: 'yi' }], {
      externalContactOf: [{ corpId: 'dingone', userId: 'yi-contact' }],
    }),
    person('union-bing', '丙', [], { externalContactOf: [{ corpId: 'dingone' }] }),
  ];
}

/** 丁, a member of dingcorp in departments 1, 5 and 9 with `fields`, and the owner, 老板. */
function memberWith(fields: object): EmulatorUser[] {
  return [
    person('union-ding', '丁', [{ corpId: 'dingcorp', name: '丁公司', userId: 'ding', deptIds: [1, 5, 9], ...fields }]),
    person('union-boss', '老板', [{ corpId: 'dingcorp', name: '丁公司', userId: 'boss', sysLevel: 100 }]),
  ];
}

describe('emulator: the consent page (GET /oauth2/auth)', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });

  it('shows a zh-CN consent page listing every user, with authorize and cancel buttons', async () => {
    const page = await send(authorizeURL(emulator));
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html;charset=utf-8');
    assert.match(page.text, /<html lang="zh-CN">/);
    assert.match(page.text, /<meta charset="utf-8">/);
    assert.deepEqual(choices(page.text), ['union-zhangsan*', 'union-lisi', 'union-wangwu']);
    for (const nick of ['张三', '李四', '王五']) assert.ok(page.text.includes(nick), nick);
    assert.match(page.text, /<button [^>]*id="authorize"[^>]*>授权 \/ Authorize<\/button>/);
    assert.match(page.text, /<button [^>]*id="cancel"[^>]*>取消 \/ Cancel<\/button>/);
    assert.match(page.text, /<form method="post" action="\/oauth2\/consent"/);
  });

  it('answers a bad request with a 400 page naming the error (and what to do), never redirecting', async () => {
    /** The parameters changed (or a string added to the query), the error, and what the page says. */
    const refused: [Record<string, string | undefined> | string, string, string[]?][] = [
      [{ client_id: undefined }, 'missing_client_id'],
      [{ client_id: 'dingsomeoneelse' }, 'invalid_client_id'],
      [{ redirect_uri: undefined }, 'missing_redirect_uri'],
      [{ redirect_uri: 'https://evil.example.com/x' }, 'unregistered_redirect_uri', ['redirectURIs', '--redirect-uri']],
      [{ redirect_uri: 'javascript:alert(1)' }, 'invalid_redirect_uri'],
      [{ redirect_uri: '/callback' }, 'invalid_redirect_uri'],
      [{ redirect_uri: `${callback}#top` }, 'invalid_redirect_uri'],
      [{ redirect_uri: 'http://user:pw@127.0.0.1/cb' }, 'invalid_redirect_uri'],
      [`&redirect_uri=${encodeURIComponent('https://evil.example.com/')}`, 'duplicate_parameter'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ response_type: undefined }, 'unsupported_response_type'],
      [{ prompt: undefined }, 'missing_prompt', ['prompt=consent', '403']],
      [{ prompt: 'login' }, 'invalid_prompt'],
      [{ scope: undefined }, 'missing_scope'],
      [{ scope: 'openid,corpid' }, 'comma_separated_scope'],
      [{ scope: 'corpid' }, 'missing_openid'],
      [{ scope: 'openid email' }, 'invalid_scope'],
      [{ exclusiveLogin: 'true' }, 'missing_exclusive_corp_id'],
    ];
    for (const [change, code, says = []] of refused) {
      const url = typeof change === 'string' ? authorizeURL(emulator) + change : authorizeURL(emulator, change);
      const page = await send(url);
      assert.equal(page.status, 400, code);
      assert.equal(page.headers.get('location'), null);
      assert.equal(page.headers.get('content-type'), 'text/html;charset=utf-8');
      assert.match(page.text, new RegExp(`data-error="${code}"`));
      assert.ok(!page.text.includes('evil.example.com'), 'the refused redirect_uri is not even linked');
      for (const text of says) assert.ok(page.text.includes(text), `${code}: ${text}`);
    }
  });

  it('accepts any loopback redirect_uri by default, else only the registered ones, compared after normalisation', async () => {
    const registered = await start({ redirectURIs: ['https://app.example.com/auth/callback'] });
    const expect = async (target: DingTalkEmulator, status: number, uris: string[]) => {
      for (const uri of uris) assert.equal((await send(authorizeURL(target, { redirect_uri: uri }))).status, status);
    };
    await expect(emulator, 200, ['http://localhost:8080/cb', 'https://127.0.0.1/cb', 'http://[::1]:3000/cb?x=1']);
    await expect(emulator, 400, [
      'http://127.0.0.1.evil.example/cb',
      'http://localhost@evil.example/',
      'ftp://127.0.0.1/',
    ]);
    await expect(registered, 200, ['HTTPS://App.Example.com:443/auth/callback']);
    await expect(registered, 400, [
      callback,
      'https://app.example.com/auth/callback/',
      'https://app.example.com/auth/callback?next=/',
      'https://app.example.com/auth/callback/../../evil',
      'http://app.example.com/auth/callback',
      'https://app.example.com.evil.example/auth/callback',
    ]);
  });

  it('accepts a scope encoded with + or repeated spaces', async () => {
    const page = await send(authorizeURL(emulator).replace('scope=openid', 'scope=openid++corpid'));
    assert.equal(page.status, 200, page.text);
    assert.equal(hiddenFields(page.text).get('scope'), 'openid  corpid');
    assert.ok(radios(page.text).every((radio) => radio.corpId !== undefined));
  });

  it('escapes everything it renders', async () => {
    const hostile = `"><script>alert('x')</script>&amp;`;
    const page = await send(authorizeURL(emulator, { state: hostile }));
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes('<script>'));
    assert.equal(hiddenFields(page.text).get('state'), hostile);
    const custom = await start({ users: [person('u"1', '<b>Bob</b>', [{ corpId: 'c<1>', name: 'A&B' }])] });
    const customPage = await send(authorizeURL(custom, { scope: 'openid corpid' }));
    assert.ok(!customPage.text.includes('<b>Bob'));
    assert.ok(customPage.text.includes('&lt;b&gt;Bob&lt;/b&gt;'));
    assert.ok(customPage.text.includes('A&amp;B'));
    const [radio] = radios(customPage.text);
    assert.deepEqual([radio?.value, radio && choice(radio)], [JSON.stringify(['u"1', 'c<1>']), 'u"1@c<1>*']);
  });

  it('with scope corpid offers each user with each organization, pre-selecting the one corpId names', async () => {
    const page = await send(authorizeURL(emulator, { scope: 'openid corpid', corpId: 'dingemulatorcorp0003' }));
    assert.deepEqual(choices(page.text), [
      'union-zhangsan@dingemulatorcorp0001',
      'union-zhangsan@dingemulatorcorp0002',
      'union-lisi@dingemulatorcorp0003*',
      'union-wangwu@dingemulatorcorp0002',
    ]);
    assert.ok(page.text.includes('示例科技有限公司'));
    assert.ok(page.text.includes('测试教育集团'));
  });

  it('offers only members of the organization for an exclusive login, and none can authorize when nobody is', async () => {
    const exclusive = { exclusiveLogin: 'true', scope: 'openid corpid' };
    assert.deepEqual(await consentChoices(emulator, { ...exclusive, exclusiveCorpId: 'dingemulatorcorp0002' }), [
      'union-zhangsan@dingemulatorcorp0002*',
      'union-wangwu@dingemulatorcorp0002',
    ]);
    const page = await send(authorizeURL(emulator, { ...exclusive, exclusiveCorpId: 'dingnobody' }));
    assert.equal(page.status, 200);
    assert.deepEqual(radios(page.text), []);
    assert.match(page.text, /id="no-account"/);
    assert.match(page.text, /id="authorize" disabled/);
  });
});

describe('emulator: consent (POST /oauth2/consent)', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });

  it('redirects with a new authCode, the same as `code` (which exchanges), and the state exactly as received', async () => {
    const state = 'a b+c/=&ü';
    const redirectURI = 'http://127.0.0.1:3000/cb?next=%2Fhome&x=a%20b';
    const answer = await postConsent(emulator, await consentForm(emulator, { state, redirect_uri: redirectURI }));
    assert.equal(answer.status, 302);
    const location = answer.headers.get('location') ?? '';
    assert.ok(location.startsWith(`${redirectURI}&authCode=`), location);
    const params = new URL(location).searchParams;
    assert.match(params.get('authCode') ?? '', /^[0-9a-f]{32}$/);
    // DingTalk's redirect carries `code` too, which is what a plain OAuth 2 callback reads.
    assert.deepEqual(params.getAll('code'), [params.get('authCode')]);
    assert.equal(params.get('state'), state);
    assert.equal(params.get('next'), '/home');
    assert.equal(params.get('error'), null);
    const tokens = await exchangeCode(emulator, params.get('code') ?? '');
    assert.equal(tokens.status, 200, tokens.text);
  });

  it('adds no state when the app sent none, and keeps an empty one', async () => {
    const without = await postConsent(emulator, await consentForm(emulator, { state: undefined }));
    assert.equal(new URL(without.headers.get('location') ?? '').searchParams.has('state'), false);
    const empty = await postConsent(emulator, await consentForm(emulator, { state: '' }));
    assert.match(empty.headers.get('location') ?? '', /&state=$/);
  });

  it('logs in as the account chosen, with the organization chosen as corpId', async () => {
    const pick = (radio: Radio) => choice(radio) === 'union-zhangsan@dingemulatorcorp0002';
    const answer = await postConsent(emulator, await consentForm(emulator, { scope: 'openid corpid' }, pick));
    const code = new URL(answer.headers.get('location') ?? '').searchParams.get('authCode') ?? '';
    const tokens = await exchangeCode(emulator, code);
    assert.equal(tokens.json.corpId, 'dingemulatorcorp0002');
    const profile = await fetchProfile(emulator, tokens.json.accessToken as string);
    assert.equal(profile.json.unionId, 'union-zhangsan');
  });

  it('redirects with error=access_denied and the state on cancel', async () => {
    const answer = await postConsent(emulator, await consentForm(emulator, { state: 'x&y' }), 'cancel');
    assert.equal(answer.status, 302);
    const location = new URL(answer.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, callback);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'x&y');
    assert.equal(location.searchParams.has('authCode'), false);
  });

  it('checks every posted field again and never redirects a tampered form, nor one that is not urlencoded', async () => {
    const form = await consentForm(emulator, { scope: 'openid corpid' });
    const tampered: [string, (fields: URLSearchParams) => void][] = [
      ['redirect_uri', (fields) => fields.set('redirect_uri', 'https://evil.example.com/cb')],
      ['client_id', (fields) => fields.set('client_id', 'dingother')],
      ['scope', (fields) => fields.set('scope', 'openid,corpid')],
      ['prompt', (fields) => fields.delete('prompt')],
      ['account', (fields) => fields.set('account', JSON.stringify(['union-lisi', 'dingemulatorcorp0001']))],
      ['missing account', (fields) => fields.delete('account')],
    ];
    const answers: Answer[] = [];
    for (const [, change] of tampered) {
      const fields = new URLSearchParams(form);
      change(fields);
      answers.push(await postConsent(emulator, fields));
    }
    answers.push(await postConsent(emulator, form, 'maybe'));
    answers.push(await post(`${emulator.url}/oauth2/consent`, { ...Object.fromEntries(form), decision: 'authorize' }));
    for (const [index, answer] of answers.entries()) {
      assert.equal(answer.status, 400, tampered[index]?.[0] ?? String(index));
      assert.equal(answer.headers.get('location'), null);
    }
  });
});

describe('emulator: the token endpoints (POST /v1.0/oauth2/userAccessToken, /v1.0/oauth2/accessToken)', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });

  it('exchanges a code for camelCase tokens, with the corpId only when the scope had corpid', async () => {
    const answer = await exchangeCode(emulator, emulator.issueAuthCode());
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'application/json;charset=utf-8');
    assert.match(answer.headers.get('x-acs-request-id') ?? '', requestIdPattern);
    assert.deepEqual(Object.keys(answer.json), ['accessToken', 'refreshToken', 'expireIn']);
    assert.match(answer.json.accessToken as string, /^[0-9a-f]{32}$/);
    assert.match(answer.json.refreshToken as string, /^[0-9a-f]{32}$/);
    assert.equal(answer.json.expireIn, 7200);
    const first = await exchangeCode(emulator, emulator.issueAuthCode({ scope: 'openid corpid' }));
    assert.equal(first.json.corpId, 'dingemulatorcorp0001');
    const chosen = emulator.issueAuthCode({
      unionId: 'union-wangwu',
      scope: 'openid corpid',
      corpId: 'dingemulatorcorp0002',
    });
    assert.equal((await exchangeCode(emulator, chosen)).json.corpId, 'dingemulatorcorp0002');
  });

  it('accepts a code only once, and not a made-up one', async () => {
    const code = emulator.issueAuthCode();
    assert.equal((await exchangeCode(emulator, code)).status, 200);
    const again = await exchangeCode(emulator, code);
    // The captured answer (a third party's): the code and message exactly.
    v1Error(again, 400, 'invalidParameter.authCode.notFound', '不合法的临时授权码');
    assert.ok(!again.text.includes(code), 'the code is not echoed');
    v1Error(await exchangeCode(emulator, 'made-up-code'), 400, 'invalidParameter.authCode.notFound');
  });

  it('refuses an expired code and honours accessTokenTTLSeconds', async () => {
    const clock = manualClock();
    const timed = await start({ now: clock.now, authCodeTTLSeconds: 60, accessTokenTTLSeconds: 120 });
    const fresh = timed.issueAuthCode();
    const stale = timed.issueAuthCode();
    clock.advanceSeconds(59);
    const ok = await exchangeCode(timed, fresh);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.expireIn, 120);
    clock.advanceSeconds(2);
    v1Error(await exchangeCode(timed, stale), 400, 'invalidParameter.authCode.notFound');
    const token = ok.json.accessToken as string;
    clock.advanceSeconds(117);
    assert.equal((await fetchProfile(timed, token)).status, 200);
    clock.advanceSeconds(1);
    v1Error(await fetchProfile(timed, token), 400, 'InvalidAuthentication');
  });

  it('answers 400 invalidClientIdOrSecret to wrong credentials at either endpoint, echoes neither, and keeps the code usable', async () => {
    const code = emulator.issueAuthCode();
    const { clientID, clientSecret, tokenURL, appAccessTokenURL } = emulator;
    const grant = { code, grantType: 'authorization_code' };
    const attempts: [string, JSONObject, string][] = [
      [tokenURL, { clientId: clientID, clientSecret: 'not-the-secret', ...grant }, 'not-the-secret'],
      [tokenURL, { clientId: 'dingother', clientSecret, ...grant }, clientSecret],
      [appAccessTokenURL, { appKey: 'dingotherapp', appSecret: clientSecret }, clientSecret],
      [appAccessTokenURL, { appKey: clientID, appSecret: 'wrong-secret-value' }, 'wrong-secret-value'],
      [appAccessTokenURL, { appKey: clientID, appSecret: `${clientSecret}x` }, `${clientSecret}x`],
    ];
    for (const [url, body, secret] of attempts) {
      const answer = await post(url, body);
      v1Error(answer, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
      assert.deepEqual(Object.keys(answer.json).sort(), ['code', 'message', 'requestid']);
      assert.ok(!answer.text.includes(secret) && !answer.text.includes(code), answer.text);
    }
    assert.equal((await exchangeCode(emulator, code)).status, 200);
  });

  it('answers a malformed request to a v1.0 endpoint with DingTalk’s error JSON', async () => {
    const { url, tokenURL, appAccessTokenURL: appURL, userProfileURL, clientID, clientSecret } = emulator;
    const client = { clientId: clientID, clientSecret };
    /** URL, body (none: GET; null: an empty POST), encoding, and the answer expected. */
    const cases: [string, unknown, 'json' | 'form', number, string, RegExp?][] = [
      [tokenURL, { ...client, code: 'x', grantType: 'authorization_code' }, 'form', 400, 'Missingbody'],
      [tokenURL, '{"clientId":', 'json', 400, 'InvalidParameter'],
      [tokenURL, '[]', 'json', 400, 'InvalidParameter'],
      [tokenURL, '"text"', 'json', 400, 'InvalidParameter'],
      [tokenURL, '{"clientId": 42}', 'json', 400, 'InvalidParameter'],
      [tokenURL, { ...client, grantType: 'authorization_code' }, 'json', 400, 'MissingParameter', /code/],
      [tokenURL, { ...client, grantType: 'password' }, 'json', 400, 'unsupportedGrantType'],
      [tokenURL, { padding: 'x'.repeat(70 * 1024) }, 'json', 413, 'RequestEntityTooLarge'],
      [tokenURL, undefined, 'json', 404, 'InvalidAction.NotFound'],
      [appURL, appCredentials(emulator), 'form', 400, 'Missingbody', /^body is mandatory for this action\.$/],
      [appURL, '{"appKey":', 'json', 400, 'InvalidParameter'],
      [appURL, { appKey: clientID }, 'json', 400, 'MissingappSecret'],
      [appURL, undefined, 'json', 404, 'InvalidAction.NotFound'],
      [userProfileURL, null, 'json', 404, 'InvalidAction.NotFound'],
      [`${url}/v1.0/contact/users/you`, undefined, 'json', 404, 'InvalidAction.NotFound'],
      [`${url}/v1.0/contact/users/me/`, undefined, 'json', 404, 'InvalidAction.NotFound'],
      [`${url}/v1.0/contact/nothing`, undefined, 'json', 404, 'InvalidAction.NotFound'],
      [`${url}/`, undefined, 'json', 404, 'InvalidAction.NotFound'],
    ];
    for (const [target, body, type, status, code, message] of cases) {
      const answer =
        body === undefined
          ? await send(target)
          : body === null
            ? await send(target, { method: 'POST' })
            : await post(target, body, type);
      v1Error(answer, status, code, message);
    }
  });

  it('rotates the refresh token and keeps the corpId', async () => {
    const first = await exchangeCode(
      emulator,
      emulator.issueAuthCode({ unionId: 'union-lisi', scope: 'openid corpid' }),
    );
    const refresh = (refreshToken: unknown) => exchange(emulator, { refreshToken, grantType: 'refresh_token' });
    const second = await refresh(first.json.refreshToken);
    assert.equal(second.status, 200, second.text);
    assert.notEqual(second.json.accessToken, first.json.accessToken);
    assert.notEqual(second.json.refreshToken, first.json.refreshToken);
    assert.equal(second.json.corpId, 'dingemulatorcorp0003');
    assert.equal(second.json.expireIn, 7200);
    v1Error(await refresh(first.json.refreshToken), 400, 'invalidRefreshToken');
    assert.equal((await fetchProfile(emulator, second.json.accessToken as string)).json.unionId, 'union-lisi');
    assert.equal((await refresh(second.json.refreshToken)).status, 200);
  });
});

describe('emulator: the current user (GET /v1.0/contact/users/me)', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });

  it('answers the profile of the user who logged in, whatever the query string', async () => {
    const profile = await fetchProfile(emulator, await accessTokenFor(emulator), '?x=1');
    assert.equal(profile.status, 200);
    assert.equal(profile.headers.get('content-type'), 'application/json;charset=utf-8');
    assert.deepEqual(profile.json, {
      nick: '张三',
      avatarUrl: `${emulator.url}/avatars/union-zhangsan.svg`,
      mobile: '13800000001',
      stateCode: '86',
      openId: 'open-zhangsan',
      unionId: 'union-zhangsan',
      email: 'zhangsan@example.com',
      visitor: false,
    });
  });

  it('leaves out what a user lacks, and serves the default users’ avatars itself, so pages work offline', async () => {
    const lisi = await fetchProfile(emulator, await accessTokenFor(emulator, 'union-lisi'));
    assert.equal('email' in lisi.json, false);
    assert.equal(lisi.json.mobile, '13900000002');
    const wangwu = await fetchProfile(emulator, await accessTokenFor(emulator, 'union-wangwu'));
    assert.deepEqual(Object.keys(wangwu.json).sort(), ['email', 'nick', 'openId', 'unionId', 'visitor']);
    assert.equal(wangwu.json.visitor, true);
    const avatar = await fetch(String(lisi.json.avatarUrl));
    assert.equal(avatar.status, 200);
    assert.equal(avatar.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
    assert.match(await avatar.text(), /<svg[\s\S]*>李<\/text>/);
    assert.equal((await fetch(`${emulator.url}/avatars/nobody.svg`)).status, 404);
  });

  it('answers 400 to a missing token header (a bearer token is not it) and to a token it does not know', async () => {
    const bearer = { authorization: `Bearer ${await accessTokenFor(emulator)}` };
    for (const answer of [
      await fetchProfile(emulator, undefined),
      await fetchProfile(emulator, ''),
      await send(emulator.userProfileURL, { headers: bearer }),
    ]) {
      v1Error(answer, 400, 'AuthenticationFailed.MissingParameter', '缺少参数：x-acs-dingtalk-access-token');
    }
    const unknown = await fetchProfile(emulator, 'deadbeefdeadbeefdeadbeefdeadbeef');
    v1Error(unknown, 400, 'InvalidAuthentication', '不合法的access_token');
  });

  it('answers loginEmail after email when the user has one', async () => {
    const [zhangsan, lisi, ...others] = defaultEmulatorUsers as EmulatorUser[];
    assert.ok(zhangsan && lisi);
    const users = [
      { ...zhangsan, loginEmail: 'zhangsan@corp.example' },
      { ...lisi, loginEmail: 'lisi@corp.example' },
    ];
    const withLogin = await start({ users: [...users, ...others] });
    const a = await fetchProfile(withLogin, await accessTokenFor(withLogin, 'union-zhangsan'));
    const keys = Object.keys(a.json);
    assert.equal(a.json.loginEmail, 'zhangsan@corp.example');
    assert.equal(keys.indexOf('loginEmail'), keys.indexOf('email') + 1, keys.join());
    const b = await fetchProfile(withLogin, await accessTokenFor(withLogin, 'union-lisi'));
    assert.equal(b.json.loginEmail, 'lisi@corp.example');
    assert.equal('email' in b.json, false);
    const plain = await fetchProfile(emulator, await accessTokenFor(emulator, 'union-lisi'));
    assert.equal('loginEmail' in plain.json, false);
  });
});

describe('emulator: the app’s permissions', () => {
  const start = emulators();

  it('refuses what the app has no permission for, each endpoint its own way', async () => {
    const noRead = await start({ permissions: ['Contact.User.mobile'] });
    const json = v1Error(
      await fetchProfile(noRead, await accessTokenFor(noRead)),
      403,
      'Forbidden.AccessDenied.AccessTokenPermissionDenied',
      '应用尚未开通所需的权限：[Contact.User.Read]',
    );
    assert.deepEqual(json.accessdenieddetail, { requiredScopes: ['Contact.User.Read'] });
    // Without Contact.User.mobile the profile has no mobile and stateCode.
    const noMobile = await start({ permissions: ['Contact.User.Read'] });
    const profile = await fetchProfile(noMobile, await accessTokenFor(noMobile));
    assert.equal(profile.status, 200);
    assert.deepEqual(
      [profile.json.nick, 'mobile' in profile.json, 'stateCode' in profile.json],
      ['张三', false, false],
    );
    // qyapi_base is getuserinfo's; qyapi_get_member is user/get's and getbyunionid's.
    const noBase = await start({ permissions: ['Contact.User.Read', 'qyapi_get_member'] });
    const baseToken = await appToken(noBase);
    assertOAPIError(await getUserInfo(noBase, baseToken, noBase.issueInAppCode()), 60011, '没有调用该接口的权限');
    assert.equal((await userDetails(noBase, baseToken, 'zhangsan')).userid, 'zhangsan');
    assert.equal((await lookUp(noBase, baseToken, 'union-zhangsan')).userid, 'zhangsan');
    const noMember = await start({ permissions: ['Contact.User.Read', 'qyapi_base'] });
    const memberToken = await appToken(noMember);
    assertOAPIError(await getUserDetails(noMember, memberToken, { userid: 'zhangsan' }), 60011, '没有调用该接口的权限');
    assertOAPIError(await getByUnionId(noMember, memberToken, 'union-zhangsan'), 60011, '没有调用该接口的权限');
    assert.equal((await userInfo(noMember, memberToken)).userid, 'zhangsan');
  });
});

describe('emulator: the kind of app, and the answers DingTalk does not publish', () => {
  const start = emulators();

  it('lets only members of the owning organization log in to an internal app, to that organization only', async () => {
    const emulator = await start({ app: { type: 'internal', corpId: 'dingemulatorcorp0002' } });
    // 李四 belongs to dingemulatorcorp0003 only.
    const as = async (unionId: string) =>
      postConsent(emulator, await consentForm(emulator, {}, (radio) => radio.unionId === unionId));
    const outsider = await as('union-lisi');
    assert.equal(outsider.status, 403);
    assert.match(outsider.text, /data-error="not_a_member"/);
    assert.equal(outsider.headers.get('location'), null, 'no code goes back to the app');
    assert.throws(() => emulator.issueAuthCode({ unionId: 'union-lisi' }), /not a member/);
    // 张三 belongs to two organizations: an internal app logs in to its own only.
    const other = { scope: 'openid corpid', corpId: 'dingemulatorcorp0001' };
    assert.throws(() => emulator.issueAuthCode(other), /its own organization/);
    const offered = await consentChoices(emulator, { scope: 'openid corpid' });
    // 李四 is offered (without an organization) and refused when chosen, above.
    assert.deepEqual(offered, [
      'union-zhangsan@dingemulatorcorp0002*',
      'union-lisi',
      'union-wangwu@dingemulatorcorp0002',
    ]);
    // 王五 belongs to it.
    const member = await as('union-wangwu');
    assert.equal(member.status, 302);
    assert.match(member.headers.get('location') ?? '', /authCode=/);
  });

  it('withholds the mobile (masked in the profile, which the strategy makes no phone number of), the email, org_email and manager_userid from a third-party enterprise app', async () => {
    const [zhangsan] = defaultEmulatorUsers as EmulatorUser[];
    assert.ok(zhangsan?.organizations[0]);
    const users = [{ ...zhangsan, organizations: [{ ...zhangsan.organizations[0], managerUserId: 'boss' }] }];
    const emulator = await start({ app: { type: 'third-party-enterprise' }, users });
    const token = await accessTokenFor(emulator);
    assert.match(((await fetchProfile(emulator, token)).json.mobile as string) ?? '', /^\d{3}\*{4}\d{4}$/);
    const strategy = new Strategy({ ...emulator.strategyOptions(), callbackURL: '/cb' }, (_a, _r, _p, done) =>
      done(null, {}),
    );
    const profile = await new Promise<{ phoneNumbers?: unknown }>((resolve, reject) =>
      strategy.userProfile(token, (err, value) => (err ? reject(err) : resolve(value as { phoneNumbers?: unknown }))),
    );
    assert.equal(profile.phoneNumbers, undefined);
    const result = await userDetails(emulator, await appToken(emulator), 'zhangsan');
    for (const field of ['mobile', 'state_code', 'email', 'org_email', 'manager_userid'])
      assert.equal(result[field], undefined, field);
    assert.deepEqual(
      [result.name, result.unionid, result.title, result.dept_id_list, result.hired_date, result.role_list],
      [
        '张三',
        'union-zhangsan',
        '技术总监',
        [1],
        1551369600000,
        [{ id: 1001, name: '主管理员', group_name: '管理员' }],
      ],
    );
    assert.deepEqual(result.leader_in_dept, [{ dept_id: 1, leader: true }]);
  });

  it('answers Cancel and a used code with the values a test chooses', async () => {
    const emulator = await start({ cancelError: 'user_cancelled', usedCodeError: 'invalidCode' });
    const cancelled = await postConsent(emulator, await consentForm(emulator), 'cancel');
    assert.match(cancelled.headers.get('location') ?? '', /[?&]error=user_cancelled&state=state-1$/);
    const code = emulator.issueAuthCode();
    assert.equal((await exchangeCode(emulator, code)).status, 200);
    v1Error(await exchangeCode(emulator, code), 400, 'invalidCode', '不合法的临时授权码');
  });
});

describe('emulator: the app access token (POST /v1.0/oauth2/accessToken)', () => {
  const start = emulators();

  it('answers { accessToken, expireIn }: the same token while it lives, renewed by asking, a new one once it expired', async () => {
    const clock = manualClock();
    const emulator = await start({ now: clock.now, accessTokenTTLSeconds: 100 });
    const answer = await post(emulator.appAccessTokenURL, appCredentials(emulator));
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('x-acs-request-id') ?? '', requestIdPattern);
    assert.deepEqual(Object.keys(answer.json).sort(), ['accessToken', 'expireIn']);
    assert.match(answer.json.accessToken as string, /^[0-9a-f]{32}$/);
    assert.equal(answer.json.expireIn, 100);
    const first = answer.json.accessToken as string;
    clock.advanceSeconds(90);
    assert.equal(await appToken(emulator), first, 'the same token within its lifetime');
    // 180 s after it was first issued: alive only because asking again renewed it.
    clock.advanceSeconds(90);
    assert.equal(await appToken(emulator), first, 'renewed, not expired');
    assert.equal((await userInfo(emulator, first)).userid, 'zhangsan');
    clock.advanceSeconds(100);
    const second = await appToken(emulator);
    assert.notEqual(second, first, 'a new token after expiry');
    assertWrappedTokenError(await getUserInfo(emulator, first, emulator.issueInAppCode()), '42001', 'access_token超时');
    assert.equal((await userInfo(emulator, second)).userid, 'zhangsan');
    const defaults = await start();
    assert.equal((await post(defaults.appAccessTokenURL, appCredentials(defaults))).json.expireIn, 7200);
  });

  it('is not a user access token, and a user access token is not an app token', async () => {
    const emulator = await start();
    v1Error(await fetchProfile(emulator, await appToken(emulator)), 400, 'InvalidAuthentication');
    const userToken = await accessTokenFor(emulator);
    assertWrappedTokenError(
      await getUserInfo(emulator, userToken, emulator.issueInAppCode()),
      '40014',
      '不合法的access_token',
    );
  });
});

describe('emulator: oapi’s rules, the same at getuserinfo, user/get and getbyunionid', () => {
  const start = emulators();

  it('wraps a refused app token in errcode 88: 40000 blank, 40014 unknown or revoked, 42001 expired', async () => {
    const clock = manualClock();
    const emulator = await start({ now: clock.now });
    const fetched = await appToken(emulator);
    const minted = emulator.issueAppAccessToken();
    emulator.revokeAppTokens();
    const renewed = await appToken(emulator);
    assert.notEqual(renewed, fetched, 'a revoked token is not answered again');
    let code = emulator.issueInAppCode();
    const endpoints = [
      (token?: string) => getUserInfo(emulator, token, code),
      (token?: string) => getUserDetails(emulator, token, { userid: 'zhangsan' }),
      (token?: string) => getByUnionId(emulator, token, 'union-zhangsan'),
    ];
    for (const request of endpoints) {
      assertWrappedTokenError(await request(undefined), '40000', 'access_token is blank');
      assertWrappedTokenError(await request(''), '40000', 'access_token is blank');
      for (const token of ['not-a-token', fetched, minted]) {
        assertWrappedTokenError(await request(token), '40014', '不合法的access_token');
      }
      // The first time, getuserinfo's code: a refused token used it not up.
      assert.equal(oapiAnswer(await request(renewed)).errcode, 0);
    }
    clock.advanceSeconds(7199);
    code = emulator.issueInAppCode();
    clock.advanceSeconds(1);
    for (const request of endpoints) assertWrappedTokenError(await request(renewed), '42001', 'access_token超时');
  });

  it('answers another method on HTTP 200 with errcode 43002, and a /topapi/ path it does not serve with errcode 22', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    for (const url of [emulator.userInfoURL, emulator.userDetailsURL, emulator.getByUnionIdURL]) {
      assertOAPIError(await send(`${url}?access_token=${token}`), 43002, '需要POST请求');
    }
    for (const [path, name] of [
      ['/topapi/v2/user/getbymobile', 'dingtalk.oapi.v2.user.getbymobile'],
      ['/topapi/v2/department/listsub', 'dingtalk.oapi.v2.department.listsub'],
    ]) {
      assertOAPIError(await oapi(`${emulator.url}${path}`, token, {}), 22, `Invalid method[${name}]`);
    }
    assertOAPIError(await send(`${emulator.url}/topapi/nothing`), 22, 'Invalid method[dingtalk.oapi.nothing]');
  });

  it('reads access_token from a form body as from the query, and not from a JSON body', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    const form = (url: string, fields: Record<string, string>) => post(url, { access_token: token, ...fields }, 'form');
    assert.equal(oapiResult(await form(emulator.userInfoURL, { code: emulator.issueInAppCode() })).userid, 'zhangsan');
    assert.equal(oapiResult(await form(emulator.userDetailsURL, { userid: 'zhangsan' })).name, '张三');
    const wrong = await post(
      emulator.userInfoURL,
      { access_token: 'not-a-token', code: emulator.issueInAppCode() },
      'form',
    );
    assertWrappedTokenError(wrong, '40014', '不合法的access_token');
    const inJSON = await post(emulator.userInfoURL, { access_token: token, code: emulator.issueInAppCode() });
    assertWrappedTokenError(inJSON, '40000', 'access_token is blank');
  });

  it('gives English errmsg texts with oapiMessages: "en", the same errcodes', async () => {
    const clock = manualClock();
    const emulator = await start({ oapiMessages: 'en', now: clock.now });
    const token = await appToken(emulator);
    assertOAPIError(await getUserInfo(emulator, token, 'f'.repeat(32)), 40078, 'nonexistent temp auth code');
    assertOAPIError(await getUserDetails(emulator, token, { userid: 'nobody' }), 60121, 'user not found');
    assertWrappedTokenError(await getUserInfo(emulator, 'not-a-token', 'x'), '40014', 'invalid access_token');
    assertWrappedTokenError(await getUserInfo(emulator, undefined, 'x'), '40000', 'access_token is blank');
    assertOAPIError(await send(`${emulator.userInfoURL}?access_token=${token}`), 43002, 'require POST request');
    emulator.inject('user-details', { kind: 'throttle', times: 1 });
    assertOAPIError(
      await getUserDetails(emulator, token, { userid: 'zhangsan' }),
      90002,
      'exceeded the max qps of this api',
    );
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
  });
});

describe('emulator: getuserinfo (POST /topapi/v2/user/getuserinfo)', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });

  it('answers the member the code identifies in the shape DingTalk documents, reading the code from a JSON or form body or the query', async () => {
    const token = await appToken(emulator);
    const json = oapiAnswer(await getUserInfo(emulator, token, emulator.issueInAppCode()));
    assert.deepEqual(Object.keys(json).sort(), ['errcode', 'errmsg', 'request_id', 'result']);
    const result = oapiResult(await getUserInfo(emulator, token, emulator.issueInAppCode()));
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
    for (const encoding of ['json', 'form', 'query'] as const) {
      const again = await getUserInfo(emulator, token, emulator.issueInAppCode(), encoding);
      assert.equal(oapiResult(again).device_id, result.device_id, `a stable device id per user (${encoding})`);
      assert.notEqual(again.json.request_id, json.request_id, 'a fresh request_id');
    }
  });

  it('answers 40078 to a used, expired, unknown or missing code, one of another organization or client, and an OAuth authCode', async () => {
    const clock = manualClock();
    const timed = await start({ now: clock.now });
    const token = timed.issueAppAccessToken();
    const used = timed.issueInAppCode();
    assert.equal((await userInfo(timed, token, used)).userid, 'zhangsan');
    const late = timed.issueInAppCode();
    const inTime = timed.issueInAppCode();
    clock.advanceSeconds(299);
    assert.equal((await userInfo(timed, token, inTime)).userid, 'zhangsan');
    clock.advanceSeconds(1);
    const minted = await mintCode(timed, { corpId: 'dingemulatorcorp0001', clientId: 'dinganotherapp' });
    assert.equal(minted.status, 200, minted.text);
    const refused = [
      used,
      late,
      timed.issueInAppCode({ unionId: 'union-wangwu', corpId: 'dingemulatorcorp0002' }),
      minted.json.code as string,
      timed.issueAuthCode(),
      'f'.repeat(32),
      undefined,
    ];
    for (const code of refused) assertOAPIError(await getUserInfo(timed, token, code), 40078, '不存在的临时授权码');
    // Nor does the OAuth token exchange take an in-client code.
    v1Error(await exchangeCode(timed, timed.issueInAppCode()), 400, 'invalidParameter.authCode.notFound');
  });

  it('answers another organization’s code with that organization’s token, and its own userid there', async () => {
    const theirs = emulator.issueAppAccessToken('dingemulatorcorp0002');
    const wangwu = await userInfo(
      emulator,
      theirs,
      emulator.issueInAppCode({ unionId: 'union-wangwu', corpId: 'dingemulatorcorp0002' }),
    );
    assert.deepEqual([wangwu.userid, wangwu.sys, wangwu.sys_level], ['wangwu', false, 0]);
    const zhangsan = emulator.issueInAppCode({ unionId: 'union-zhangsan', corpId: 'dingemulatorcorp0002' });
    assert.equal((await userInfo(emulator, theirs, zhangsan)).userid, '083125472637');
  });
});

describe('emulator: user/get (POST /topapi/v2/user/get)', () => {
  const start = emulators();

  it('answers everything of a member to an internal app, and the same in either language and body', async () => {
    const emulator = await start({ app: { type: 'internal', corpId: 'dingemulatorcorp0001' } });
    const token = await appToken(emulator);
    const result = await userDetails(emulator, token, 'zhangsan', 'zh_CN');
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
    assert.deepEqual(await userDetails(emulator, token, 'zhangsan', 'en_US'), result);
    const form = await post(
      `${emulator.userDetailsURL}?access_token=${token}`,
      { userid: 'zhangsan', language: 'en_US' },
      'form',
    );
    assert.deepEqual(oapiResult(form), result);
  });

  it('answers what the organization records: org_email, hired_date, leader_in_dept, role_list, manager_userid', async () => {
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
    const emulator = await start({ users: memberWith(recorded), app: { type: 'internal', corpId: 'dingcorp' } });
    const result = await userDetails(emulator, await appToken(emulator), 'ding');
    assert.deepEqual(
      [result.org_email, result.hired_date, result.manager_userid, result.dept_id_list],
      ['ding@corp.example.com', 1_600_000_000_000, 'boss', [1, 5, 9]],
    );
    assert.deepEqual(result.leader_in_dept, leaders([1, 5, 9], [5]));
    assert.deepEqual(result.role_list, [
      { id: 11, name: '财务', group_name: '职务' },
      { id: 12, name: '子管理员', group_name: '管理员' },
    ]);
  });

  it('leaves out what the member lacks, lists no department led when given none, and marks an owner as boss', async () => {
    const emulator = await start({ users: memberWith({ leaderInDeptIds: [], roles: [] }) });
    const token = await appToken(emulator);
    const result = await userDetails(emulator, token, 'ding');
    for (const field of ['org_email', 'hired_date', 'manager_userid']) assert.ok(!(field in result), field);
    assert.deepEqual(result.leader_in_dept, leaders([1, 5, 9], []));
    assert.deepEqual(result.role_list, []);
    assert.deepEqual(await userDetails(emulator, token, 'boss'), {
      userid: 'boss',
      unionid: 'union-boss',
      name: '老板',
      hide_mobile: false,
      dept_id_list: [1],
      active: true,
      admin: false,
      boss: true,
      senior: false,
      real_authed: true,
      exclusive_account: false,
    });
    emulator.signInToClient('union-boss');
    const boss = await userInfo(emulator, token);
    assert.deepEqual([boss.sys, boss.sys_level], [false, 100]);
  });

  it('gives 李四 plausible records: he leads one department, and has an org_email but no email', async () => {
    const emulator = await start();
    const lisi = await userDetails(emulator, emulator.issueAppAccessToken('dingemulatorcorp0003'), 'lisi');
    assert.deepEqual(lisi.leader_in_dept, leaders([1, 3], [3]));
    assert.equal(lisi.email, undefined);
    assert.equal(lisi.org_email, 'lisi@ceshi.example.com');
  });

  it('answers 60121 (or unknownUserIdError) to a userid that names no member of the token’s organization', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    // 李四 is a member of dingemulatorcorp0003 only; 王五 of dingemulatorcorp0002, an external contact (ext-wangwu) here.
    for (const userid of ['lisi', 'wangwu', 'ext-wangwu', 'nobody', undefined]) {
      assertOAPIError(await oapi(emulator.userDetailsURL, token, { userid }), 60121, '找不到该用户');
    }
    assert.equal(
      (await userDetails(emulator, emulator.issueAppAccessToken('dingemulatorcorp0002'), 'wangwu')).name,
      '王五',
    );
    const contacts = await start({ users: usersWithAnExternalContact(), corpId: 'dingone' });
    const contactsToken = await appToken(contacts);
    for (const userid of ['yi-contact', 'union-bing', 'yi']) {
      assertOAPIError(await getUserDetails(contacts, contactsToken, { userid }), 60121, '找不到该用户');
    }
    assert.equal((await userDetails(contacts, contactsToken, 'jia')).name, '甲');
    for (const [unknownUserIdError, errmsg] of [
      [33012, '无效的USERID'],
      [60121, '找不到该用户'],
    ] as const) {
      const chosen = await start({ unknownUserIdError });
      const chosenToken = await appToken(chosen);
      for (const userid of ['lisi', 'nobody', undefined]) {
        assertOAPIError(await oapi(chosen.userDetailsURL, chosenToken, { userid }), unknownUserIdError, errmsg);
      }
      assert.equal((await userDetails(chosen, chosenToken, 'zhangsan')).name, '张三');
    }
  });
});

describe('emulator: getbyunionid (POST /topapi/user/getbyunionid)', () => {
  const start = emulators();

  it('answers a member with contact_type 0 and each organization’s own userid, reading the unionid from any encoding', async () => {
    const emulator = await start();
    const token = await appToken(emulator);
    assert.deepEqual(await lookUp(emulator, token, 'union-zhangsan'), { contact_type: 0, userid: 'zhangsan' });
    for (const encoding of ['form', 'query'] as const) {
      const answer = await getByUnionId(emulator, token, 'union-zhangsan', encoding);
      assert.deepEqual(oapiResult(answer), { contact_type: 0, userid: 'zhangsan' }, encoding);
    }
    const second = emulator.issueAppAccessToken('dingemulatorcorp0002');
    assert.deepEqual(await lookUp(emulator, second, 'union-zhangsan'), { contact_type: 0, userid: '083125472637' });
    assert.deepEqual(await lookUp(emulator, second, 'union-wangwu'), { contact_type: 0, userid: 'wangwu' });
    const third = emulator.issueAppAccessToken('dingemulatorcorp0003');
    assert.deepEqual(await lookUp(emulator, third, 'union-lisi'), { contact_type: 0, userid: 'lisi' });
    // The default 王五 is an external contact of the in-client organization.
    assert.deepEqual(await lookUp(emulator, token, 'union-wangwu'), { contact_type: 1, userid: 'ext-wangwu' });
    // 李四 is a member of dingemulatorcorp0003 only.
    for (const unionid of ['union-lisi', 'union-nobody', '', undefined]) {
      assertOAPIError(await getByUnionId(emulator, token, unionid), 60121, '找不到该用户');
    }
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
});

describe('emulator: external contacts (外部联系人) are not members', () => {
  const start = emulators();

  it('offers them no organization on the consent page, no place in the client, and no code', async () => {
    const emulator = await start({ users: usersWithAnExternalContact(), corpId: 'dingone' });
    const offered = await consentChoices(emulator, { scope: 'openid corpid' });
    assert.deepEqual(offered, ['union-jia@dingone*', 'union-yi@dingtwo', 'union-bing']);
    assert.deepEqual(choices((await send(emulator.clientPageURL)).text, 'unionId'), ['union-jia#jia*']);
    assert.throws(() => emulator.signInToClient('union-yi'), TypeError);
    assert.throws(() => emulator.issueInAppCode({ unionId: 'union-yi' }), /not a member/);
    assert.throws(() => emulator.issueAuthCode({ unionId: 'union-yi', scope: 'openid corpid', corpId: 'dingone' }), {
      message: /not in the organization "dingone"/,
    });
    const internal = await start({ users: usersWithAnExternalContact(), app: { type: 'internal', corpId: 'dingone' } });
    assert.throws(() => internal.issueAuthCode({ unionId: 'union-bing' }), /not a member/);
    assert.equal(typeof internal.issueAuthCode({ unionId: 'union-jia' }), 'string');
    // The default 王五, an external contact of dingemulatorcorp0001, is offered with his own organization only.
    const defaults = await start();
    const wangwu = await consentChoices(defaults, { scope: 'openid corpid' });
    assert.deepEqual(
      wangwu.filter((account) => account.startsWith('union-wangwu')),
      ['union-wangwu@dingemulatorcorp0002'],
    );
    assert.throws(() => defaults.issueInAppCode({ unionId: 'union-wangwu' }), /not a member/);
  });
});

describe('emulator: the DingTalk client (/emulator/client, its code minting)', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start({ corpId: 'dingemulatorcorp0002' });
  });
  const authCodeURL = () => `${emulator.url}/emulator/client/auth-code`;
  const signIn = (unionId: string) => post(emulator.clientPageURL, { unionId }, 'form');

  it('offers the members of the in-client organization, the first one signed in', async () => {
    const page = await send(emulator.clientPageURL);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /钉钉客户端 \/ DingTalk client/);
    assert.deepEqual(choices(page.text, 'unionId'), ['union-zhangsan#083125472637*', 'union-wangwu#wangwu']);
    assert.match(page.text, /<code id="corp-id">dingemulatorcorp0002<\/code>/);
    assert.ok(page.text.includes(`&lt;script src=&quot;${emulator.ddScriptURL}&quot;&gt;&lt;/script&gt;`));
  });

  it('mints a code for the signed-in member, readable from any origin, and signs in the member picked, not anyone else', async () => {
    const token = await appToken(emulator);
    const mint = async () => {
      const answer = await mintCode(emulator, { corpId: 'dingemulatorcorp0002', clientId: emulator.clientID });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers.get('access-control-allow-origin'), '*');
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      return (await userInfo(emulator, token, answer.json.code as string)).unionid;
    };
    assert.equal(await mint(), 'union-zhangsan');
    const refused = await signIn('union-lisi');
    assert.equal(refused.status, 400);
    assert.match(refused.text, /data-error="not_a_member"/);
    assert.equal((await post(emulator.clientPageURL, { unionId: 'union-wangwu' })).status, 400, 'JSON is not a form');
    assert.equal(await mint(), 'union-zhangsan');
    const switched = await signIn('union-wangwu');
    assert.equal(switched.status, 303);
    assert.equal(switched.headers.get('location'), '/emulator/client');
    assert.equal(await mint(), 'union-wangwu');
    assert.equal((await userInfo(emulator, token)).unionid, 'union-wangwu');
    const page = await send(emulator.clientPageURL);
    assert.deepEqual(choices(page.text, 'unionId'), ['union-zhangsan#083125472637', 'union-wangwu#wangwu*']);
    emulator.signInToClient('union-zhangsan');
    assert.equal(await mint(), 'union-zhangsan');
  });

  it('refuses a code without corpId or clientId, for an organization the app is not installed in, or for a broken body', async () => {
    const cases: [unknown, number, string | RegExp][] = [
      [{ clientId: emulator.clientID }, 1, 'corpId is required'],
      [{ corpId: 'dingemulatorcorp0002' }, 1, 'clientId is required'],
      [
        { corpId: 'dingemulatorcorp0001', clientId: emulator.clientID, url: 'https://app.example.test/home?x=1' },
        3,
        '对应企业没有app.example.test域名微应用',
      ],
      ['not json', 1, /JSON/],
    ];
    for (const [body, errorCode, errorMessage] of cases) {
      const answer = await mintCode(emulator, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.headers.get('access-control-allow-origin'), '*');
      assert.equal(answer.json.errorCode, errorCode);
      assert.match(
        answer.json.errorMessage as string,
        typeof errorMessage === 'string' ? new RegExp(`^${errorMessage}$`) : errorMessage,
      );
      assert.equal(answer.json.code, undefined);
    }
  });

  it('answers a preflight with CORS headers, and another method 405 with Allow', async () => {
    const preflight = await send(authCodeURL(), {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example.test', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/);
    const get = await send(authCodeURL());
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
  });

  it('escapes everything it renders', async () => {
    const hostile = '<img src=x onerror="alert(1)">&\'';
    const escaped = await start({
      users: [
        {
          unionId: `u-${hostile}`,
          openId: 'o',
          nick: hostile,
          organizations: [{ corpId: 'dingcorp', name: hostile, userId: hostile }],
        },
      ],
    });
    const page = await send(escaped.clientPageURL);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes('<img'), 'no markup from the data');
    assert.ok(page.text.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;'));
  });
});

const dingTalkUserAgent =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) DingTalk(7.6.0-macOS) nw DTWKWebView';
const browserUserAgent =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

type JSAPIFailure = { message: string; errorCode: unknown; errorMessage: string };
type Callback = (...args: never[]) => void;
type AuthCodeParameters = { corpId?: string; clientId?: string } & {
  [name in 'onSuccess' | 'success' | 'onFail' | 'fail' | 'complete']?: Callback;
};
type RequestAuthCode = (parameters?: AuthCodeParameters) => Promise<{ code: string }>;
type DD = {
  env: { platform: string };
  ready(callback: () => void): void;
  requestAuthCode: RequestAuthCode;
  runtime: { permission: { requestAuthCode: RequestAuthCode } };
};

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

/** Callbacks for every outcome, each recording its name in `events` (and the value in `values`). */
function recordingCallbacks(events: string[], values: unknown[] = []) {
  const record =
    (name: string) =>
    (...args: unknown[]) => {
      events.push(name);
      values.push(...args);
    };
  return {
    onSuccess: record('onSuccess'),
    success: record('success'),
    onFail: record('onFail'),
    fail: record('fail'),
    complete: record('complete'),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('emulator: dd.js, run as a page would', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });

  it('is served as JavaScript any origin may load, never cached, with the origin the page asked for (its Host) baked in', async () => {
    const answer = await send(emulator.ddScriptURL);
    assert.equal(answer.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(answer.headers.get('access-control-allow-origin'), '*');
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.ok(answer.text.includes(JSON.stringify(`${emulator.url}/emulator/client/auth-code`)));
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
    assert.equal((await withHost('evil.test/"+alert(1)+"')).status, 400);
  });

  it('inside DingTalk: requestAuthCode asks the client for a code that works at getuserinfo, then onSuccess, success and complete run, each once, a throwing one reported as uncaught', async () => {
    const { dd, calls, uncaught } = await loadShim(emulator, dingTalkUserAgent);
    assert.equal(dd.env.platform, 'pc');
    await new Promise<void>((resolve) => dd.ready(resolve));
    const events: string[] = [];
    const values: unknown[] = [];
    const callbacks = recordingCallbacks(events, values);
    const result = await dd
      .requestAuthCode({
        corpId: 'dingemulatorcorp0001',
        clientId: emulator.clientID,
        ...callbacks,
        onSuccess: (value) => {
          callbacks.onSuccess(value);
          throw new Error('a page bug');
        },
      })
      .then((value) => {
        events.push('then');
        return value;
      });
    await tick();
    assert.deepEqual(events, ['onSuccess', 'success', 'complete', 'then']);
    assert.deepEqual(values, [result, result], 'complete gets no argument');
    assert.deepEqual(Object.keys(result), ['code']);
    assert.deepEqual(
      uncaught.map((error) => (error as Error).message),
      ['a page bug'],
    );
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
    assert.equal((await userInfo(emulator, await appToken(emulator), result.code)).userid, 'zhangsan');
  });

  it('inside DingTalk: the older runtime.permission.requestAuthCode needs only the corpId; a failure goes to onFail, fail, then complete, and the promise rejects', async () => {
    const { dd } = await loadShim(emulator, 'Mozilla/5.0 (iPhone) AliApp(DingTalk/7.6.0) Mobile');
    assert.equal(dd.env.platform, 'ios');
    const { code } = await dd.runtime.permission.requestAuthCode({ corpId: 'dingemulatorcorp0001' });
    assert.equal((await userInfo(emulator, await appToken(emulator), code)).unionid, 'union-zhangsan');
    const events: string[] = [];
    const errors: unknown[] = [];
    const settled = dd.runtime.permission.requestAuthCode({
      corpId: 'dingemulatorcorp0002',
      ...recordingCallbacks(events, errors),
    });
    await assert.rejects(settled, (error: JSAPIFailure) => {
      assert.deepEqual(
        [error.message, error.errorMessage, error.errorCode],
        ['对应企业没有app.example.test域名微应用', error.message, 3],
      );
      return true;
    });
    await tick();
    assert.deepEqual(events, ['onFail', 'fail', 'complete']);
    assert.equal(errors[0], errors[1]);
  });

  it("env.platform follows the User-Agent with dingtalk-jsapi's values", async () => {
    const platforms: Record<string, string[]> = {
      ios: [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.6.0) com.laiwang.DingTalk/1',
      ],
      android: [
        'Mozilla/5.0 (Linux; U; Android 14; zh-CN; PHB110) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 AliApp(DingTalk/7.6.0) com.alibaba.android.rimet/1 Channel/1',
      ],
      harmony: [
        'Mozilla/5.0 (Phone; OpenHarmony 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0 ArkWeb/4.1.6.1 Mobile AliApp(DingTalk/7.6.0)',
      ],
      pc: [
        dingTalkUserAgent,
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) dingtalk-win/1.0.0 nw(0.14.7) DingTalk(7.6.0) Mojo/1.0.0 Native AppType(release) Channel/201200',
      ],
      notInDingTalk: [
        browserUserAgent,
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ],
    };
    for (const [platform, userAgents] of Object.entries(platforms)) {
      for (const userAgent of userAgents) assert.equal((await loadShim(emulator, userAgent)).dd.env.platform, platform);
    }
  });

  it('outside DingTalk, by default: requestAuthCode calls nothing and never settles', async () => {
    const { dd, calls } = await loadShim(emulator, browserUserAgent);
    const events: string[] = [];
    const callbacks = recordingCallbacks(events);
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
        new Promise((resolve) => setTimeout(() => resolve(pending), 100)),
      ]),
    );
    assert.deepEqual(await Promise.all(settled), [pending, pending]);
    assert.deepEqual(events, []);
    assert.equal(calls.length, 0);
  });

  it('outside DingTalk with jsapiOutsideClient "reject": onFail, fail and complete, and the promise rejects without asking for a code', async () => {
    const rejecting = await start({ jsapiOutsideClient: 'reject' });
    const { dd, calls } = await loadShim(rejecting, browserUserAgent);
    assert.equal(dd.env.platform, 'notInDingTalk');
    const events: string[] = [];
    const outsideClient = (error: JSAPIFailure) => {
      assert.match(error.message, /DingTalk client/);
      assert.deepEqual([error.errorMessage, error.errorCode], [error.message, -1]);
      return true;
    };
    const settled = dd.requestAuthCode({
      corpId: 'dingemulatorcorp0001',
      clientId: rejecting.clientID,
      ...recordingCallbacks(events),
    });
    await assert.rejects(settled, outsideClient);
    await tick();
    assert.deepEqual(events, ['onFail', 'fail', 'complete']);
    await assert.rejects(dd.runtime.permission.requestAuthCode({ corpId: 'dingemulatorcorp0001' }), outsideClient);
    assert.equal(calls.length, 0);
  });
});

describe('emulator: faults', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  let token: string;
  before(async () => {
    emulator = await start();
    token = await appToken(emulator);
  });
  const requests = {
    token: () => exchangeCode(emulator, emulator.issueAuthCode()),
    profile: async () => fetchProfile(emulator, await accessTokenFor(emulator)),
    'app-token': () => post(emulator.appAccessTokenURL, appCredentials(emulator)),
    userinfo: () => getUserInfo(emulator, token, emulator.issueInAppCode()),
    'user-details': () => getUserDetails(emulator, token, { userid: 'zhangsan' }),
    getbyunionid: () => getByUnionId(emulator, token, 'union-zhangsan'),
  };
  /** Checks the endpoint answered as it does without a fault. */
  const assertNormal = (answer: Answer, what: string) => {
    assert.equal(answer.status, 200, what);
    assert.ok(answer.json.accessToken || answer.json.unionId || answer.json.errcode === 0, `${what}: ${answer.text}`);
  };

  it('answers what the fault says at any DingTalk endpoint, once with times: 1', async () => {
    const forced88 = { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg: 'ding talk error' };
    const json = 'application/json;charset=utf-8';
    const retry = { 'retry-after': '1' };
    const throttled = { status: 200, json: { errcode: 90002, result: undefined }, headers: retry };
    /** The endpoint, the fault, and the answer: its status, text, some JSON fields, some headers. */
    const cases: [keyof typeof requests, EmulatorFault, Expected][] = [
      [
        'token',
        { status: 429, body: { code: '90018', message: 'toofast' }, headers: { 'Retry-After': '2' } },
        {
          status: 429,
          json: { code: '90018', message: 'toofast' },
          headers: { 'retry-after': '2', 'content-type': json, 'x-acs-request-id': requestIdPattern },
        },
      ],
      [
        'token',
        { status: 500, body: 'oops' },
        { status: 500, text: 'oops', headers: { 'content-type': 'text/plain;charset=utf-8' } },
      ],
      [
        'token',
        { headers: { 'x-extra': 'yes' } },
        { status: 200, text: /^\{"accessToken":"/, headers: { 'x-extra': 'yes' } },
      ],
      [
        'token',
        { kind: 'html' },
        { status: 502, text: /<title>502 Bad Gateway<\/title>/, headers: { 'content-type': /^text\/html/ } },
      ],
      ['userinfo', { kind: 'html' }, { status: 502, text: /502 Bad Gateway/ }],
      ['token', { kind: 'malformed-json' }, { status: 200, text: '{"accessToken":' }],
      ['user-details', { kind: 'malformed-json' }, { status: 200, text: /^\{/, json: {} }],
      ['profile', { kind: 'empty' }, { status: 200, text: '', headers: { 'content-length': '0' } }],
      ['app-token', { kind: 'empty' }, { text: '' }],
      ['userinfo', { kind: 'ip-ban' }, { json: { status: 1111 } }],
      ['user-details', { status: 500, body: 'oops' }, { status: 500, text: 'oops' }],
      ['userinfo', { body: forced88 }, { status: 200, json: forced88, headers: { 'x-acs-request-id': null } }],
      // Throttling: the v1.0 way for the app token, the oapi way (HTTP 200, errcode 90002) for the others.
      ['app-token', { kind: 'throttle' }, { status: 403, json: { code: 'Forbidden.AccessDenied.QpsLimitForApi' } }],
      ['userinfo', { kind: 'throttle', headers: retry }, throttled],
      ['user-details', { kind: 'throttle', headers: retry }, throttled],
      ['getbyunionid', { kind: 'throttle', headers: retry }, throttled],
    ];
    for (const [endpoint, fault, expected] of cases) {
      emulator.inject(endpoint, { ...fault, times: 1 });
      const what = `${endpoint} with ${JSON.stringify(fault)}`;
      assertAnswer(await requests[endpoint](), expected, what);
      assertNormal(await requests[endpoint](), `${what}, after`);
    }
  });

  it('destroys the socket for kind drop, and never answers for kind hang', async () => {
    for (const endpoint of ['token', 'userinfo'] as const) {
      emulator.inject(endpoint, { kind: 'drop', times: 1 });
      await assert.rejects(requests[endpoint](), (error: Error) => {
        assert.equal(error.name, 'TypeError');
        assert.match(
          String((error.cause as Error | undefined)?.message ?? error.cause),
          /other side closed|socket|reset/i,
        );
        return true;
      });
      assertNormal(await requests[endpoint](), endpoint);
    }
    emulator.inject('app-token', { kind: 'hang', times: 1 });
    await assert.rejects(
      fetch(emulator.appAccessTokenURL, { method: 'POST', signal: AbortSignal.timeout(100) }),
      (error: Error) => error.name === 'TimeoutError',
    );
    assertNormal(await requests['app-token'](), 'app-token');
  });

  it('delays the answer by latencyMs, then answers normally', async () => {
    const userToken = await accessTokenFor(emulator);
    emulator.inject('profile', { latencyMs: 80 });
    const started = performance.now();
    const profile = await fetchProfile(emulator, userToken);
    const elapsed = performance.now() - started;
    emulator.clearFaults();
    assert.equal(profile.status, 200);
    assert.ok(elapsed >= 75 && elapsed < 1000, `took ${elapsed} ms`);
  });

  it('applies a fault to the next `times` requests only, until clearFaults without `times`', async () => {
    emulator.inject('token', { status: 503, body: { code: 'ServiceUnavailable', message: 'busy' }, times: 2 });
    assert.equal((await requests.token()).status, 503);
    assert.equal((await requests.token()).status, 503);
    assert.equal((await requests.token()).status, 200);
    emulator.inject('token', { status: 500 });
    emulator.inject('token', { status: 418 });
    emulator.inject('authorize', { status: 503, body: 'down' });
    assert.equal((await requests.token()).status, 418, 'the last fault of an endpoint replaces the one before');
    assert.equal((await requests.token()).status, 418, 'and stays');
    assert.equal((await send(authorizeURL(emulator))).status, 503);
    assertNormal(await requests.userinfo(), 'another endpoint');
    emulator.clearFaults();
    assert.equal((await requests.token()).status, 200);
    assert.equal((await send(authorizeURL(emulator))).status, 200);
  });

  it('does not apply the authorize fault to the consent form', async () => {
    const form = await consentForm(emulator);
    emulator.inject('authorize', { kind: 'html' });
    const answer = await postConsent(emulator, form);
    emulator.clearFaults();
    assert.equal(answer.status, 302);
  });

  it('refuses an invalid fault, and any for the client, which is not DingTalk’s server', () => {
    const bad: [string, unknown, unknown][] = [
      ['endpoint', 'consent', {}],
      ['client', 'client', { kind: 'html' }],
      ['kind', 'token', { kind: 'explode' }],
      ['times', 'token', { times: 0 }],
      ['latency', 'token', { latencyMs: -1 }],
      ['status', 'token', { status: 99 }],
      ['body with kind', 'token', { kind: 'html', body: 'x' }],
      ['status with drop', 'token', { kind: 'drop', status: 500 }],
      ['header', 'token', { headers: { 'bad header': 'x' } }],
    ];
    for (const [what, endpoint, fault] of bad) {
      assert.throws(() => emulator.inject(endpoint as 'token', fault as { status: number }), TypeError, what);
    }
  });

  it('close() resolves promptly with a request hanging or waiting out its latency, and drops them', async () => {
    const closing = await start();
    closing.inject('profile', { kind: 'hang' });
    // A timer left running would keep this test file's process alive for 10 s.
    closing.inject('token', { latencyMs: 10_000 });
    const outcome = (url: string, method = 'GET') =>
      new Promise<string>((resolve) => {
        const req = httpRequest(url, { method }, (res) => resolve(`answered ${res.statusCode}`));
        req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        req.end();
      });
    const pending = [outcome(closing.userProfileURL), outcome(closing.tokenURL, 'POST')];
    await until(() => closing.counters.requests.profile === 1 && closing.counters.requests.token === 1);
    const started = performance.now();
    await closing.close();
    assert.ok(performance.now() - started < 1000);
    assert.deepEqual(await Promise.all(pending), ['ECONNRESET', 'ECONNRESET']);
  });
});

/** A GET with node:http and the given agent, read to the end. */
function getWith(url: string, agent: Agent | false): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('emulator: counters and connections', () => {
  const start = emulators();

  it('counts requests per endpoint, and resets', async () => {
    const emulator = await start();
    await postConsent(emulator, await consentForm(emulator));
    await fetchProfile(emulator, await accessTokenFor(emulator));
    const token = await appToken(emulator);
    await getUserInfo(emulator, token, emulator.issueInAppCode());
    await getUserDetails(emulator, token, { userid: 'zhangsan' });
    await getByUnionId(emulator, token, 'union-zhangsan');
    await getByUnionId(emulator, 'not-a-token', 'union-zhangsan');
    await send(emulator.ddScriptURL);
    await send(emulator.clientPageURL);
    await mintCode(emulator, { corpId: 'dingemulatorcorp0001', clientId: emulator.clientID });
    await send(`${emulator.url}/favicon.ico`);
    await send(`${emulator.url}/topapi/nothing`);
    const counts = () => Object.entries(emulator.counters.requests).map(([name, count]) => `${name} ${count}`);
    assert.deepEqual(
      counts().join(', '),
      [
        'authorize 1, consent 1, token 1, profile 1, appToken 1, userInfo 1, userDetails 1, getByUnionId 2, client 3',
        'other 2',
      ].join(', '),
    );
    emulator.resetCounters();
    assert.ok(Object.values(emulator.counters.requests).every((count) => count === 0));
    assert.equal(emulator.counters.connections, 0);
  });

  it('counts one connection for two requests on a keep-alive agent', async () => {
    const emulator = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    after(() => agent.destroy());
    const first = await getWith(authorizeURL(emulator), agent);
    const second = await getWith(authorizeURL(emulator), agent);
    assert.deepEqual([first.status, second.status, first.headers.connection], [200, 200, 'keep-alive']);
    assert.equal(emulator.counters.connections, 1);
    assert.equal(emulator.counters.requests.authorize, 2);
    await getWith(authorizeURL(emulator), false);
    assert.equal(emulator.counters.connections, 2);
  });

  it('close() resolves promptly with keep-alive connections open, and the port stops answering', async () => {
    const emulator = await createDingTalkEmulator();
    const agent = new Agent({ keepAlive: true });
    after(() => agent.destroy());
    await getWith(authorizeURL(emulator), agent);
    await getWith(`${emulator.url}/other`, agent);
    const started = performance.now();
    await emulator.close();
    assert.ok(performance.now() - started < 1000);
    await emulator.close();
    await assert.rejects(getWith(authorizeURL(emulator), false), { code: 'ECONNREFUSED' });
  });
});

describe('emulator: setup', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });

  it('describes itself for a Strategy (with and without the member lookup) and an InAppStrategy', async () => {
    const mine = await start({ clientID: 'dingmyapp', clientSecret: 'my-secret' });
    const { url } = mine;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const browser = {
      clientID: 'dingmyapp',
      clientSecret: 'my-secret',
      authorizationURL: `${url}/oauth2/auth`,
      tokenURL: `${url}/v1.0/oauth2/userAccessToken`,
      userProfileURL: `${url}/v1.0/contact/users/me`,
    };
    for (const options of [undefined, {}, { memberLookup: false }])
      assert.deepEqual(mine.strategyOptions(options), browser);
    assert.deepEqual(mine.strategyOptions({ memberLookup: true }), {
      ...browser,
      memberLookup: true,
      allowedCorpIds: ['dingemulatorcorp0001'],
      accessTokenURL: `${url}/v1.0/oauth2/accessToken`,
      getByUnionIdURL: `${url}/topapi/user/getbyunionid`,
      userDetailsURL: `${url}/topapi/v2/user/get`,
    });
    for (const memberLookup of ['true', 1, null]) {
      assert.throws(() => mine.strategyOptions({ memberLookup } as never), { name: 'TypeError', message: /memberL/ });
    }
    assert.deepEqual(mine.inAppStrategyOptions(), {
      clientID: 'dingmyapp',
      clientSecret: 'my-secret',
      corpId: 'dingemulatorcorp0001',
      accessTokenURL: `${url}/v1.0/oauth2/accessToken`,
      userInfoURL: `${url}/topapi/v2/user/getuserinfo`,
      userDetailsURL: `${url}/topapi/v2/user/get`,
    });
    const paths = [mine.appAccessTokenURL, mine.ddScriptURL, mine.clientPageURL, mine.getByUnionIdURL].map((u) =>
      u.replace(url, ''),
    );
    assert.deepEqual(paths, [
      '/v1.0/oauth2/accessToken',
      '/emulator/dd.js',
      '/emulator/client',
      '/topapi/user/getbyunionid',
    ]);
  });

  it('pins the member lookup to the in-client organization, whose app token it works with', async () => {
    const second = await start({ corpId: 'dingemulatorcorp0002' });
    const options = second.strategyOptions({ memberLookup: true });
    assert.deepEqual(options.allowedCorpIds, ['dingemulatorcorp0002']);
    const tokenAnswer = await post(options.accessTokenURL, {
      appKey: options.clientID,
      appSecret: options.clientSecret,
    });
    const token = tokenAnswer.json.accessToken as string;
    const lookup = oapiResult(await oapi(options.getByUnionIdURL, token, { unionid: 'union-zhangsan' }));
    assert.deepEqual(lookup, { contact_type: 0, userid: '083125472637' });
    const details = oapiResult(await oapi(options.userDetailsURL, token, { userid: '083125472637' }));
    assert.equal(details.unionid, 'union-zhangsan');
  });

  it('uses the defaults the documentation promises', () => {
    assert.equal(emulator.clientID, 'dingemulatorclientid');
    assert.equal(emulator.clientSecret, 'emulator-client-secret-change-me');
    assert.equal(emulator.users.length, 3);
    assert.ok(emulator.users.some((user) => user.email === undefined));
    assert.ok(emulator.users.some((user) => user.mobile === undefined));
    const memberships = defaultEmulatorUsers.map((user) =>
      user.organizations.map((org) => `${org.corpId}#${org.userId} sysLevel ${org.sysLevel}`).join(', '),
    );
    assert.deepEqual(memberships, [
      'dingemulatorcorp0001#zhangsan sysLevel 1, dingemulatorcorp0002#083125472637 sysLevel 0',
      'dingemulatorcorp0003#lisi sysLevel 0',
      'dingemulatorcorp0002#wangwu sysLevel 0',
    ]);
  });

  it('installs an internal app in its own organization, and an in-client one by default in the first organization of the first user who has one', async () => {
    const internal = await start({ app: { type: 'internal', corpId: 'dingemulatorcorp0002' } });
    assert.equal(internal.inAppStrategyOptions().corpId, 'dingemulatorcorp0002');
    assert.equal((await userInfo(internal, await appToken(internal))).userid, '083125472637');
    assert.throws(() => internal.issueAppAccessToken('dingemulatorcorp0001'), /its own organization/);
    const later = await start({
      users: [person('u-none', '甲', []), person('u-two', '乙', [{ corpId: 'dingsecond', name: '二' }])],
    });
    assert.equal(later.inAppStrategyOptions().corpId, 'dingsecond');
    const result = await userInfo(later, await appToken(later));
    assert.equal(result.userid, 'u-two', 'the userid defaults to the unionId');
    assert.equal(result.sys_level, 0);
  });

  it('refuses codes and tokens it cannot issue', () => {
    const cases: [() => unknown, RegExp | typeof TypeError][] = [
      [() => emulator.issueAuthCode({ unionId: 'nobody' }), /nobody/],
      [() => emulator.issueAuthCode({ scope: 'openid,corpid' }), /commas/],
      [() => emulator.issueAuthCode({ scope: 'openid corpid', corpId: 'dingemulatorcorp0003' }), TypeError],
      [() => emulator.issueAuthCode({ corpId: 'dingemulatorcorp0001' }), /corpid/],
      [() => emulator.issueInAppCode({ unionId: 'nobody' }), /nobody/],
      [() => emulator.issueInAppCode({ unionId: 'union-lisi' }), /not a member/],
      [() => emulator.issueInAppCode({ corpId: 'dingemulatorcorp0003' }), /not a member/],
      [() => emulator.issueAppAccessToken('dingnobody'), TypeError],
      [() => emulator.signInToClient('union-lisi'), TypeError],
      [() => emulator.signInToClient('nobody'), TypeError],
    ];
    for (const [issue, error] of cases) assert.throws(issue, error);
    assert.equal(typeof emulator.issueAppAccessToken('dingemulatorcorp0003'), 'string');
  });

  it('refuses options that could not be DingTalk’s, naming what is wrong', async () => {
    const lisi = defaultEmulatorUsers[1] as EmulatorUser;
    const member = (unionId: string, corpId: string, userId?: string) =>
      person(unionId, unionId, [{ corpId, name: corpId, ...(userId === undefined ? {} : { userId }) }]);
    const role = { id: 1, name: 'a', groupName: 'b' };
    const withFields = (fields: object): DingTalkEmulatorOptions => ({ users: memberWith(fields).slice(0, 1) });
    /** The users of usersWithAnExternalContact, 乙's external contacts replaced. */
    const withContacts = (externalContactOf: unknown): DingTalkEmulatorOptions => {
      const users = usersWithAnExternalContact();
      Object.assign(users[1] as EmulatorUser, { externalContactOf });
      return { users, corpId: 'dingone' };
    };
    const at = 'users[1].externalContactOf';
    const org = 'organizations[0]';
    /** Options, and what the error says. */
    const refused: [DingTalkEmulatorOptions, string?][] = [
      [{ users: [] }],
      [{ redirectURIs: ['not a url'] }],
      [{ authCodeTTLSeconds: 0 }],
      [{ users: [member('same', 'c1'), member('same', 'c2')] }, 'share the unionId "same"'],
      [{ users: [{ ...lisi, loginEmail: '' }] }],
      [{ users: [{ ...lisi, loginEmail: 42 } as never] }],
      [{ app: { type: 'internal', corpId: ' ' } }],
      [{ app: { type: 'internal', corpId: 'dingnobody' } }],
      [{ app: { type: 'login', corpId: 'dingx' } as never }],
      [{ app: { type: 'personal' } as never }],
      [
        { app: { type: 'internal', corpId: 'dingemulatorcorp0002' }, corpId: 'dingx' },
        "internal app's own organization",
      ],
      [{ cancelError: ' ' }],
      [{ usedCodeError: 'a b\n' }],
      [{ jsapiOutsideClient: 'ignore' as 'silent' }, '"jsapiOutsideClient" option must be "silent" or "reject"'],
      [{ unknownUserIdError: 40078 as never }, '"unknownUserIdError" option must be 60121 or 33012'],
      [{ oapiMessages: 'fr' as never }, '"oapiMessages" option must be "zh" or "en"'],
      [{ corpId: 'dingnobody' }],
      [{ corpId: '' }],
      [{ corpId: 42 as never }],
      [{ users: [person('u', '甲', [])] }],
      [
        { users: [member('a', 'dingone', 'x'), member('b', 'dingone', 'x')] },
        'share the userId "x" in the organization "dingone"',
      ],
      // A defaulted userid (the unionId) counts too.
      [{ users: [member('a', 'dingone'), member('b', 'dingone', 'a')] }, 'share the userId "a"'],
      ...[{ sysLevel: 3 }, { deptIds: [] }, { deptIds: [0] }, { deptIds: ['1'] }, { userId: '' }, { title: 7 }].map(
        (fields): [DingTalkEmulatorOptions] => [withFields(fields)],
      ),
      [withFields({ jobNumber: '' })],
      [withFields({ orgEmail: '' }), `${org}.orgEmail must be a non-empty string`],
      [withFields({ managerUserId: 42 }), `${org}.managerUserId must be a non-empty string`],
      [withFields({ hiredDate: -1 }), `${org}.hiredDate must be a time in epoch milliseconds`],
      [withFields({ hiredDate: 1.5 }), `${org}.hiredDate`],
      [withFields({ hiredDate: '2019-03-01' }), `${org}.hiredDate`],
      [withFields({ leaderInDeptIds: [2] }), `${org}.leaderInDeptIds must be an array of ids from deptIds (1, 5, 9)`],
      [withFields({ leaderInDeptIds: 5 }), `${org}.leaderInDeptIds`],
      [withFields({ leaderInDeptIds: ['5'] }), `${org}.leaderInDeptIds`],
      [withFields({ roles: { id: 1 } }), `${org}.roles must be an array of roles`],
      [withFields({ roles: [null] }), `${org}.roles[0].id must be an integer >= 1`],
      [withFields({ roles: [{ id: 0, name: 'a', groupName: 'b' }] }), 'roles[0].id must be an integer >= 1'],
      [withFields({ roles: [{ id: 1, name: '', groupName: 'b' }] }), 'roles[0].name must be a non-empty string'],
      [withFields({ roles: [{ id: 1, name: 'a' }] }), 'roles[0].groupName must be a non-empty string'],
      [withFields({ roles: [role, role] }), `${org}.roles lists the role id 1 twice`],
      [withContacts('dingone'), `${at} must be an array`],
      [withContacts([null]), `${at}[0].corpId must be a non-empty string`],
      [withContacts([{ corpId: '' }]), `${at}[0].corpId must be a non-empty string`],
      [withContacts([{ corpId: 'dingone', userId: '' }]), `${at}[0].userId must be a non-empty string`],
      [withContacts([{ corpId: 'dingone', userId: 7 }]), `${at}[0].userId must be a non-empty string`],
      [withContacts([{ corpId: 'dingone' }, { corpId: 'dingone' }]), `${at} lists the organization "dingone" twice`],
      [withContacts([{ corpId: 'dingtwo' }]), `${at}[0].corpId "dingtwo" is one of users[1].organizations`],
      [withContacts([{ corpId: 'dingone', userId: 'jia' }]), 'union-jia and union-yi share the userId "jia" in'],
      [
        withContacts([{ corpId: 'dingone', userId: 'union-bing' }]),
        'union-yi and union-bing share the userId "union-bing"',
      ],
    ];
    for (const [options, message] of refused) {
      await assert.rejects(createDingTalkEmulator({ host: '127.0.0.1', port: 0, ...options }), (error: Error) => {
        assert.ok(error instanceof TypeError, `${JSON.stringify(options)}: ${error}`);
        if (message) assert.ok(error.message.includes(message), error.message);
        return true;
      });
    }
  });

  it('takes what DingTalk allows, and does not change when the caller changes its options afterwards', async () => {
    const deptIds = [1, 4];
    const leaderInDeptIds = [4];
    const roles = [{ id: 11, name: '财务', groupName: '职务' }];
    const contacts = [{ corpId: 'dingone', userId: 'yi-contact' }];
    // One userid in two organizations, as a member and as an external contact; a department led
    // must be one the member is in, the root one by default.
    contacts.push({ corpId: 'dingthree', userId: 'same' });
    const users: EmulatorUser[] = [
      person('u1', '赵六', [{ corpId: 'dingone', name: 'C', userId: 'same', deptIds, leaderInDeptIds, roles }]),
      person('u2', '钱七', [{ corpId: 'dingtwo', name: 'D', userId: 'same', leaderInDeptIds: [1] }], {
        externalContactOf: contacts,
      }),
    ];
    const changed = await start({ users, corpId: 'dingone' });
    users[0] = person('u9', 'X', []);
    deptIds.push(5);
    leaderInDeptIds.push(1);
    roles.push({ id: 12, name: '出纳', groupName: '职务' });
    (roles[0] as { name: string }).name = '改了';
    (contacts[0] as { userId: string }).userId = 'changed';
    contacts.push({ corpId: 'dingfour', userId: 'late' });
    const profile = await fetchProfile(changed, await accessTokenFor(changed));
    assert.deepEqual([profile.json.unionId, profile.json.nick], ['u1', '赵六']);
    const result = await userDetails(changed, await appToken(changed), 'same');
    assert.deepEqual(result.dept_id_list, [1, 4]);
    assert.deepEqual(result.leader_in_dept, leaders([1, 4], [4]));
    assert.deepEqual(result.role_list, [{ id: 11, name: '财务', group_name: '职务' }]);
    const copy = changed.users[1]?.externalContactOf;
    assert.deepEqual(
      copy?.map(({ corpId, userId }) => `${corpId}#${userId}`),
      ['dingone#yi-contact', 'dingthree#same'],
    );
    assert.ok(Object.isFrozen(changed.users[0]) && Object.isFrozen(copy) && Object.isFrozen(copy?.[0]));
  });
});

describe('emulator: command line', () => {
  it('prints its URLs and the strategy options, serves, and stops on SIGTERM; --help lists every option', async () => {
    const root = join(__dirname, '..');
    const args = ['--import', 'tsx', 'lib/testing/cli.ts'];
    const cli = spawn(process.execPath, [...args, '--port', '0', '--corp-id', 'dingemulatorcorp0002'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    after(() => {
      if (cli.exitCode === null) cli.kill('SIGKILL');
    });
    const help = promisify(execFile)(process.execPath, [...args, '--help'], { cwd: root });
    let output = '';
    cli.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      cli.stdout.on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('Press Ctrl+C')) resolve();
      });
      cli.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    assert.ok(url);
    const options = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1)) as Record<
      string,
      string
    >;
    assert.deepEqual(options, {
      clientID: 'dingemulatorclientid',
      clientSecret: 'emulator-client-secret-change-me',
      authorizationURL: `${url}/oauth2/auth`,
      tokenURL: `${url}/v1.0/oauth2/userAccessToken`,
      userProfileURL: `${url}/v1.0/contact/users/me`,
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(output, /corpId\s+dingemulatorcorp0002/);
    for (const path of ['/emulator/dd.js', '/emulator/client']) assert.ok(output.includes(`${url}${path}`), path);
    assert.match(output, new RegExp(`getbyunionid\\s+${url}/topapi/user/getbyunionid\\n`));
    const page = await send(
      `${url}/oauth2/auth?${new URLSearchParams({ client_id: options.clientID ?? '', redirect_uri: callback, response_type: 'code', prompt: 'consent', scope: 'openid' })}`,
    );
    assert.equal(page.status, 200);
    const client = await send(`${url}/emulator/client`);
    assert.deepEqual(choices(client.text, 'unionId'), ['union-zhangsan#083125472637*', 'union-wangwu#wangwu']);
    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
    cli.kill('SIGTERM');
    assert.equal(await exited, 0);

    const { stdout } = await help;
    const bin = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
    assert.deepEqual(Object.keys(bin), ['passport-dingtalk-oauth2-emulator']);
    assert.match(stdout, /^Usage: passport-dingtalk-oauth2-emulator \[options\]\n/);
    // Every option of parseArgs in cli.ts, read from its source so that a new one cannot be left out.
    const source = await readFile(join(root, 'lib', 'testing', 'cli.ts'), 'utf8');
    const block = /parseArgs\(\{\s*options: \{([\s\S]*?)\n {4}\},/.exec(source)?.[1] ?? '';
    const names = [...block.matchAll(/^\s*'?([a-z-]+)'?: \{/gm)].map((match) => match[1]);
    assert.deepEqual(names, ['port', 'host', 'client-id', 'client-secret', 'redirect-uri', 'corp-id', 'help']);
    for (const name of names) assert.match(stdout, new RegExp(`^ +(-h, )?--${name}\\b`, 'm'), name);
    assert.match(stdout, /In-client login \(免登\) options:\n {2}--corp-id <id>/);
  });
});
