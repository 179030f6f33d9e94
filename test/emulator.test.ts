import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Strategy } from '../lib/index';
import {
  createDingTalkEmulator,
  type DingTalkEmulator,
  type DingTalkEmulatorOptions,
  defaultEmulatorUsers,
  type EmulatorUser,
} from '../lib/testing/index';
import { startEmulatorCLI } from './helpers/emulator-cli';
import { type Answer, emulators, send } from './helpers/emulator-http';

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

interface Radio {
  value: string;
  unionId: string;
  corpId: string | undefined;
  checked: boolean;
}

function accountRadios(html: string): Radio[] {
  return [...html.matchAll(/<input type="radio" name="account"([^>]*)>/g)].map((match) => {
    const attributes = match[1] ?? '';
    const attribute = (name: string) => {
      const found = new RegExp(` ${name}="([^"]*)"`).exec(attributes);
      return found ? unescapeHTML(found[1] ?? '') : undefined;
    };
    return {
      value: attribute('value') ?? '',
      unionId: attribute('data-union-id') ?? '',
      corpId: attribute('data-corp-id'),
      checked: / checked\b/.test(attributes),
    };
  });
}

/** Opens the consent page and returns the form a browser would post for `choose`. */
async function consentForm(
  emulator: DingTalkEmulator,
  overrides: Record<string, string | undefined> = {},
  choose?: (radios: Radio[]) => Radio | undefined,
): Promise<URLSearchParams> {
  const page = await send(authorizeURL(emulator, overrides));
  assert.equal(page.status, 200, page.text);
  const form = hiddenFields(page.text);
  const radios = accountRadios(page.text);
  const chosen = choose ? choose(radios) : radios.find((radio) => radio.checked);
  assert.ok(chosen, 'an account to choose');
  form.set('account', chosen.value);
  return form;
}

