import { existsSync } from 'node:fs';
import type { Stats } from '../../mock-api/stats.ts';
import { startServer } from '../own-server';

/** The mock API serving the production build, started by the runner on a port the OS picks. */
export interface MockServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** The access-token lifetime it runs with, seconds. */
  readonly accessTtlSeconds: number;
  /** Its counters (`GET /__mock/stats`). */
  stats(): Promise<Stats>;
  /** Forgets sessions, counters and rate limits (`POST /__mock/reset`). */
  reset(): Promise<void>;
  /** Stops the server process. */
  stop(): Promise<void>;
}

/** Starts `mock-api/server.ts` on 127.0.0.1 with MOCK_CONTROLS=1 and `accessTtlSeconds`, serving `dist/`. */
export async function startMockServer(accessTtlSeconds: number): Promise<MockServer> {
  if (!existsSync('dist/index.html')) throw new Error('dist/ has no build: run `npm run build` first.');
  const server = await startServer({ ACCESS_TTL: String(accessTtlSeconds) });
  // stop() signals the process before it awaits anything, so it works from an 'exit' listener.
  const onExit = (): void => void server.stop();
  process.once('exit', onExit);
  const control = async (method: 'GET' | 'POST', path: string): Promise<Response> => {
    const response = await fetch(`${server.url}${path}`, { method });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
    return response;
  };
  return {
    url: server.url,
    accessTtlSeconds,
    stats: async () => (await (await control('GET', '/__mock/stats')).json()) as Stats,
    reset: async () => void (await control('POST', '/__mock/reset')),
    stop: () => {
      process.off('exit', onExit);
      return server.stop();
    },
  };
}
