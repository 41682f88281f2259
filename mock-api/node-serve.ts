import type { Server } from 'node:http';
import type { MockApi } from './app.ts';
import { createHttpServer } from './node-http-server.ts';

/** Listens on `host:port` (0: any free port) and resolves with the port. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** A mock API being served; see {@link serveMockApi}. */
export interface ServedMockApi {
  port: number;
  /** `http://localhost:<port>`: the server answers on 127.0.0.1 and, where it can, ::1. */
  url: string;
  /** Stops both listeners and ends every connection. */
  close(): Promise<void>;
}

/**
 * Serves `app` on 127.0.0.1:`port` (0: any free port), and on ::1 at the same port where the
 * machine has IPv6, so http://localhost works however the browser resolves it. Rejects with the
 * listen error (EADDRINUSE, ...) of 127.0.0.1.
 */
export async function serveMockApi(app: MockApi, port: number): Promise<ServedMockApi> {
  const ipv4 = createHttpServer(app);
  const bound = await listen(ipv4.server, port, '127.0.0.1');
  const ipv6 = createHttpServer(app);
  const hasIpv6 = await listen(ipv6.server, bound, '::1').then(
    () => true,
    () => false,
  );
  return {
    port: bound,
    url: `http://localhost:${bound}`,
    close: async () => {
      await Promise.all([ipv4.close(), hasIpv6 ? ipv6.close() : undefined]);
    },
  };
}