function postConsent(emulator: DingTalkEmulator, form: URLSearchParams, decision = 'authorize'): Promise<Answer> {
  const body = new URLSearchParams(form);
  body.set('decision', decision);
  return send(`${emulator.url}/oauth2/consent`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
}

async function exchange(emulator: DingTalkEmulator, body: object): Promise<Answer & { json: Record<string, unknown> }> {
  const answer = await send(emulator.tokenURL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { ...answer, json: JSON.parse(answer.text) as Record<string, unknown> };
}

function exchangeCode(emulator: DingTalkEmulator, code: string) {
  return exchange(emulator, {
    clientId: emulator.clientID,
    clientSecret: emulator.clientSecret,
    code,
    grantType: 'authorization_code',
  });
}

async function accessTokenFor(emulator: DingTalkEmulator, unionId?: string): Promise<string> {
  const answer = await exchangeCode(emulator, emulator.issueAuthCode(unionId ? { unionId } : {}));
  assert.equal(answer.status, 200, answer.text);
  return answer.json.accessToken as string;
}

async function fetchProfile(emulator: DingTalkEmulator, token: string | undefined, path = '') {
  const headers: Record<string, string> = token === undefined ? {} : { 'x-acs-dingtalk-access-token': token };
  const answer = await send(emulator.userProfileURL + path, { headers });
  return { ...answer, json: JSON.parse(answer.text) as Record<string, unknown> };
}

/** Checks DingTalk's v1.0 error shape and returns the code. */
function assertDingTalkError(answer: Answer, status: number): Record<string, unknown> {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.headers.get('content-type'), 'application/json;charset=utf-8');
  const json = JSON.parse(answer.text) as Record<string, unknown>;
  assert.equal(typeof json.code, 'string');
  assert.equal(typeof json.message, 'string');
  assert.match(json.requestid as string, /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  assert.equal(answer.headers.get('x-acs-request-id'), json.requestid);
  return json;
}

describe('emulator: authorize page', () => {
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
    const radios = accountRadios(page.text);
    assert.deepEqual(
      radios.map((radio) => radio.unionId),
      ['union-zhangsan', 'union-lisi', 'union-wangwu'],
    );
    assert.deepEqual(
      radios.map((radio) => radio.corpId),
      [undefined, undefined, undefined],
    );
    assert.deepEqual(
      radios.map((radio) => radio.checked),
      [true, false, false],
    );
    for (const nick of ['张三', '李四', '王五']) assert.ok(page.text.includes(nick), nick);
    assert.match(page.text, /<button [^>]*id="authorize"[^>]*>授权 \/ Authorize<\/button>/);
    assert.match(page.text, /<button [^>]*id="cancel"[^>]*>取消 \/ Cancel<\/button>/);
    assert.match(page.text, /<form method="post" action="\/oauth2\/consent"/);
  });

  const invalid: [string, Record<string, string | undefined>, string][] = [
    ['a missing client_id', { client_id: undefined }, 'missing_client_id'],
    ['an unknown client_id', { client_id: 'dingsomeoneelse' }, 'invalid_client_id'],
    ['a missing redirect_uri', { redirect_uri: undefined }, 'missing_redirect_uri'],
    ['an unregistered redirect_uri', { redirect_uri: 'https://evil.example.com/steal' }, 'unregistered_redirect_uri'],
    ['a javascript: redirect_uri', { redirect_uri: 'javascript:alert(1)' }, 'invalid_redirect_uri'],
    ['a relative redirect_uri', { redirect_uri: '/callback' }, 'invalid_redirect_uri'],
    ['a redirect_uri with a fragment', { redirect_uri: `${callback}#top` }, 'invalid_redirect_uri'],
    ['a redirect_uri with credentials', { redirect_uri: 'http://user:pw@127.0.0.1/cb' }, 'invalid_redirect_uri'],
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['a missing response_type', { response_type: undefined }, 'unsupported_response_type'],
    ['a missing prompt', { prompt: undefined }, 'missing_prompt'],
    ['prompt=login', { prompt: 'login' }, 'invalid_prompt'],
    ['a missing scope', { scope: undefined }, 'missing_scope'],
    ['a comma-separated scope', { scope: 'openid,corpid' }, 'comma_separated_scope'],
    ['a scope without openid', { scope: 'corpid' }, 'missing_openid'],
    ['an unknown scope', { scope: 'openid email' }, 'invalid_scope'],
    ['exclusiveLogin without exclusiveCorpId', { exclusiveLogin: 'true' }, 'missing_exclusive_corp_id'],
  ];
  for (const [what, overrides, code] of invalid) {
    it(`answers ${what} with a 400 page and no redirect`, async () => {
      const page = await send(authorizeURL(emulator, overrides));
      assert.equal(page.status, 400);
      assert.equal(page.headers.get('location'), null);
      assert.equal(page.headers.get('content-type'), 'text/html;charset=utf-8');
      assert.match(page.text, new RegExp(`data-error="${code}"`));
      assert.ok(!page.text.includes('evil.example.com'), 'the refused redirect_uri is not even linked');
    });
  }

  it('says how to register a redirect_uri with the emulator when one is refused', async () => {
    const page = await send(authorizeURL(emulator, { redirect_uri: 'https://evil.example.com/steal' }));
    assert.match(page.text, /redirectURIs/);
    assert.match(page.text, /--redirect-uri/);
  });

  it('explains that DingTalk requires prompt=consent', async () => {
    const page = await send(authorizeURL(emulator, { prompt: undefined }));
    assert.match(page.text, /prompt=consent/);
    assert.match(page.text, /403/);
  });

  it('refuses a parameter sent twice', async () => {
    const page = await send(
      `${authorizeURL(emulator)}&redirect_uri=${encodeURIComponent('https://evil.example.com/')}`,
    );
    assert.equal(page.status, 400);
    assert.match(page.text, /data-error="duplicate_parameter"/);
  });

  it('accepts a scope encoded with + or repeated spaces', async () => {
    const page = await send(authorizeURL(emulator).replace('scope=openid', 'scope=openid++corpid'));
    assert.equal(page.status, 200, page.text);
    assert.equal(hiddenFields(page.text).get('scope'), 'openid  corpid');
    assert.ok(accountRadios(page.text).every((radio) => radio.corpId !== undefined));
  });

  it('escapes everything it renders', async () => {
    const hostile = `"><script>alert('x')</script>&amp;`;
    const page = await send(authorizeURL(emulator, { state: hostile }));
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes('<script>'));
    assert.equal(hiddenFields(page.text).get('state'), hostile);
    const custom = await start({
      users: [{ unionId: 'u"1', openId: 'o1', nick: '<b>Bob</b>', organizations: [{ corpId: 'c<1>', name: 'A&B' }] }],
    });
    const customPage = await send(authorizeURL(custom, { scope: 'openid corpid' }));
    assert.ok(!customPage.text.includes('<b>Bob'));
    assert.ok(customPage.text.includes('&lt;b&gt;Bob&lt;/b&gt;'));
    assert.ok(customPage.text.includes('A&amp;B'));
    assert.deepEqual(accountRadios(customPage.text)[0], {
      value: JSON.stringify(['u"1', 'c<1>']),
      unionId: 'u"1',
      corpId: 'c<1>',
      checked: true,
    });
  });

  it('offers each user with each of their organizations when the scope has corpid', async () => {
    const page = await send(authorizeURL(emulator, { scope: 'openid corpid' }));
    const radios = accountRadios(page.text);
    assert.deepEqual(
      radios.map((radio) => [radio.unionId, radio.corpId]),
      [
        ['union-zhangsan', 'dingemulatorcorp0001'],
        ['union-zhangsan', 'dingemulatorcorp0002'],
        ['union-lisi', 'dingemulatorcorp0003'],
        ['union-wangwu', 'dingemulatorcorp0002'],
      ],
    );
    assert.ok(page.text.includes('示例科技有限公司'));
    assert.ok(page.text.includes('测试教育集团'));
  });

  it('pre-selects the organization named by corpId', async () => {
    const page = await send(authorizeURL(emulator, { scope: 'openid corpid', corpId: 'dingemulatorcorp0003' }));
    const checked = accountRadios(page.text).filter((radio) => radio.checked);
    assert.deepEqual(
      checked.map((radio) => [radio.unionId, radio.corpId]),
      [['union-lisi', 'dingemulatorcorp0003']],
    );
  });

  it('offers only members of the organization for an exclusive login', async () => {
    const page = await send(
      authorizeURL(emulator, {
        exclusiveLogin: 'true',
        exclusiveCorpId: 'dingemulatorcorp0002',
        scope: 'openid corpid',
      }),
    );
    assert.deepEqual(
      accountRadios(page.text).map((radio) => [radio.unionId, radio.corpId]),
      [
        ['union-zhangsan', 'dingemulatorcorp0002'],
        ['union-wangwu', 'dingemulatorcorp0002'],
      ],
    );
  });

  it('offers no account, and cannot authorize, when nobody is in the exclusive organization', async () => {
    const page = await send(authorizeURL(emulator, { exclusiveLogin: 'true', exclusiveCorpId: 'dingnobody' }));
    assert.equal(page.status, 200);
    assert.deepEqual(accountRadios(page.text), []);
    assert.match(page.text, /id="no-account"/);
    assert.match(page.text, /id="authorize" disabled/);
  });

  it('accepts only the registered redirect URLs, compared after normalisation', async () => {
    const registered = await start({ redirectURIs: ['https://app.example.com/auth/callback'] });
    const accepted = await send(
      authorizeURL(registered, { redirect_uri: 'HTTPS://App.Example.com:443/auth/callback' }),
    );
    assert.equal(accepted.status, 200, accepted.text);
    for (const uri of [
      callback,
      'https://app.example.com/auth/callback/',
      'https://app.example.com/auth/callback?next=/',
      'https://app.example.com/auth/callback/../../evil',
      'http://app.example.com/auth/callback',
      'https://app.example.com.evil.example/auth/callback',
    ]) {
      const refused = await send(authorizeURL(registered, { redirect_uri: uri }));
      assert.equal(refused.status, 400, uri);
      assert.equal(refused.headers.get('location'), null);
    }
  });

  it('accepts any loopback redirect_uri by default, and nothing else', async () => {
    for (const uri of ['http://localhost:8080/cb', 'https://127.0.0.1/cb', 'http://[::1]:3000/cb?x=1']) {
      assert.equal((await send(authorizeURL(emulator, { redirect_uri: uri }))).status, 200, uri);
    }
    for (const uri of ['http://127.0.0.1.evil.example/cb', 'http://localhost@evil.example/cb', 'ftp://127.0.0.1/']) {
      assert.equal((await send(authorizeURL(emulator, { redirect_uri: uri }))).status, 400, uri);
    }
  });
});

