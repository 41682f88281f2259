import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { createServices, type Services } from '../../mock-api/app.ts';
import { mockApiConfig } from '../../mock-api/config.ts';
import { nodeMockApiApp } from '../../mock-api/node-app.ts';
import { DIST } from '../../mock-api/node-config.ts';
import { serveOnFreePort, type RunningServer } from '../fixtures/serve-on-free-port.ts';

const PAGES = fileURLToPath(new URL('./pages', import.meta.url));

/** One origin of the benchmark: its URL and the mock API state behind it. */
export interface Origin {
  url: string;
  api: Services;
}

/** The benchmark's origins, all in this process, on 127.0.0.1 and free ports. */
export interface BenchServers {
  /** The production app with the broker (ACCESS_TTL 300). */
  app: Origin;
  /** The same app built with VITE_DPOP=off: the broker with Bearer tokens, same API (ACCESS_TTL 300). */
  bearerApp: Origin;
  /** A page no worker controls, same API (ACCESS_TTL 300). */
  plain: Origin;
  /** A page controlled by a pass-through worker, same API (ACCESS_TTL 300). */
  passthrough: Origin;
  /** The app with ACCESS_TTL 2, for the refresh storm and the soak. */
  shortApp: Origin;
  /** A page no worker controls with ACCESS_TTL 2, for the naive interceptor's storm. */
  shortPlain: Origin;
  close(): Promise<void>;
}

/** Starts every origin; API counters are per API instance (`/__mock/stats` on each). */
export async function startBenchServers(bearerDist: string): Promise<BenchServers> {
  const servers: RunningServer[] = [];
  async function origin(api: Services, dist: string): Promise<Origin> {
    const server = await serveOnFreePort(nodeMockApiApp(api, { dist }));
    servers.push(server);
    return { url: server.url, api };
  }
  // One API per lifetime, shared by the origins compared with each other.
  const limits = { rateLimit: { windowSeconds: 60, perUsernameAndClient: 1_000, perClient: 1_000 } };
  const api = await createServices(mockApiConfig({ accessTtl: 300, controls: true, ...limits }));
  const shortApi = await createServices(mockApiConfig({ accessTtl: 2, controls: true, ...limits }));
  return {
    app: await origin(api, DIST),
    bearerApp: await origin(api, bearerDist),
    plain: await origin(api, PAGES),
    passthrough: await origin(api, PAGES),
    shortApp: await origin(shortApi, DIST),
    shortPlain: await origin(shortApi, PAGES),
    async close() {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** An origin serving one build folder, whose responses can be held back to stand in for a network's latency. */
export interface DistOrigin extends Origin {
  /** Delays every response by `ms` from now on, whoever asked (the page or its worker). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/**
 * Serves `dist` beside a mock API of its own (ACCESS_TTL 300) on a free port. Latency is added
 * here rather than by CDP network emulation, which applies to a page's requests but not to those
 * its service worker sends.
 */
export async function startDistOrigin(dist: string): Promise<DistOrigin> {
  const limits = { rateLimit: { windowSeconds: 60, perUsernameAndClient: 1_000, perClient: 1_000 } };
  const api = await createServices(mockApiConfig({ accessTtl: 300, controls: true, ...limits }));
  const app = nodeMockApiApp(api, { dist });
  let latencyMs = 0;
  const delayed = new Hono<{ Bindings: object }>().all('*', async (c) => {
    if (latencyMs > 0) await sleep(latencyMs);
    return app.fetch(c.req.raw, c.env);
  });
  const server = await serveOnFreePort(delayed);
  return { url: server.url, api, setLatency: (ms) => void (latencyMs = ms), close: () => server.close() };
}
