import { createHash } from 'node:crypto';

import { AppTokenCache } from './app-token-cache';

// One cache per app and token endpoint in the process, so that a browser Strategy with
// memberLookup and an InAppStrategy of the same app (or two copies of one) share one token and
// one renewal. Weakly held: a cache goes once no strategy uses it, so a test suite that makes
// strategies against many emulators keeps no cache per emulator.
const caches = new Map<string, WeakRef<AppTokenCache>>();
const forgetCollected = new FinalizationRegistry<string>((key) => {
  if (caches.get(key)?.deref() === undefined) caches.delete(key);
});

/**
 * The app token cache of the app `clientID` at `accessTokenURL`. The secret is part of the key (a
 * rotated secret gets its own token) only as a hash, so the registry holds no copy of it. The URL
 * is part of the key because emulators come and go on reused ports.
 */
export function appTokenCacheFor(clientID: string, clientSecret: string, accessTokenURL: URL): AppTokenCache {
  const key = createHash('sha256').update(`${clientID}\0${clientSecret}\0${accessTokenURL.href}`).digest('base64');
  const held = caches.get(key)?.deref();
  if (held) return held;
  const cache = new AppTokenCache();
  caches.set(key, new WeakRef(cache));
  forgetCollected.register(cache, key);
  return cache;
}