describe('emulator: consent', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });

  it('redirects with a new authCode and the state exactly as received', async () => {
    const state = 'a b+c/=&ü';
    const redirectURI = 'http://127.0.0.1:3000/cb?next=%2Fhome&x=a%20b';
    const answer = await postConsent(emulator, await consentForm(emulator, { state, redirect_uri: redirectURI }));
    assert.equal(answer.status, 302);
    const location = answer.headers.get('location') ?? '';
    assert.ok(location.startsWith(`${redirectURI}&authCode=`), location);
    const params = new URL(location).searchParams;
    assert.match(params.get('authCode') ?? '', /^[0-9a-f]{32}$/);
    // The same value as `code` too, as DingTalk's redirect carries it.
    assert.deepEqual(params.getAll('code'), [params.get('authCode')]);
    assert.equal(params.get('state'), state);
    assert.equal(params.get('next'), '/home');
    assert.equal(params.get('error'), null);
    const tokens = await exchangeCode(emulator, params.get('authCode') ?? '');
    assert.equal(tokens.status, 200, tokens.text);
  });

  it('lets a callback that reads only `code` (a plain OAuth 2 app) exchange it', async () => {
    // The app's callback, as a passport-oauth2 app writes it: `code` from the query, nothing else.
    const plainApp = createServer(async (req, res) => {
      const code = new URL(req.url ?? '/', 'http://app').searchParams.get('code') ?? '';
      const tokens = await exchangeCode(emulator, code);
      res.writeHead(tokens.status === 200 ? 200 : 400, { 'content-type': 'text/plain' });
      res.end(tokens.status === 200 ? 'logged in' : `refused: ${tokens.text}`);
    });
    await new Promise<void>((resolve) => plainApp.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = plainApp.address() as AddressInfo;
      const redirectURI = `http://127.0.0.1:${port}/cb`;
      const answer = await postConsent(emulator, await consentForm(emulator, { redirect_uri: redirectURI }));
      assert.equal(answer.status, 302);
      const back = await send(answer.headers.get('location') ?? '');
      assert.equal(back.status, 200, back.text);
      assert.equal(back.text, 'logged in');
    } finally {
      plainApp.closeAllConnections();
      await new Promise<void>((resolve) => plainApp.close(() => resolve()));
    }
  });

  it('adds no state when the app sent none, and keeps an empty one', async () => {
    const without = await postConsent(emulator, await consentForm(emulator, { state: undefined }));
    assert.equal(new URL(without.headers.get('location') ?? '').searchParams.has('state'), false);
    const empty = await postConsent(emulator, await consentForm(emulator, { state: '' }));
    assert.match(empty.headers.get('location') ?? '', /&state=$/);
  });

  it('logs in as the account chosen, with the organization chosen as corpId', async () => {
    const form = await consentForm(emulator, { scope: 'openid corpid' }, (radios) =>
      radios.find((radio) => radio.unionId === 'union-zhangsan' && radio.corpId === 'dingemulatorcorp0002'),
    );
    const answer = await postConsent(emulator, form);
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

  it('checks every posted field again and never redirects a tampered form', async () => {
    const form = await consentForm(emulator, { scope: 'openid corpid' });
    const tampered: [string, (fields: URLSearchParams) => void][] = [
      ['redirect_uri', (fields) => fields.set('redirect_uri', 'https://evil.example.com/cb')],
      ['client_id', (fields) => fields.set('client_id', 'dingother')],
      ['scope', (fields) => fields.set('scope', 'openid,corpid')],
      ['prompt', (fields) => fields.delete('prompt')],
      ['account', (fields) => fields.set('account', JSON.stringify(['union-lisi', 'dingemulatorcorp0001']))],
      ['missing account', (fields) => fields.delete('account')],
    ];
    for (const [what, change] of tampered) {
      const fields = new URLSearchParams(form);
      change(fields);
      const answer = await postConsent(emulator, fields);
      assert.equal(answer.status, 400, what);
      assert.equal(answer.headers.get('location'), null, what);
    }
    const noDecision = await postConsent(emulator, form, 'maybe');
    assert.equal(noDecision.status, 400);
  });

  it('takes the consent form only as application/x-www-form-urlencoded', async () => {
    const form = await consentForm(emulator);
    form.set('decision', 'authorize');
    const answer = await send(`${emulator.url}/oauth2/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(form)),
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.headers.get('location'), null);
  });
});

describe('emulator: token endpoint', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });

  it('exchanges a code for camelCase tokens without corpId for scope openid', async () => {
    const answer = await exchangeCode(emulator, emulator.issueAuthCode());
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'application/json;charset=utf-8');
    assert.match(
      answer.headers.get('x-acs-request-id') ?? '',
      /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/,
    );
    assert.deepEqual(Object.keys(answer.json), ['accessToken', 'refreshToken', 'expireIn']);
    assert.match(answer.json.accessToken as string, /^[0-9a-f]{32}$/);
    assert.match(answer.json.refreshToken as string, /^[0-9a-f]{32}$/);
    assert.equal(answer.json.expireIn, 7200);
  });

  it('adds the corpId when the scope contained corpid', async () => {
    const first = await exchangeCode(emulator, emulator.issueAuthCode({ scope: 'openid corpid' }));
    assert.equal(first.json.corpId, 'dingemulatorcorp0001');
    const chosen = await exchangeCode(
      emulator,
      emulator.issueAuthCode({ unionId: 'union-wangwu', scope: 'openid corpid', corpId: 'dingemulatorcorp0002' }),
    );
    assert.equal(chosen.json.corpId, 'dingemulatorcorp0002');
  });

  it('accepts a code only once', async () => {
    const code = emulator.issueAuthCode();
    assert.equal((await exchangeCode(emulator, code)).status, 200);
    const again = await exchangeCode(emulator, code);
    // The captured answer (a third party's): the code and message exactly.
    assert.equal(assertDingTalkError(again, 400).code, 'invalidParameter.authCode.notFound');
    assert.ok(!again.text.includes(code), 'the code is not echoed');
    assert.equal(again.json.message, '不合法的临时授权码');
    const madeUp = await exchangeCode(emulator, 'made-up-code');
    assert.equal(assertDingTalkError(madeUp, 400).code, 'invalidParameter.authCode.notFound');
  });

  it('refuses an expired code and honours accessTokenTTLSeconds', async () => {
    let clock = 1_700_000_000_000;
    const timed = await start({ now: () => clock, authCodeTTLSeconds: 60, accessTokenTTLSeconds: 120 });
    const fresh = timed.issueAuthCode();
    const stale = timed.issueAuthCode();
    clock += 59_000;
    const ok = await exchangeCode(timed, fresh);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.expireIn, 120);
    clock += 2_000;
    assert.equal(assertDingTalkError(await exchangeCode(timed, stale), 400).code, 'invalidParameter.authCode.notFound');
    const token = ok.json.accessToken as string;
    clock += 117_000;
    assert.equal((await fetchProfile(timed, token)).status, 200);
    clock += 1_000;
    const expired = await fetchProfile(timed, token);
    assert.equal(assertDingTalkError(expired, 400).code, 'InvalidAuthentication');
    assert.equal(
      assertDingTalkError(await fetchProfile(timed, undefined), 400).code,
      'AuthenticationFailed.MissingParameter',
    );
  });

  it('answers 400 invalidClientIdOrSecret for a wrong ClientId or ClientSecret, echoes neither, and keeps the code usable', async () => {
    const code = emulator.issueAuthCode();
    const wrongSecret = await exchange(emulator, {
      clientId: emulator.clientID,
      clientSecret: 'not-the-secret',
      code,
      grantType: 'authorization_code',
    });
    assert.equal(assertDingTalkError(wrongSecret, 400).code, 'invalidClientIdOrSecret');
    assert.ok(!wrongSecret.text.includes('not-the-secret'));
    assert.ok(!wrongSecret.text.includes(code));
    const wrongClient = await exchange(emulator, {
      clientId: 'dingother',
      clientSecret: emulator.clientSecret,
      code,
      grantType: 'authorization_code',
    });
    assert.equal(assertDingTalkError(wrongClient, 400).code, 'invalidClientIdOrSecret');
    assert.ok(!wrongClient.text.includes(emulator.clientSecret));
    assert.equal((await exchangeCode(emulator, code)).status, 200);
  });

  it('takes JSON only: another content type or a broken body is a 400', async () => {
    const body = {
      clientId: emulator.clientID,
      clientSecret: emulator.clientSecret,
      code: 'x',
      grantType: 'authorization_code',
    };
    const form = await send(emulator.tokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
    assert.equal(assertDingTalkError(form, 400).code, 'Missingbody');
    for (const text of ['{"clientId":', '[]', '"text"', '{"clientId": 42}']) {
      const broken = await send(emulator.tokenURL, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: text,
      });
      assert.equal(assertDingTalkError(broken, 400).code, 'InvalidParameter', text);
    }
  });

  it('names a missing parameter and refuses an unknown grantType', async () => {
    const noCode = await exchange(emulator, {
      clientId: emulator.clientID,
      clientSecret: emulator.clientSecret,
      grantType: 'authorization_code',
    });
    assert.equal(assertDingTalkError(noCode, 400).code, 'MissingParameter');
    assert.match(noCode.json.message as string, /code/);
    const password = await exchange(emulator, {
      clientId: emulator.clientID,
      clientSecret: emulator.clientSecret,
      grantType: 'password',
    });
    assert.equal(assertDingTalkError(password, 400).code, 'unsupportedGrantType');
  });

  it('rotates the refresh token and keeps the corpId', async () => {
    const first = await exchangeCode(
      emulator,
      emulator.issueAuthCode({ unionId: 'union-lisi', scope: 'openid corpid' }),
    );
    const refresh = (refreshToken: unknown) =>
      exchange(emulator, {
        clientId: emulator.clientID,
        clientSecret: emulator.clientSecret,
        refreshToken,
        grantType: 'refresh_token',
      });
    const second = await refresh(first.json.refreshToken);
    assert.equal(second.status, 200, second.text);
    assert.notEqual(second.json.accessToken, first.json.accessToken);
    assert.notEqual(second.json.refreshToken, first.json.refreshToken);
    assert.equal(second.json.corpId, 'dingemulatorcorp0003');
    assert.equal(second.json.expireIn, 7200);
    assert.equal(assertDingTalkError(await refresh(first.json.refreshToken), 400).code, 'invalidRefreshToken');
    const profile = await fetchProfile(emulator, second.json.accessToken as string);
    assert.equal(profile.json.unionId, 'union-lisi');
    assert.equal((await refresh(second.json.refreshToken)).status, 200);
  });

  it('answers 413 to a body over 64 KiB and 404 InvalidAction.NotFound to another method', async () => {
    const large = await send(emulator.tokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(70 * 1024) }),
    });
    assert.equal(assertDingTalkError(large, 413).code, 'RequestEntityTooLarge');
    const get = await send(emulator.tokenURL);
    assert.equal(assertDingTalkError(get, 404).code, 'InvalidAction.NotFound');
  });
});

describe('emulator: current user', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });

  it('answers the profile of the user who logged in', async () => {
    const profile = await fetchProfile(emulator, await accessTokenFor(emulator));
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

  it('serves the default users’ avatars itself, so pages work offline', async () => {
    const profile = await fetchProfile(emulator, await accessTokenFor(emulator, 'union-lisi'));
    const avatar = await fetch(String(profile.json.avatarUrl));
    assert.equal(avatar.status, 200);
    assert.equal(avatar.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
    assert.match(await avatar.text(), /<svg[\s\S]*>李<\/text>/);
    assert.equal((await fetch(`${emulator.url}/avatars/nobody.svg`)).status, 404);
  });

  it('leaves out what a user lacks', async () => {
    const lisi = await fetchProfile(emulator, await accessTokenFor(emulator, 'union-lisi'));
    assert.equal('email' in lisi.json, false);
    assert.equal(lisi.json.mobile, '13900000002');
    const wangwu = await fetchProfile(emulator, await accessTokenFor(emulator, 'union-wangwu'));
    assert.deepEqual(Object.keys(wangwu.json).sort(), ['email', 'nick', 'openId', 'unionId', 'visitor']);
    assert.equal(wangwu.json.visitor, true);
  });

  it('ignores a query string on the path', async () => {
    const profile = await fetchProfile(emulator, await accessTokenFor(emulator), '?x=1');
    assert.equal(profile.status, 200);
    assert.equal(profile.json.unionId, 'union-zhangsan');
  });

  it('answers 400 AuthenticationFailed.MissingParameter without the token header', async () => {
    const bearer = { authorization: `Bearer ${await accessTokenFor(emulator)}` };
    for (const answer of [
      await fetchProfile(emulator, undefined),
      await fetchProfile(emulator, ''),
      // A bearer token is not DingTalk's header: still missing.
      await send(emulator.userProfileURL, { headers: bearer }),
    ]) {
      const json = assertDingTalkError(answer, 400);
      assert.equal(json.code, 'AuthenticationFailed.MissingParameter');
      assert.equal(json.message, '缺少参数：x-acs-dingtalk-access-token');
    }
  });

  it('answers 400 InvalidAuthentication to a token it does not know', async () => {
    const json = assertDingTalkError(await fetchProfile(emulator, 'deadbeefdeadbeefdeadbeefdeadbeef'), 400);
    assert.equal(json.code, 'InvalidAuthentication');
    assert.equal(json.message, '不合法的access_token');
  });

  it('answers loginEmail after email when the user has one, and refuses a blank one', async () => {
    const [zhangsan, lisi, ...others] = defaultEmulatorUsers;
    assert.ok(zhangsan && lisi);
    const users: EmulatorUser[] = [
      { ...zhangsan, loginEmail: 'zhangsan@corp.example' },
      { ...lisi, loginEmail: 'lisi@corp.example' },
      ...others,
    ];
    const withLogin = await start({ users });
    const a = await fetchProfile(withLogin, await accessTokenFor(withLogin, 'union-zhangsan'));
    assert.equal(a.json.loginEmail, 'zhangsan@corp.example');
    const keys = Object.keys(a.json);
    assert.equal(keys.indexOf('loginEmail'), keys.indexOf('email') + 1, keys.join());
    const b = await fetchProfile(withLogin, await accessTokenFor(withLogin, 'union-lisi'));
    assert.equal(b.json.loginEmail, 'lisi@corp.example');
    assert.equal('email' in b.json, false);
    const plain = await fetchProfile(emulator, await accessTokenFor(emulator, 'union-lisi'));
    assert.equal('loginEmail' in plain.json, false);
    for (const loginEmail of ['', 42]) {
      await assert.rejects(
        async () => createDingTalkEmulator({ users: [{ ...lisi, loginEmail } as EmulatorUser] }),
        TypeError,
      );
    }
  });

  it('answers 403 with requiredScopes when the app lacks Contact.User.Read', async () => {
    const restricted = await start({ permissions: ['Contact.User.mobile'] });
    const answer = await fetchProfile(restricted, await accessTokenFor(restricted));
    const json = assertDingTalkError(answer, 403);
    assert.equal(json.code, 'Forbidden.AccessDenied.AccessTokenPermissionDenied');
    assert.equal(json.message, '应用尚未开通所需的权限：[Contact.User.Read]');
    assert.deepEqual(json.accessdenieddetail, { requiredScopes: ['Contact.User.Read'] });
  });

  it('leaves out mobile and stateCode when the app lacks Contact.User.mobile', async () => {
    const noMobile = await start({ permissions: ['Contact.User.Read'] });
    const profile = await fetchProfile(noMobile, await accessTokenFor(noMobile));
    assert.equal(profile.status, 200);
    assert.equal('mobile' in profile.json, false);
    assert.equal('stateCode' in profile.json, false);
    assert.equal(profile.json.nick, '张三');
  });

  it('answers DingTalk-shaped JSON to another method or an unknown path', async () => {
    const post = await send(emulator.userProfileURL, { method: 'POST' });
    assert.equal(assertDingTalkError(post, 404).code, 'InvalidAction.NotFound');
    for (const path of ['/v1.0/contact/users/you', '/v1.0/contact/users/me/', '/']) {
      const missing = await send(emulator.url + path);
      assert.equal(assertDingTalkError(missing, 404).code, 'InvalidAction.NotFound', path);
    }
  });
});

describe('emulator: faults', () => {
  const start = emulators();
  let emulator: DingTalkEmulator;
  before(async () => {
    emulator = await start();
  });
  const tokenRequest = (code = emulator.issueAuthCode()) => exchangeCode(emulator, code);
  const rawTokenRequest = () =>
    send(emulator.tokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        clientId: emulator.clientID,
        clientSecret: emulator.clientSecret,
        code: emulator.issueAuthCode(),
        grantType: 'authorization_code',
      }),
    });

  it('delays the answer by latencyMs, then answers normally', async () => {
    emulator.inject('profile', { latencyMs: 150 });
    const token = await accessTokenFor(emulator);
    const started = performance.now();
    const profile = await fetchProfile(emulator, token);
    const elapsed = performance.now() - started;
    emulator.clearFaults();
    assert.equal(profile.status, 200);
    assert.ok(elapsed >= 140, `took ${elapsed} ms`);
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  });

  it('forces a status, a JSON body and headers', async () => {
    emulator.inject('token', {
      status: 429,
      body: { code: '90018', message: 'toofast' },
      headers: { 'Retry-After': '2' },
    });
    const answer = await rawTokenRequest();
    emulator.clearFaults();
    assert.equal(answer.status, 429);
    assert.deepEqual(JSON.parse(answer.text), { code: '90018', message: 'toofast' });
    assert.equal(answer.headers.get('retry-after'), '2');
    assert.equal(answer.headers.get('content-type'), 'application/json;charset=utf-8');
    assert.match(
      answer.headers.get('x-acs-request-id') ?? '',
      /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/,
    );
  });

  it('forces a text body, and adds headers to a normal answer', async () => {
    emulator.inject('token', { status: 500, body: 'internal trouble' });
    const text = await rawTokenRequest();
    assert.equal(text.status, 500);
    assert.equal(text.text, 'internal trouble');
    assert.equal(text.headers.get('content-type'), 'text/plain;charset=utf-8');
    emulator.inject('token', { headers: { 'x-extra': 'yes' } });
    const normal = await tokenRequest();
    emulator.clearFaults();
    assert.equal(normal.status, 200);
    assert.equal(normal.headers.get('x-extra'), 'yes');
    assert.equal(typeof normal.json.accessToken, 'string');
  });

  it('answers a gateway HTML page for kind html', async () => {
    emulator.inject('token', { kind: 'html' });
    const answer = await rawTokenRequest();
    emulator.clearFaults();
    assert.equal(answer.status, 502);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(answer.text, /<title>502 Bad Gateway<\/title>/);
  });

  it('answers truncated JSON for kind malformed-json and nothing for kind empty', async () => {
    emulator.inject('token', { kind: 'malformed-json' });
    const malformed = await rawTokenRequest();
    assert.equal(malformed.status, 200);
    assert.equal(malformed.text, '{"accessToken":');
    assert.throws(() => JSON.parse(malformed.text), SyntaxError);
    emulator.inject('profile', { kind: 'empty' });
    const empty = await send(emulator.userProfileURL);
    emulator.clearFaults();
    assert.equal(empty.status, 200);
    assert.equal(empty.text, '');
    assert.equal(empty.headers.get('content-length'), '0');
  });

  it('destroys the socket for kind drop', async () => {
    emulator.inject('token', { kind: 'drop', times: 1 });
    await assert.rejects(rawTokenRequest(), (error: Error) => {
      assert.equal(error.name, 'TypeError');
      assert.match(
        String((error.cause as Error | undefined)?.message ?? error.cause),
        /other side closed|socket|reset/i,
      );
      return true;
    });
    assert.equal((await tokenRequest()).status, 200);
  });

  it('never answers for kind hang, and close() still resolves', async () => {
    const hanging = await start();
    hanging.inject('profile', { kind: 'hang' });
    await assert.rejects(
      fetch(hanging.userProfileURL, { signal: AbortSignal.timeout(300) }),
      (error: Error) => error.name === 'TimeoutError',
    );
    const pending = new Promise<string>((resolve) => {
      const req = httpRequest(hanging.userProfileURL, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(hanging.counters.requests.profile, 2);
    const started = performance.now();
    await hanging.close();
    assert.ok(performance.now() - started < 1000);
    assert.equal(await pending, 'ECONNRESET');
  });

  it('drops requests still waiting out their latency on close()', async () => {
    const slow = await start();
    // A timer left running would keep this test file's process alive for 10 s.
    slow.inject('token', { latencyMs: 10_000 });
    const pending = send(slow.tokenURL, { method: 'POST' }).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await slow.close();
    assert.ok(performance.now() - started < 1000);
    assert.equal(await pending, 'failed');
  });

  it('applies a fault to the next `times` requests only', async () => {
    emulator.inject('token', { status: 503, body: { code: 'ServiceUnavailable', message: 'busy' }, times: 2 });
    assert.equal((await rawTokenRequest()).status, 503);
    assert.equal((await rawTokenRequest()).status, 503);
    assert.equal((await rawTokenRequest()).status, 200);
  });

  it('replaces the fault of an endpoint and leaves the others alone', async () => {
    emulator.inject('token', { status: 500 });
    emulator.inject('token', { status: 418 });
    emulator.inject('authorize', { status: 503, body: 'down' });
    assert.equal((await rawTokenRequest()).status, 418);
    assert.equal((await send(authorizeURL(emulator))).status, 503);
    const token = await accessTokenFor(emulator).catch(() => undefined);
    assert.equal(token, undefined, 'the token endpoint is still faulty');
    emulator.clearFaults();
    const profile = await fetchProfile(emulator, await accessTokenFor(emulator));
    assert.equal(profile.status, 200);
    assert.equal((await send(authorizeURL(emulator))).status, 200);
  });

  it('does not apply the authorize fault to the consent form', async () => {
    const form = await consentForm(emulator);
    emulator.inject('authorize', { kind: 'html' });
    const answer = await postConsent(emulator, form);
    emulator.clearFaults();
    assert.equal(answer.status, 302);
  });

  it('refuses an invalid fault', () => {
    const bad: [string, unknown, unknown][] = [
      ['endpoint', 'consent', {}],
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
    const form = await consentForm(emulator);
    await postConsent(emulator, form);
    await fetchProfile(emulator, await accessTokenFor(emulator));
    await send(`${emulator.url}/favicon.ico`);
    assert.deepEqual(emulator.counters.requests, {
      authorize: 1,
      consent: 1,
      token: 1,
      profile: 1,
      appToken: 0,
      userInfo: 0,
      userDetails: 0,
      getByUnionId: 0,
      client: 0,
      other: 1,
    });
    emulator.resetCounters();
    assert.deepEqual(emulator.counters, {
      requests: {
        authorize: 0,
        consent: 0,
        token: 0,
        profile: 0,
        appToken: 0,
        userInfo: 0,
        userDetails: 0,
        getByUnionId: 0,
        client: 0,
        other: 0,
      },
      connections: 0,
    });
  });

  it('counts one connection for two requests on a keep-alive agent', async () => {
    const emulator = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    after(() => agent.destroy());
    const first = await getWith(authorizeURL(emulator), agent);
    const second = await getWith(authorizeURL(emulator), agent);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(first.headers.connection, 'keep-alive');
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

  it('describes itself for a Strategy', async () => {
    const emulator = await start({ clientID: 'dingmyapp', clientSecret: 'my-secret' });
    assert.match(emulator.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(emulator.strategyOptions(), {
      clientID: 'dingmyapp',
      clientSecret: 'my-secret',
      authorizationURL: `${emulator.url}/oauth2/auth`,
      tokenURL: `${emulator.url}/v1.0/oauth2/userAccessToken`,
      userProfileURL: `${emulator.url}/v1.0/contact/users/me`,
    });
    assert.equal(emulator.users.length, 3);
    assert.ok(Object.isFrozen(emulator.users[0]));
  });

  it('uses the defaults the documentation promises', async () => {
    const emulator = await start();
    assert.equal(emulator.clientID, 'dingemulatorclientid');
    assert.equal(emulator.clientSecret, 'emulator-client-secret-change-me');
    assert.equal(
      emulator.users.some((user) => user.email === undefined),
      true,
    );
    assert.equal(
      emulator.users.some((user) => user.mobile === undefined),
      true,
    );
  });

  it('refuses codes it cannot issue', async () => {
    const emulator = await start();
    assert.throws(() => emulator.issueAuthCode({ unionId: 'nobody' }), /nobody/);
    assert.throws(() => emulator.issueAuthCode({ scope: 'openid,corpid' }), /commas/);
    assert.throws(() => emulator.issueAuthCode({ scope: 'openid corpid', corpId: 'dingemulatorcorp0003' }), TypeError);
    assert.throws(() => emulator.issueAuthCode({ corpId: 'dingemulatorcorp0001' }), /corpid/);
  });

  it('refuses invalid options', async () => {
    await assert.rejects(createDingTalkEmulator({ users: [] }), TypeError);
    await assert.rejects(createDingTalkEmulator({ redirectURIs: ['not a url'] }), TypeError);
    await assert.rejects(createDingTalkEmulator({ authCodeTTLSeconds: 0 }), TypeError);
    await assert.rejects(
      createDingTalkEmulator({
        users: [
          { unionId: 'same', openId: 'a', nick: 'A', organizations: [] },
          { unionId: 'same', openId: 'b', nick: 'B', organizations: [] },
        ],
      }),
      /same/,
    );
  });

  it('does not change when the caller changes its options afterwards', async () => {
    const users = [{ unionId: 'u1', openId: 'o1', nick: '赵六', organizations: [{ corpId: 'c1', name: 'C' }] }];
    const emulator = await start({ users });
    users[0] = { unionId: 'u2', openId: 'o2', nick: 'X', organizations: [] };
    const profile = await fetchProfile(emulator, await accessTokenFor(emulator));
    assert.equal(profile.json.unionId, 'u1');
    assert.equal(profile.json.nick, '赵六');
  });
});

describe('emulator: command line', () => {
  it('prints its URLs and strategy options, serves, and stops on SIGTERM', async () => {
    const cli = await startEmulatorCLI(['--port', '0']);
    const { output } = cli;
    const options = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1)) as Record<
      string,
      string
    >;
    assert.equal(options.clientID, 'dingemulatorclientid');
    assert.equal(options.clientSecret, 'emulator-client-secret-change-me');
    assert.match(options.authorizationURL ?? '', /^http:\/\/127\.0\.0\.1:\d+\/oauth2\/auth$/);
    const page = await send(authorizeURLFor(options));
    assert.equal(page.status, 200);
    assert.equal(await cli.stop(), 0);
  });

  it('--help names the installed command and lists every option the command line accepts', async () => {
    const root = join(__dirname, '..');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'lib/testing/cli.ts', '--help'],
      {
        cwd: root,
      },
    );
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

function authorizeURLFor(options: Record<string, string>): string {
  const params = new URLSearchParams({
    client_id: options.clientID ?? '',
    redirect_uri: callback,
    response_type: 'code',
    prompt: 'consent',
    scope: 'openid',
  });
  return `${options.authorizationURL}?${params}`;
}

describe('emulator: the kind of app, and the answers DingTalk does not publish', () => {
  const start = emulators();

  it('lets only members of the owning organization log in to an internal app', async () => {
    const emulator = await start({ app: { type: 'internal', corpId: 'dingemulatorcorp0002' } });
    // 李四 belongs to dingemulatorcorp0003 only.
    const outsider = await postConsent(
      emulator,
      await consentForm(emulator, {}, (radios) => radios.find((radio) => radio.unionId === 'union-lisi')),
    );
    assert.equal(outsider.status, 403);
    assert.match(outsider.text, /data-error="not_a_member"/);
    assert.equal(outsider.headers.get('location'), null, 'no code goes back to the app');
    assert.throws(() => emulator.issueAuthCode({ unionId: 'union-lisi' }), /not a member/);
    // 张三 belongs to two organizations: an internal app logs in to its own only.
    assert.throws(
      () => emulator.issueAuthCode({ scope: 'openid corpid', corpId: 'dingemulatorcorp0001' }),
      /its own organization/,
    );
    const page = await send(authorizeURL(emulator, { scope: 'openid corpid' }));
    const offered = accountRadios(page.text).filter((radio) => radio.unionId === 'union-zhangsan');
    assert.deepEqual(
      offered.map((radio) => radio.corpId),
      ['dingemulatorcorp0002'],
    );
    // 王五 belongs to it.
    const member = await postConsent(
      emulator,
      await consentForm(emulator, {}, (radios) => radios.find((radio) => radio.unionId === 'union-wangwu')),
    );
    assert.equal(member.status, 302);
    assert.match(member.headers.get('location') ?? '', /authCode=/);
  });

  it('masks the mobile number for a third-party enterprise app, and the strategy makes no phone number of it', async () => {
    const emulator = await start({ app: { type: 'third-party-enterprise' } });
    const token = (await exchangeCode(emulator, emulator.issueAuthCode())).json.accessToken as string;
    const me = await send(emulator.userProfileURL, { headers: { 'x-acs-dingtalk-access-token': token } });
    const json = JSON.parse(me.text) as { mobile?: string };
    assert.match(json.mobile ?? '', /^\d{3}\*{4}\d{4}$/);
    const strategy = new Strategy({ ...emulator.strategyOptions(), callbackURL: '/cb' }, (_a, _r, _p, done) =>
      done(null, {}),
    );
    const profile = await new Promise<{ phoneNumbers?: unknown }>((resolve, reject) =>
      strategy.userProfile(token, (err, value) => (err ? reject(err) : resolve(value as { phoneNumbers?: unknown }))),
    );
    assert.equal(profile.phoneNumbers, undefined);
  });

  it('refuses app and answer options that could not be DingTalk’s', async () => {
    const bad: DingTalkEmulatorOptions[] = [
      { app: { type: 'internal', corpId: ' ' } },
      { app: { type: 'internal', corpId: 'dingnobody' } },
      { app: { type: 'login', corpId: 'dingx' } as never },
      { app: { type: 'personal' } as never },
      { cancelError: ' ' },
      { usedCodeError: 'a b\n' },
    ];
    for (const options of bad) {
      await assert.rejects(async () => createDingTalkEmulator(options), TypeError, JSON.stringify(options));
    }
  });

  it('answers Cancel and a used code with the values a test chooses', async () => {
    const emulator = await start({ cancelError: 'user_cancelled', usedCodeError: 'invalidCode' });
    const cancelled = await postConsent(emulator, await consentForm(emulator), 'cancel');
    assert.match(cancelled.headers.get('location') ?? '', /[?&]error=user_cancelled&state=state-1$/);
    const code = emulator.issueAuthCode();
    assert.equal((await exchangeCode(emulator, code)).status, 200);
    const again = await exchangeCode(emulator, code);
    assert.equal(again.status, 400);
    assert.equal(again.json.code, 'invalidCode');
    assert.equal(again.json.message, '不合法的临时授权码');
  });
});
