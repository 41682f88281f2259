import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServices } from './app.ts';
import { nodeMockApiApp } from './node-app.ts';
import { configFromEnv, DIST } from './node-config.ts';
import { serveMockApi } from './node-serve.ts';
import { discoverProvider } from './provider-discovery.ts';

function fail(message: string): never {
  console.error(`Cannot start: ${message}`);
  process.exit(1);
}

const { port, provider, ...config } = (() => {
  try {
    return configFromEnv(process.env);
  } catch (error) {
    return fail((error as Error).message);
  }
})();

// DIST_DIR serves another build (the update tests switch between two).
const dist = process.env.DIST_DIR ? resolve(process.env.DIST_DIR) : DIST;
if (!existsSync(join(dist, 'index.html'))) fail(`${join(dist, 'index.html')} is missing; run npm run build first.`);

// OIDC_ISSUER: the provider's access tokens are accepted too, so it must be reachable now.
const oidc = provider ? await discoverProvider(provider).catch((error: Error) => fail(error.message)) : undefined;

const app = nodeMockApiApp(await createServices({ ...config, oidc }), { dist });
const served = await serveMockApi(app, port).catch((error: NodeJS.ErrnoException) => {
  console.error(`Cannot listen on 127.0.0.1:${port}: ${error.code ?? error.message}`);
  process.exit(1);
});

console.log(`Serving on ${served.url}`);
console.log('Demo users: test / test (Test User), ada / lovelace (Ada Lovelace)');
console.log(`Access tokens live ${config.accessTtl} s${config.controls ? '; MOCK_CONTROLS=1: /__mock/* enabled' : ''}`);
if (oidc) console.log(`Also accepting access tokens of ${oidc.issuer} (client ${oidc.clientId}) for ${served.url}/api/`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void served.close().then(() => process.exit(0));
  });
}
