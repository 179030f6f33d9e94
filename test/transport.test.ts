import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { beforeEach, describe, it } from 'node:test';
import nodeFetch from 'node-fetch';
import type { FetchFunction } from '../lib/index';
import type { DingTalkEmulator } from '../lib/testing/index';
import type { TestApp } from './helpers/app';
import { emulatedApps } from './helpers/emulated-apps';

describe('requests to DingTalk', () => {
  const suite = emulatedApps();
  const app = (strategy: object = {}) => suite.app({ state: false, ...strategy });
  let emulator: DingTalkEmulator;
  beforeEach(() => {
    emulator = suite.emulator;
  });
  const logIn = (started: TestApp) =>
    started.browser().get('/callback').query({ authCode: emulator.issueAuthCode() }).expect(200);

  it('reuses the keep-alive connection across logins', async () => {
    const started = await app();
    for (let i = 0; i < 10; i++) await logIn(started);
    assert.equal(emulator.counters.requests.token, 10);
    assert.equal(emulator.counters.requests.profile, 10);
    assert.equal(emulator.counters.connections, 1);
  });

  it('posts the token request as JSON and sends the access token in x-acs-dingtalk-access-token', async () => {
    const seen: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
    const recording: FetchFunction = (url, init) => {
      seen.push({ url, method: init.method, headers: init.headers, ...(init.body ? { body: init.body } : {}) });
      return nodeFetch(url, init as never) as never;
    };
    const started = await app({ fetch: recording });
    const response = await logIn(started);
    assert.equal(seen.length, 2);
    const [token, profile] = seen;
    assert.equal(token?.url, emulator.tokenURL);
    assert.equal(token?.method, 'POST');
    assert.equal(token?.headers['content-type'], 'application/json');
    assert.deepEqual(Object.keys(JSON.parse(token?.body ?? '{}')).sort(), [
      'clientId',
      'clientSecret',
      'code',
      'grantType',
    ]);
    assert.equal(JSON.parse(token?.body ?? '{}').grantType, 'authorization_code');
    assert.equal(profile?.url, emulator.userProfileURL);
    assert.equal(profile?.method, 'GET');
    assert.equal(profile?.headers['x-acs-dingtalk-access-token'], response.body.user.accessToken);
  });

  it('works with Node’s global fetch as the fetch option', async () => {
    const started = await app({ fetch: globalThis.fetch as unknown as FetchFunction });
    const response = await logIn(started);
    assert.equal(response.body.user.profile.id, emulator.users[0]?.unionId);
  });

  it('sends every request through the agent option', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let created = 0;
    const createConnection = agent.createConnection.bind(agent);
    agent.createConnection = ((...args: Parameters<typeof createConnection>) => {
      created++;
      return createConnection(...args);
    }) as typeof agent.createConnection;
    try {
      const started = await app({ agent });
      await logIn(started);
      await logIn(started);
      assert.equal(created, 1);
      assert.equal(emulator.counters.connections, 1);
    } finally {
      agent.destroy();
    }
  });
});
