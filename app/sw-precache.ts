/// <reference lib="webworker" />
// The demo's precache guard: the worker serves only the build's bytes, and navigations with the server's headers.
import { addPlugins, getCacheKeyForURL, type PrecacheEntry } from 'workbox-precaching';
import { precacheIntegrity } from 'sw-token-broker/worker';

/** The headers the server sends with the document (mock-api/security-headers.ts), defined into sw.js by vite.config.ts. */
declare const __DOCUMENT_HEADERS__: Record<string, string>;

/**
 * Returns the manifest to precache, having told the precache to check every response against the
 * build's SRI digests before it is served (a copy page script rewrote is replaced from the
 * network), and to serve navigations with the server's CSP and hardening headers whatever the
 * cached copy says, also on a static host.
 */
export function verifiedPrecache<Entry extends string | PrecacheEntry>(manifest: Entry[]): Entry[] {
  // The dev server's worker precaches a bare index.html: there is no build to check it against.
  // VITE_PRECACHE_INTEGRITY=off leaves the check out, only so that the benchmark can compare.
  if (import.meta.env.PROD && import.meta.env.VITE_PRECACHE_INTEGRITY !== 'off') {
    addPlugins([precacheIntegrity({ manifest, cacheKeyFor: getCacheKeyForURL, documentHeaders: __DOCUMENT_HEADERS__ })]);
  }
  return manifest;
}
