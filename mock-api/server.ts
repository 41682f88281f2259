import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { createNodeMockApi } from './node-app.ts';
import { configFromEnv, DIST } from './node-config.ts';
import { createHttpServer } from './node-http-server.ts';

const config = (() => {
  try {
    return configFromEnv(process.env);
  } catch (error) {
    console.error(`Cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
})();

// DIST_DIR serves another build (the update tests switch between two).
const dist = process.env.DIST_DIR ? resolve(process.env.DIST_DIR) : DIST;
if (!existsSync(join(dist, 'index.html'))) {
  console.error(`Cannot start: ${join(dist, 'index.html')} is missing; run npm run build first.`);
  process.exit(1);
}

const app = await createNodeMockApi(config, { dist });

/** Listens on `host:port` (0: any free port) and resolves with the port. */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

const { server, close } = createHttpServer(app);
const port = await listen(server, config.port, '127.0.0.1').catch((error: NodeJS.ErrnoException) => {
  console.error(`Cannot listen on 127.0.0.1:${config.port}: ${error.code ?? error.message}`);
  process.exit(1);
});
// Also on ::1, so http://localhost works however the browser resolves it.
const ipv6 = createHttpServer(app);
await listen(ipv6.server, port, '::1').catch(() => ipv6.close());

console.log(`Serving on http://localhost:${port}`);
console.log('Demo users: test / test (Test User), ada / lovelace (Ada Lovelace)');
console.log(`Access tokens live ${config.accessTtl} s${config.controls ? '; MOCK_CONTROLS=1: /__mock/* enabled' : ''}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.all([close(), ipv6.close()]).then(() => process.exit(0));
  });
}
