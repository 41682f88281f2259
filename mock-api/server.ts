import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { createMockApi } from './app.ts';
import { configFromEnv } from './config.ts';
import { createApiMiddleware } from './node-adapter.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { createStaticFiles, DIST } from './static-files.ts';

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

const api = createApiMiddleware(await createMockApi(config));
const serveStatic = createStaticFiles(dist);

const server = createServer((req, res) => {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  api(req, res, () => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method not allowed');
      return;
    }
    serveStatic(new URL(req.url ?? '/', 'http://localhost').pathname).then(
      (file) => {
        if (!file) {
          res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
          return;
        }
        res.writeHead(file.status, file.headers).end(req.method === 'HEAD' ? undefined : file.body);
      },
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Server error'),
    );
  });
});

function listen(target: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    target.once('error', reject);
    target.listen(port, host, () => {
      const address = target.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

const port = await listen(server, config.port, '127.0.0.1').catch((error: NodeJS.ErrnoException) => {
  console.error(`Cannot listen on 127.0.0.1:${config.port}: ${error.code ?? error.message}`);
  process.exit(1);
});
// Also on ::1, so http://localhost works however the browser resolves it.
const ipv6 = createServer(server.listeners('request')[0] as Parameters<typeof createServer>[1]);
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
