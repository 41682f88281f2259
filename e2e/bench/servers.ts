import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createMockApi, type MockApi } from '../../mock-api/app.ts';
import { createAppListener, listen } from '../../mock-api/app-server.ts';
import { mockApiConfig } from '../../mock-api/config.ts';
import { createApiMiddleware } from '../../mock-api/node-adapter.ts';
import { createStaticFiles, DIST } from '../../mock-api/static-files.ts';

const PAGES = fileURLToPath(new URL('./pages', import.meta.url));

/** One origin of the benchmark: its URL and the mock API behind it. */
export interface Origin {
  url: string;
  api: MockApi;
}

/** The benchmark's origins, all in this process, on 127.0.0.1 and free ports. */
export interface BenchServers {
  /** The production app with the broker (ACCESS_TTL 300). */
  app: Origin;
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

function pagesListener(api: MockApi): Parameters<typeof createServer>[1] {
  const answerApi = createApiMiddleware(api);
  const serve = createStaticFiles(PAGES);
  return (req, res) => {
    answerApi(req, res, () => {
      void serve(new URL(req.url ?? '/', 'http://localhost').pathname).then((file) => {
        if (!file) res.writeHead(404).end();
        else res.writeHead(200, { ...file.headers, 'Cache-Control': 'no-store' }).end(file.body);
      });
    });
  };
}

/** Starts every origin; API counters are per API instance (`/__mock/stats` on each). */
export async function startBenchServers(): Promise<BenchServers> {
  const servers: Server[] = [];
  async function origin(listener: Parameters<typeof createServer>[1], api: MockApi): Promise<Origin> {
    const server = createServer(listener);
    servers.push(server);
    return { url: `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`, api };
  }
  // One API per lifetime, shared by the origins compared with each other.
  const limits = { rateLimit: { windowSeconds: 60, perUsernameAndClient: 1_000, perClient: 1_000 } };
  const api = await createMockApi(mockApiConfig({ accessTtl: 300, controls: true, ...limits }));
  const shortApi = await createMockApi(mockApiConfig({ accessTtl: 2, controls: true, ...limits }));
  return {
    app: await origin(createAppListener(api, DIST), api),
    plain: await origin(pagesListener(api), api),
    passthrough: await origin(pagesListener(api), api),
    shortApp: await origin(createAppListener(shortApi, DIST), shortApi),
    shortPlain: await origin(pagesListener(shortApi), shortApi),
    async close() {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}
