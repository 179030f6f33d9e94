import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FetchFunction } from '../lib/index';
import { type AppToken, AppTokenCache } from '../lib/organization/app-token-cache';
import { appTokenCacheFor } from '../lib/organization/app-token-registry';

/** A cache and the one token endpoint every login of these tests fetches from. */
function tokenCache(fetchToken: () => Promise<AppToken>, now?: () => number) {
  const cache = new AppTokenCache(now);
  return { get: () => cache.get(fetchToken), forget: (token: string) => cache.forget(token) };
}
type TokenCache = ReturnType<typeof tokenCache>;

describe('AppTokenCache', () => {
  it('asks once for any number of concurrent logins, then reuses the token', async () => {
    let requests = 0;
    let release: (token: { accessToken: string; expireIn: number }) => void = () => {};
    const cache = tokenCache(() => {
      requests += 1;
      return new Promise((resolve) => {
        release = resolve;
      });
    });
    const waiting = Array.from({ length: 100 }, () => cache.get());
    release({ accessToken: 'app-token-1', expireIn: 7200 });
    assert.deepEqual(new Set(await Promise.all(waiting)), new Set(['app-token-1']));
    assert.equal(await cache.get(), 'app-token-1');
    assert.equal(requests, 1);
  });

  it('renews ten minutes before expiry, and halfway through a short-lived token', async () => {
    let now = 1_000_000;
    let issued = 0;
    let lifetime = 7200;
    const cache = tokenCache(
      async () => ({ accessToken: `app-token-${++issued}`, expireIn: lifetime }),
      () => now,
    );
    assert.equal(await cache.get(), 'app-token-1');
    now += (7200 - 600) * 1000 - 1;
    assert.equal(await cache.get(), 'app-token-1');
    assert.equal(issued, 1);
    now += 1;
    const renewing = cache.get();
    assert.equal(issued, 2, 'renewed ten minutes before expiry');
    await renewing;
    await settled();
    assert.equal(await cache.get(), 'app-token-2');
    lifetime = 60;
    now += 7200 * 1000;
    assert.equal(await cache.get(), 'app-token-3', 'an expired token is not used');
    now += 29_999;
    assert.equal(await cache.get(), 'app-token-3');
    assert.equal(issued, 3);
    now += 1;
    await cache.get();
    assert.equal(issued, 4, 'renewed halfway through');
    await settled();
    assert.equal(await cache.get(), 'app-token-4');
  });

  /** A token endpoint whose answers the test gives, one by one, while logins wait for them. */
  function controlledEndpoint() {
    const answers: Array<{ resolve(token: { accessToken: string; expireIn: number }): void; reject(e: Error): void }> =
      [];
    const fetchToken = () =>
      new Promise<{ accessToken: string; expireIn: number }>((resolve, reject) => {
        answers.push({ resolve, reject });
      });
    const last = () => {
      const answer = answers.at(-1);
      assert.ok(answer, 'a request was made');
      return answer;
    };
    return {
      fetchToken,
      get requests() {
        return answers.length;
      },
      succeed: (accessToken: string, expireIn = 7200) => last().resolve({ accessToken, expireIn }),
      fail: () => last().reject(new Error('403 QPS limit')),
    };
  }
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  const logins = (cache: TokenCache, n = 50) => Promise.all(Array.from({ length: n }, () => cache.get()));
  /** `tokens`, which must not wait for the token endpoint. */
  const without = <T>(tokens: Promise<T>) =>
    Promise.race([
      tokens,
      settled().then(() => {
        throw new Error('the logins wait for the token endpoint');
      }),
    ]);

  it('keeps the valid token when its renewal fails, with one renewal for all logins and none again for 5 s', async () => {
    let now = 1_000_000;
    const endpoint = controlledEndpoint();
    const cache = tokenCache(endpoint.fetchToken, () => now);
    const first = cache.get();
    endpoint.succeed('app-token-1');
    assert.equal(await first, 'app-token-1');

    now += (7200 - 600) * 1000;
    const duringRenewal = logins(cache);
    assert.equal(endpoint.requests, 2, 'one renewal for all the logins');
    endpoint.fail();
    assert.deepEqual(new Set(await duringRenewal), new Set(['app-token-1']));
    await settled();
    assert.deepEqual(new Set(await without(logins(cache))), new Set(['app-token-1']));
    now += 4_999;
    assert.deepEqual(new Set(await without(logins(cache))), new Set(['app-token-1']));
    assert.equal(endpoint.requests, 2, 'no renewal sooner than 5 s after the failure');

    now += 1;
    // A login in the window goes on with the valid token; it does not wait for the renewal.
    assert.deepEqual(new Set(await without(logins(cache))), new Set(['app-token-1']));
    assert.equal(endpoint.requests, 3, 'one renewal 5 s after the failure');
    endpoint.succeed('app-token-2');
    await settled();
    assert.deepEqual(new Set(await logins(cache)), new Set(['app-token-2']));
    assert.equal(endpoint.requests, 3);
  });

  it('after expiry, fetches at once, even 5 s after a failed renewal, and fails without caching it', async () => {
    let now = 1_000_000;
    const endpoint = controlledEndpoint();
    const cache = tokenCache(endpoint.fetchToken, () => now);
    const first = cache.get();
    endpoint.succeed('app-token-1', 60);
    await first;
    now += 59_999;
    const lastValid = cache.get();
    endpoint.fail();
    assert.equal(await lastValid, 'app-token-1', 'valid for another millisecond');
    await settled();

    now += 1;
    const expired = logins(cache);
    assert.equal(endpoint.requests, 3, 'the expired token is replaced at once, by one request');
    endpoint.fail();
    await assert.rejects(expired, /403 QPS limit/);
    const next = cache.get();
    assert.equal(endpoint.requests, 4, 'the failure is not cached');
    endpoint.succeed('app-token-2');
    assert.equal(await next, 'app-token-2');
  });

  it('after forget, fetches at once, even 5 s after a failed renewal, and fails without caching it', async () => {
    let now = 1_000_000;
    const endpoint = controlledEndpoint();
    const cache = tokenCache(endpoint.fetchToken, () => now);
    const first = cache.get();
    endpoint.succeed('app-token-1');
    await first;
    now += (7200 - 600) * 1000;
    const renewing = cache.get();
    endpoint.fail();
    assert.equal(await renewing, 'app-token-1');
    await settled();

    cache.forget('app-token-1');
    const refused = logins(cache);
    assert.equal(endpoint.requests, 3, 'the refused token is replaced at once, by one request');
    endpoint.fail();
    await assert.rejects(refused, /403 QPS limit/);
    const next = cache.get();
    assert.equal(endpoint.requests, 4, 'the failure is not cached');
    endpoint.succeed('app-token-2');
    assert.equal(await next, 'app-token-2');
  });

  it('does not cache a failure, even one thrown synchronously', async () => {
    let attempt = 0;
    const cache = tokenCache(() => {
      attempt += 1;
      if (attempt === 1) throw new Error('DingTalk is down');
      return Promise.resolve({ accessToken: 'app-token-ok', expireIn: 7200 });
    });
    await assert.rejects(cache.get(), /DingTalk is down/);
    assert.equal(await cache.get(), 'app-token-ok');
  });

  it('forgets a refused token but keeps one fetched since', async () => {
    let issued = 0;
    const cache = tokenCache(async () => ({ accessToken: `app-token-${++issued}`, expireIn: 7200 }));
    assert.equal(await cache.get(), 'app-token-1');
    cache.forget('app-token-1');
    assert.equal(await cache.get(), 'app-token-2');
    cache.forget('app-token-1');
    assert.equal(await cache.get(), 'app-token-2');
  });
});

