// example/in-client.js, the in-client login (钉钉内免登) in one file, against the DingTalk emulator over
// real HTTP on 127.0.0.1: the codes come from the emulated client the way its dd.js asks for them.
const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');
const request = require('supertest');
const { start } = require('./in-client');

const inAppPath = '/auth/dingtalk/in-app';

/** What the page at / hands its script: the corpId and clientId for dd.requestAuthCode, where to post. */
async function pageConfig(url) {
  const home = await request(url).get('/');
  const json = /<script type="application\/json" id="dingtalk-config">([^<]*)<\/script>/.exec(home.text)?.[1];
  assert.ok(json, home.text);
  return JSON.parse(json);
}

/** A code (免登码) from the emulated client, asked for as its dd.requestAuthCode does: a text/plain POST. */
async function inClientCode(app) {
  const { corpId, clientId } = await pageConfig(app.url);
  const response = await fetch(`${app.emulator.url}/emulator/client/auth-code`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ corpId, clientId }),
  });
  const answer = await response.json();
  assert.equal(response.status, 200, JSON.stringify(answer));
  return answer.code;
}

describe('example/in-client.js with the emulator', () => {
  let app;

  before(async () => {
    app = await start({ port: 0, host: '127.0.0.1', env: {} });
    assert.ok(app.emulator, 'without DINGTALK_CLIENT_ID it starts the emulator');
  });
  after(() => app?.close());

  it('serves a page that loads the emulator dd.js with a plain <script src>, and needs no bundler', async () => {
    const home = await request(app.url).get('/');
    assert.equal(home.status, 200);
    assert.ok(home.text.includes(`<script src="${app.emulator.ddScriptURL}"></script>`), home.text);
    assert.doesNotMatch(home.text, /\bimport\b|dingtalk-jsapi|type="module"|g\.alicdn\.com/);
    const { corpId, clientID } = app.emulator.inAppStrategyOptions();
    assert.deepEqual(await pageConfig(app.url), { corpId, clientId: clientID, inAppPath });
    assert.match(home.text, /dd\.requestAuthCode\(\{ corpId: config\.corpId, clientId: config\.clientId \}\)/);
  });

  it('logs the member signed in to the client in with the code the page posts, and / then shows them', async () => {
    const browser = request.agent(app.url);
    const code = await inClientCode(app);
    const login = await browser.post(inAppPath).send({ code });
    assert.equal(login.status, 200, login.text);
    assert.deepEqual(login.body, { user: { id: 'union-zhangsan', name: '张三' } });
    const [cookie] = login.headers['set-cookie'];
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);

    const home = await browser.get('/?logged-in');
    assert.match(home.text, /<p id="user">Hello, 张三 \(union-zhangsan\)<\/p>/);
    assert.doesNotMatch(home.text, /requestAuthCode/);

    const logout = await browser.post('/logout');
    assert.equal(logout.status, 302);
    // Logged out: no silent login straight back, a link to sign in again.
    assert.equal(logout.headers.location, '/?logged-out');
    const loggedOut = await browser.get('/?logged-out');
    assert.match(loggedOut.text, /Logged out\. <a href="\/">Sign in again<\/a>/);
    assert.doesNotMatch(loggedOut.text, /<script/);
    assert.doesNotMatch((await browser.get('/')).text, /Hello/);
  });

  it('stores no session for a logout by someone not logged in', async () => {
    // passport's logout saves a fresh session: anonymous posts would pile them up in the store.
    const logout = await request(app.url).post('/logout');
    assert.equal(logout.status, 302);
    assert.equal(logout.headers.location, '/?logged-out');
    assert.equal(logout.headers['set-cookie'], undefined);
  });

  it('refuses a used code, and one that is not a code, with 401 and the reason as JSON', async () => {
    const code = await inClientCode(app);
    assert.equal((await request(app.url).post(inAppPath).send({ code })).status, 200);
    for (const again of [code, 'not-an-in-client-code']) {
      const refused = await request(app.url).post(inAppPath).send({ code: again });
      assert.equal(refused.status, 401, refused.text);
      assert.equal(refused.body.reason, 'code_rejected');
      assert.match(refused.body.message, /40078/);
    }
  });

  it('answers a broken or missing body with 400 malformed_request, and more than 1 kB with 413', async () => {
    const post = () => request(app.url).post(inAppPath);
    for (const [answer, status] of [
      [post().set('content-type', 'application/json').send('{"code":'), 400],
      [post().type('form').send({ code: 'abc' }), 400],
      [post().send({ code: 'x'.repeat(2000) }), 413],
    ]) {
      const { status: got, body } = await answer;
      assert.deepEqual([got, body.reason], [status, 'malformed_request']);
    }
  });

  it('answers a page after a login whose session cookie was lost, instead of logging in again', async () => {
    const home = await request(app.url).get('/?logged-in');
    assert.match(home.text, /did not keep the session cookie\. <a href="\/">Try again<\/a>/);
    assert.doesNotMatch(home.text, /<script/);
  });
});

describe('example/in-client.js settings', () => {
  const real = {
    DINGTALK_CLIENT_ID: 'dingrealclientid',
    DINGTALK_CLIENT_SECRET: 'real-client-secret',
    DINGTALK_CORP_ID: 'ding0123456789abcdef',
    SESSION_SECRET: 'a session secret of the app',
  };

  for (const missing of ['DINGTALK_CLIENT_SECRET', 'DINGTALK_CORP_ID', 'SESSION_SECRET']) {
    it(`names ${missing} when DINGTALK_CLIENT_ID is set without it`, async () => {
      const env = { ...real, [missing]: '' };
      await assert.rejects(start({ port: 0, env }), {
        message: `${missing} must be set when DINGTALK_CLIENT_ID is set`,
      });
    });
  }

  it('loads DingTalk’s own dingtalk.open.js with the real settings, and starts no emulator', async () => {
    const app = await start({ port: 0, env: real });
    try {
      assert.equal(app.emulator, undefined);
      const home = await request(app.url).get('/');
      assert.match(
        home.text,
        /<script src="https:\/\/g\.alicdn\.com\/dingding\/dingtalk-jsapi\/3\.1\.0\/dingtalk\.open\.js"><\/script>/,
      );
      assert.match(home.text, /"corpId":"ding0123456789abcdef","clientId":"dingrealclientid"/);
    } finally {
      await app.close();
    }
  });
});
