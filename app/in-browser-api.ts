/// <reference lib="webworker" />
import type { BrokerDeps } from 'sw-token-broker/worker';
import { API_PATH } from '../mock-api/app.ts';
import { createInBrowserApi } from '../mock-api/in-browser/in-browser-api.ts';

/**
 * The broker's outside world for the in-browser demo (`npm run build:demo`): its transport hands
 * this origin's API requests (/auth/, /api/, /.well-known/) to the mock API running in this
 * worker instead of the network, and it counts as online whatever `navigator.onLine` says,
 * since that API needs no network. Everything else still goes to `fetch`.
 */
export function inBrowserApiDeps(origin: string): Pick<BrokerDeps<unknown>, 'transport' | 'online'> {
  const api = createInBrowserApi();
  return {
    transport: (request) => {
      const url = new URL(request.url);
      return url.origin === origin && API_PATH.test(url.pathname) ? api.fetch(request) : fetch(request);
    },
    online: () => true,
  };
}
