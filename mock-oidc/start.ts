import { configFromEnv, integer } from '../mock-api/node-config.ts';
import { DIST_OIDC } from './build-app.ts';
import { startOidcStack } from './stack.ts';

// npm run start:oidc: builds the app for an OpenID Provider and serves it with the mock API, and a
// local provider on a second origin unless OIDC_ISSUER names one (README: Sign in with an OpenID Provider).

/** The local provider's port unless OIDC_PORT says otherwise: the one after the app's default. */
const DEFAULT_OIDC_PORT = 4174;

function fail(message: string): never {
  console.error(`Cannot start: ${message}`);
  process.exit(1);
}

const {
  port,
  provider: external,
  ...api
} = (() => {
  try {
    return configFromEnv(process.env);
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const oidcPort = (() => {
  try {
    return integer(process.env, 'OIDC_PORT', DEFAULT_OIDC_PORT, 0, 65_535);
  } catch (error) {
    return fail((error as Error).message);
  }
})();

const stack = await startOidcStack({ distDir: DIST_OIDC, build: true, port, oidcPort, api, ...(external ? { external } : {}) }).catch(
  (error: NodeJS.ErrnoException) => fail(error.code === 'EADDRINUSE' ? `a port is in use (${error.message})` : error.message),
);

console.log(`Serving on ${stack.appOrigin}`);
if (stack.provider) {
  console.log(
    `OpenID Provider on ${stack.issuer} (client ${stack.clientId}, discovery at ${stack.issuer}/.well-known/openid-configuration)`,
  );
  console.log('Demo users: test / test (Test User), ada / lovelace (Ada Lovelace), on the form or on the provider’s pages');
} else {
  console.log(`OpenID Provider ${stack.issuer} (client ${stack.clientId}): not started here, as OIDC_ISSUER names it`);
  console.log('Demo users of the form: test / test (Test User), ada / lovelace (Ada Lovelace)');
}
console.log(`Access tokens live ${api.accessTtl} s; /api/* also accepts the provider's for ${stack.appOrigin}/api/`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stack.close().then(() => process.exit(0));
  });
}
