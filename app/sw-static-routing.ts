// The demo's static routing: the precached files stay the worker's, so every read of them is checked.
import type { PrecacheEntry } from 'workbox-precaching';

/**
 * The `staticRouting` install option for the demo's worker: besides the API, the token endpoints
 * and navigations, every precached file (as a path on this origin, `base` being the worker's URL)
 * goes through the worker, whose precache checks each read against the build (sw-precache.ts); the
 * browser's own `cache` source would serve a rewritten copy unchecked. Anything else skips the
 * worker. VITE_STATIC_ROUTING=off leaves static routing out, only so that the benchmark can compare.
 */
export function precacheStaticRouting(manifest: readonly (string | PrecacheEntry)[], base: string): false | { workerHandles: string[] } {
  if (import.meta.env.VITE_STATIC_ROUTING === 'off') return false;
  return { workerHandles: manifest.map((entry) => new URL(typeof entry === 'string' ? entry : entry.url, base).pathname) };
}
