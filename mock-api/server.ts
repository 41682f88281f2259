import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { createMockApi } from './app.ts';
import { configFromEnv } from './config.ts';
import { DIST } from './static-files.ts';
import { createAppListener, listen } from './app-server.ts';

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

const listener = createAppListener(await createMockApi(config), dist);
const server = createServer(listener);

const port = await listen(server, config.port, '127.0.0.1').catch((error: NodeJS.ErrnoException) => {
  console.error(`Cannot listen on 127.0.0.1:${config.port}: ${error.code ?? error.message}`);
  process.exit(1);
});
// Also on ::1, so http://localhost works however the browser resolves it.
const ipv6 = createServer(listener);
await listen(ipv6, port, '::1').catch(() => ipv6.close());

console.log(`Serving on http://localhost:${port}`);
console.log('Demo users: test / test (Test User), ada / lovelace (Ada Lovelace)');
console.log(`Access tokens live ${config.accessTtl} s${config.controls ? '; MOCK_CONTROLS=1: /__mock/* enabled' : ''}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    ipv6.close();
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
