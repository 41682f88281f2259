import { createServer, type Server } from 'node:http';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import Provider, { type JWK } from 'oidc-provider';
import { mockApiConfig, type TrustedProvider } from '../mock-api/config.ts';
import { DEFAULT_CLIENT_ID } from '../mock-api/node-config.ts';
import { listen } from '../mock-api/node-serve.ts';
import { Users } from '../mock-api/users.ts';
import { demoLogin } from './demo-login.ts';
import { JWKS_PATH, providerConfiguration } from './provider-config.ts';

/** What {@link startOidcProvider} takes; times are seconds. */
export interface OidcProviderOptions {
  /** The app's origin, e.g. `http://localhost:4173`: its redirect URIs and default resources are there. */
  appOrigin: string;
  /** 0 or none: a free port, chosen at run time. */
  port?: number;
  /** The IPv4 address or host name it listens on and names in its issuer; 127.0.0.1 by default. */
  host?: string;
  /** Access-token lifetime, 300 by default (the mock API's ACCESS_TTL default). */
  accessTtl?: number;
  /** Refresh-token (and grant) lifetime, 604800 by default (the mock API's REFRESH_TTL default). */
  refreshTtl?: number;
  /** `demo-spa` by default. */
  clientId?: string;
  /** The resource indicators it issues JWT access tokens for; by default `<appOrigin>/api/` and `<appOrigin>/api2/`. */
  resources?: readonly string[];
  /** The demo users to sign in (share the mock API's); by default a fresh directory of them. */
  users?: Users;
}

/** A running OpenID Provider; see {@link startOidcProvider}. */
export interface OidcProvider {
  /** `http://<host>:<port>`, without a trailing slash. */
  issuer: string;
  clientId: string;
  resources: readonly string[];
  /** What the mock API needs to accept its access tokens (MockApiConfig.oidc). */
  trust: TrustedProvider;
  /** The oidc-provider instance, for tests that look inside (its models, its events). */
  provider: Provider;
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

/** A provider's socket, listening before the provider exists; see {@link listenForProvider}. */
export interface ProviderSocket {
  issuer: string;
  /** What the mock API needs to trust the provider that {@link start} will run here. */
  trust(clientId?: string): TrustedProvider;
  /** Runs the provider on this socket. */
  start(options: Omit<OidcProviderOptions, 'port' | 'host'>): Promise<OidcProvider>;
  close(): Promise<void>;
}

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y, d } = await exportJWK(privateKey);
  return { kty, crv, x, y, d, kid: await calculateJwkThumbprint({ kty, crv, x, y }), alg: 'ES256', use: 'sig' };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Listens on `host:port` first and runs the provider later, for callers that must know the issuer
 * before they know the app's origin (the app is built with the issuer, and the provider is told
 * the app's origin). Until {@link ProviderSocket.start}, every request gets 503.
 */
export async function listenForProvider(port = 0, host = '127.0.0.1'): Promise<ProviderSocket> {
  const server = createServer((_req, res) => res.writeHead(503, { 'Retry-After': '1' }).end());
  const issuer = `http://${host}:${await listen(server, port, host)}`;
  const trust = (clientId = DEFAULT_CLIENT_ID): TrustedProvider => ({
    issuer,
    clientId,
    jwksUri: `${issuer}${JWKS_PATH}`,
    origins: [issuer],
  });
  const close = (): Promise<void> => closeServer(server);
  return {
    issuer,
    trust,
    close,
    async start(options) {
      const defaults = mockApiConfig();
      const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
      const resources = options.resources ?? [`${options.appOrigin}/api/`, `${options.appOrigin}/api2/`];
      const users = options.users ?? (await Users.create(defaults.pbkdf2Iterations));
      const provider = new Provider(
        issuer,
        providerConfiguration({
          appOrigin: options.appOrigin,
          clientId,
          resources,
          accessTtl: options.accessTtl ?? defaults.accessTtl,
          refreshTtl: options.refreshTtl ?? defaults.refreshTtl,
          users,
          signingKey: await newSigningKey(),
        }),
      );
      provider.use(demoLogin(provider, users));
      provider.on('server_error', (_ctx, error) => console.error(`[mock-oidc] ${error.stack ?? error.message}`));
      const handle = provider.callback();
      server.removeAllListeners('request');
      server.on('request', (req, res) => void handle(req, res));
      return { issuer, clientId, resources, trust: trust(clientId), provider, close };
    },
  };
}

/**
 * Starts a local OpenID Provider (panva's oidc-provider) for the demo app at `appOrigin`, on its own
 * origin: the public client `demo-spa`, PKCE S256, DPoP with nonces, rotating refresh tokens for
 * `offline_access`, JWT access tokens per resource, revocation, RP-initiated logout, and the
 * development sign-in pages, which accept the demo users' passwords only.
 *
 * @example
 * const op = await startOidcProvider({ appOrigin: 'http://localhost:4173' });
 * console.log(`${op.issuer}/.well-known/openid-configuration`);
 * await op.close();
 */
export async function startOidcProvider({ port, host, ...options }: OidcProviderOptions): Promise<OidcProvider> {
  const socket = await listenForProvider(port, host);
  return socket.start(options).catch(async (error: unknown) => {
    await socket.close();
    throw error;
  });
}