describe('appTokenCacheFor', () => {
  const url = new URL('https://api.dingtalk.com/v1.0/oauth2/accessToken');
  const fetch: FetchFunction = async () => {
    throw new Error('not called');
  };

  it('gives strategies of the same app, token endpoint and fetch one cache, and anything else its own', () => {
    const cache = appTokenCacheFor('dingclient', 'secret-1', url, fetch);
    assert.equal(appTokenCacheFor('dingclient', 'secret-1', new URL(url.href), fetch), cache);
    assert.notEqual(appTokenCacheFor('dingclient', 'secret-2', url, fetch), cache, 'another secret');
    assert.notEqual(appTokenCacheFor('dingother', 'secret-1', url, fetch), cache, 'another app');
    assert.notEqual(
      appTokenCacheFor('dingclient', 'secret-1', new URL('http://127.0.0.1:4000/v1.0/oauth2/accessToken'), fetch),
      cache,
      'another token endpoint (an emulator)',
    );
    const stub: FetchFunction = async () => {
      throw new Error('not called');
    };
    assert.notEqual(appTokenCacheFor('dingclient', 'secret-1', url, stub), cache, 'another fetch (a test’s stub)');
    // Parts that would run together in a plain concatenation are still two apps.
    assert.notEqual(appTokenCacheFor('a\0b', 'c-secret', url, fetch), appTokenCacheFor('a', 'b\0c-secret', url, fetch));
  });

  it('fetches with the fetch of the login that found no token, not the first one ever given', async () => {
    const cache = new AppTokenCache();
    const asked: string[] = [];
    const fetchFrom = (who: string) => async () => {
      asked.push(who);
      return { accessToken: `token-from-${who}`, expireIn: 7200 };
    };
    assert.equal(await cache.get(fetchFrom('first')), 'token-from-first');
    assert.equal(await cache.get(fetchFrom('second')), 'token-from-first', 'the cached token is shared');
    cache.forget('token-from-first');
    assert.equal(await cache.get(fetchFrom('second')), 'token-from-second');
    assert.deepEqual(asked, ['first', 'second']);
  });
});
