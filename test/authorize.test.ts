import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { DingTalkEmulator } from '../lib/testing/index';
import { startLogin, type TestAppOptions } from './helpers/app';
import { emulatedApps } from './helpers/emulated-apps';

describe('the authorize redirect', () => {
  const suite = emulatedApps();
  const app = (login: TestAppOptions['login'] = {}, strategy = {}) =>
    suite.app({ callbackURL: 'http://127.0.0.1:3000/auth/callback?from=a b', ...strategy }, { login });
  let emulator: DingTalkEmulator;
  beforeEach(() => {
    emulator = suite.emulator;
  });

  it('sends the browser to the authorizationURL with every parameter DingTalk requires', async () => {
    const location = await startLogin((await app()).browser());
    assert.equal(`${location.origin}${location.pathname}`, emulator.authorizationURL);
    const params = location.searchParams;
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('prompt'), 'consent');
    assert.equal(params.get('client_id'), emulator.clientID);
    assert.equal(params.get('scope'), 'openid');
    assert.match(params.get('state') ?? '', /^[A-Za-z0-9]{16,}$/);
  });

  it('encodes redirect_uri exactly once', async () => {
    const location = await startLogin((await app()).browser());
    assert.equal(location.searchParams.get('redirect_uri'), 'http://127.0.0.1:3000/auth/callback?from=a b');
    assert.match(location.search, /redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A3000%2Fauth%2Fcallback%3Ffrom%3Da%20b/);
  });

  it('joins several scopes with a space, encoded as %20', async () => {
    const location = await startLogin((await app({}, { scope: ['openid', 'corpid'] })).browser());
    assert.equal(location.searchParams.get('scope'), 'openid corpid');
    assert.match(location.search, /scope=openid%20corpid/);
  });

  it('takes scope, state, prompt, corpId, orgType and exclusive login from the route options', async () => {
    const location = await startLogin(
      (
        await app({
          scope: 'openid corpid',
          state: 'fixed-state',
          prompt: 'consent',
          corpId: 'dingA',
          orgType: 'management',
          exclusiveLogin: true,
          exclusiveCorpId: 'dingB',
        })
      ).browser(),
    );
    const params = location.searchParams;
    assert.equal(params.get('scope'), 'openid corpid');
    assert.equal(params.get('state'), 'fixed-state');
    assert.equal(params.get('corpId'), 'dingA');
    assert.equal(params.get('org_type'), 'management');
    assert.equal(params.get('exclusiveLogin'), 'true');
    assert.equal(params.get('exclusiveCorpId'), 'dingB');
  });

  it('generates a new state for every login, never reusing the first one', async () => {
    const started = await app({ corpId: 'dingA' });
    const states = new Set<string | null>();
    for (let i = 0; i < 3; i++) states.add((await startLogin(started.browser())).searchParams.get('state'));
    const sameBrowser = started.browser();
    states.add((await startLogin(sameBrowser)).searchParams.get('state'));
    states.add((await startLogin(sameBrowser)).searchParams.get('state'));
    assert.equal(states.size, 5);
  });

  it('cannot be steered to another host by the query string', async () => {
    const started = await app();
    const location = await startLogin(
      started.browser(),
      '/login?authorizationURL=https://evil.example/&redirect_uri=https://evil.example/&client_id=x',
    );
    assert.equal(`${location.origin}${location.pathname}`, emulator.authorizationURL);
    assert.equal(location.searchParams.getAll('redirect_uri').length, 1);
    assert.equal(location.searchParams.get('redirect_uri'), 'http://127.0.0.1:3000/auth/callback?from=a b');
    assert.equal(location.searchParams.get('client_id'), emulator.clientID);
  });

  it('resolves a relative callbackURL against the request host', async () => {
    const started = await app({}, { callbackURL: '/auth/callback' });
    const location = await startLogin(started.browser());
    assert.equal(location.searchParams.get('redirect_uri'), `${started.url}/auth/callback`);
  });

  it('resolves a relative callbackURL to https behind a proxy the Express app trusts', async () => {
    const started = await app({}, { callbackURL: '/auth/callback' });
    const browser = started.browser();
    const untrusted = await browser.get('/login').set('X-Forwarded-Proto', 'https').redirects(0);
    assert.match(new URL(untrusted.headers.location as string).searchParams.get('redirect_uri') ?? '', /^http:/);
    started.expressApp.set('trust proxy', true);
    const trusted = await browser.get('/login').set('X-Forwarded-Proto', 'https').redirects(0);
    const host = new URL(started.url).host;
    assert.equal(
      new URL(trusted.headers.location as string).searchParams.get('redirect_uri'),
      `https://${host}/auth/callback`,
    );
  });

  it('keeps passport-oauth2’s behaviour when the proxy option is set', async () => {
    const started = await app({}, { callbackURL: '/auth/callback', proxy: true });
    const response = await started.browser().get('/login').set('X-Forwarded-Proto', 'https').redirects(0);
    assert.match(new URL(response.headers.location as string).searchParams.get('redirect_uri') ?? '', /^https:/);
  });

  it('takes the host the browser used from X-Forwarded-Host behind a trusted proxy', async () => {
    const started = await app({}, { callbackURL: '/auth/callback' });
    started.expressApp.set('trust proxy', true);
    const response = await started
      .browser()
      .get('/login')
      .set('X-Forwarded-Proto', 'https')
      .set('X-Forwarded-Host', 'app.example.com, internal.lb')
      .redirects(0);
    const redirectURI = new URL(response.headers.location as string).searchParams.get('redirect_uri');
    assert.equal(redirectURI, 'https://app.example.com/auth/callback');
  });

  it('ignores X-Forwarded-* headers when no proxy is trusted', async () => {
    const started = await app({}, { callbackURL: '/auth/callback' });
    const response = await started
      .browser()
      .get('/login')
      .set('X-Forwarded-Proto', 'https')
      .set('X-Forwarded-Host', 'evil.example')
      .redirects(0);
    const redirectURI = new URL(response.headers.location as string).searchParams.get('redirect_uri');
    assert.equal(redirectURI, `${started.url}/auth/callback`);
  });
});
