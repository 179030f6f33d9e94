import { createHash } from 'node:crypto';

import type { FetchFunction } from '../api/http';
import { AppTokenCache } from './app-token-cache';

// One cache per app, token endpoint and fetch in the process, so that a browser Strategy with
// memberLookup and an InAppStrategy of the same app (or two copies of one) share one token and
// one renewal. Per fetch: every strategy on the bundled node-fetch shares, while a test's stubbed
// fetch never sees a token another test's stub handed out. Weakly held: a cache goes once no
// strategy uses it, so a test suite that makes strategies against many emulators keeps none.
const cachesByFetch = new WeakMap<FetchFunction, Map<string, WeakRef<AppTokenCache>>>();
const forgetCollected = new FinalizationRegistry<{ caches: Map<string, WeakRef<AppTokenCache>>; key: string }>(
  ({ caches, key }) => {
    if (caches.get(key)?.deref() === undefined) caches.delete(key);
  },
);

/**
 * The app token cache of the app `clientID` at `accessTokenURL`, reached through `fetch`. The
 * secret is part of the key (a rotated secret gets its own token) only as a hash, so the registry
 * holds no copy of it. The URL is part of the key because emulators come and go on reused ports.
 */
export function appTokenCacheFor(
  clientID: string,
  clientSecret: string,
  accessTokenURL: URL,
  fetch: FetchFunction,
): AppTokenCache {
  let caches = cachesByFetch.get(fetch);
  if (!caches) {
    caches = new Map();
    cachesByFetch.set(fetch, caches);
  }
  // JSON keeps the parts apart whatever they contain.
  const key = createHash('sha256')
    .update(JSON.stringify([clientID, clientSecret, accessTokenURL.href]))
    .digest('base64');
  const held = caches.get(key)?.deref();
  if (held) return held;
  const cache = new AppTokenCache();
  caches.set(key, new WeakRef(cache));
  forgetCollected.register(cache, { caches, key });
  return cache;
}
