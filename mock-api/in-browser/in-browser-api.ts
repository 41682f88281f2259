import { createServices, mockApiApp, type MockApi } from '../app.ts';
import { mockApiConfig, type MockApiConfig } from '../config.ts';
import { parseSnapshot } from '../snapshot.ts';
import { CookieJar, type CookieStore } from './cookie-jar.ts';
import { cookieJarMiddleware } from './cookie-jar-middleware.ts';
import { idbCookieStore, idbStateStore } from './idb-stores.ts';
import { persistState, type StateStore } from './persist-state.ts';

/**
 * PBKDF2 iterations of the in-browser API's demo users. The server's 600,000 (OWASP) cost 130 to
 * 420 ms per hash in Chromium on a 2-CPU machine, and a worker start hashes three (two users and
 * the dummy for unknown names): a sign-in took 5 to 6 s, the first request after a worker stop 3.5
 * to 6 s. The demo's passwords ship in its bundle, so the hash protects nothing here; the same
 * code runs with a cost the browser does not notice.
 */
export const IN_BROWSER_PBKDF2_ITERATIONS = 10_000;

/** Options of {@link createInBrowserApi}; by default the contract's settings (but PBKDF2's cost) and IndexedDB. */
export interface InBrowserApiOptions {
  config?: Partial<MockApiConfig>;
  state?: StateStore;
  cookies?: CookieStore;
}

/** The mock API as a service worker runs it: `fetch(request)` answers like the server would. */
export interface InBrowserApi {
  fetch(request: Request): Promise<Response>;
}

/**
 * The mock API inside a service worker, for the in-browser demo: the same Hono app as the
 * server's, with a cookie jar in front (a worker's own answers cannot set cookies) and its state
 * restored from a StateStore at the first request and stored after every change (the browser
 * stops idle workers). Built on first use, so a worker that never calls the API pays nothing.
 *
 * @example
 * const api = createInBrowserApi();
 * const response = await api.fetch(new Request(`${origin}/auth/login`, { method: 'POST', ... }));
 */
export function createInBrowserApi(options: InBrowserApiOptions = {}): InBrowserApi {
  const state = options.state ?? idbStateStore();
  const cookies = options.cookies ?? idbCookieStore();
  let app: Promise<MockApi> | undefined;

  async function start(): Promise<MockApi> {
    const config = mockApiConfig({ pbkdf2Iterations: IN_BROWSER_PBKDF2_ITERATIONS, ...options.config });
    const services = await createServices(config, parseSnapshot(await state.load()));
    const jar = new CookieJar(cookies, config.now);
    return mockApiApp(services, { middleware: [cookieJarMiddleware(jar), persistState(services, state)] });
  }

  return {
    async fetch(request) {
      // A start that failed (storage unavailable) is tried again with the next request.
      app ??= start().catch((error: unknown) => {
        app = undefined;
        throw error;
      });
      return (await app).fetch(request);
    },
  };
}
