/// <reference lib="webworker" />
// The demo's service worker: the broker's options, plus the precached app shell.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { createTokenBroker } from 'sw-token-broker/worker';
import { demoAdapter } from './sw-auth.ts';
import { verifiedPrecache } from './sw-precache.ts';
import { precacheStaticRouting } from './sw-static-routing.ts';
import { parseUser } from './user.ts';
import { inBrowserApiDeps } from './in-browser-api.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | PrecacheEntry)[] };

// The in-browser demo (npm run build:demo) answers the API inside this worker; other builds drop it.
const inBrowserApi = import.meta.env.VITE_IN_BROWSER_DEMO ? inBrowserApiDeps(self.location.origin) : {};

const precache = verifiedPrecache(self.__WB_MANIFEST); // the build's bytes only, and the server's headers on navigations

const broker = createTokenBroker(
  {
    adapter: demoAdapter(self.location.origin), // this origin's cookie contract, or an OpenID Provider (VITE_OIDC_ISSUER)
    allowlist: ['/api/'],
    brokerOnly: ['/auth/'], // pages may call nothing under /auth/
    parseUser,
    offlineQueue: ['POST /api/todos'], // a todo added offline waits in the worker and is sent once the network is back
    dpop: import.meta.env.VITE_DPOP !== 'off', // VITE_DPOP=off builds a Bearer-only worker (the benchmark compares both)
  },
  inBrowserApi,
).install(self, {
  staticRouting: precacheStaticRouting(precache, self.location.href), // only the API, /auth/, navigations and the precache wake this worker
}); // before the routes below: the broker's requests never go through them

precacheAndRoute(precache);
cleanupOutdatedCaches();
if (import.meta.env.PROD) {
  const denylist = [...broker.navigationDenylist, /^\/__mock\//, /^\/\.well-known\//];
  registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist }));
}
