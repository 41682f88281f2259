import { createServices, type Services } from '../mock-api/app.ts';
import { mockApiConfig, type MockApiConfig, type ProviderSetting, type TrustedProvider } from '../mock-api/config.ts';
import { nodeMockApiApp } from '../mock-api/node-app.ts';
import { DEFAULT_CLIENT_ID } from '../mock-api/node-config.ts';
import { serveMockApi } from '../mock-api/node-serve.ts';
import { discoverProvider } from '../mock-api/provider-discovery.ts';
import { buildOidcApp } from './build-app.ts';
import type { OidcProvider, ProviderSocket } from './provider.ts';

/** What {@link startOidcStack} starts. */
export interface OidcStackOptions {
  /** The built app the mock API serves (index.html, sw.js, ...), an absolute folder. */
  distDir: string;
  /** Build the app into `distDir` first, for the provider's issuer (VITE_OIDC_ISSUER, VITE_OIDC_CLIENT_ID); `quiet` keeps vite's output in. */
  build?: boolean | { quiet: boolean };
  /** The app's port (127.0.0.1 and ::1); 0 or none: a free one. */
  port?: number;
  /** The provider's port; 0 or none: a free one. */
  oidcPort?: number;
  /** The provider's host, in its issuer too: 127.0.0.1 by default, so its cookies are not the app's (`localhost`). */
  oidcHost?: string;
  /** An OpenID Provider that already runs: none is started, and the app and the API use this one. */
  external?: ProviderSetting;
  /** The mock API's configuration; its token lifetimes are the provider's too. */
  api?: Partial<MockApiConfig>;
  /** The resource indicators the local provider issues tokens for; by default `<app>/api/` and `<app>/api2/`. */
  resources?: (appOrigin: string) => readonly string[];
}

/** The app, the mock API and the provider, running; see {@link startOidcStack}. */
export interface OidcStack {
  /** `http://localhost:<port>`: the app and the mock API. */
  appOrigin: string;
  issuer: string;
  clientId: string;
  /** The local provider; undefined with `external`. */
  provider: OidcProvider | undefined;
  /** The mock API's state (its counters, its users), for tests. */
  services: Services;
  /** Stops the app's server and the provider. */
  close(): Promise<void>;
}

/**
 * Starts what `npm run start:oidc` runs, on ports chosen at run time unless given: a local OpenID
 * Provider on its own origin (or none, with `external`), the app built for it (with `build`), and
 * the mock API serving the app and accepting the provider's access tokens for `<app>/api/`.
 *
 * @example
 * const stack = await startOidcStack({ distDir: join(root, 'dist-oidc'), build: { quiet: true } });
 * await page.goto(`${stack.appOrigin}/login`);
 * await stack.close();
 */
export async function startOidcStack(options: OidcStackOptions): Promise<OidcStack> {
  const config = mockApiConfig(options.api);
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  };
  try {
    let socket: ProviderSocket | undefined;
    let trust: TrustedProvider;
    if (options.external) {
      trust = await discoverProvider(options.external);
    } else {
      // Loaded only here: oidc-provider warns about the runtime as it loads, also when no provider is wanted.
      const { listenForProvider } = await import('./provider.ts');
      const listening = await listenForProvider(options.oidcPort, options.oidcHost);
      cleanups.push(() => listening.close());
      socket = listening;
      trust = socket.trust(DEFAULT_CLIENT_ID);
    }
    if (options.build) {
      const quiet = typeof options.build === 'object' && options.build.quiet;
      await buildOidcApp({ outDir: options.distDir, issuer: trust.issuer, clientId: trust.clientId, quiet });
    }
    const services = await createServices({ ...config, oidc: trust });
    const served = await serveMockApi(nodeMockApiApp(services, { dist: options.distDir }), options.port ?? 0);
    cleanups.push(() => served.close());
    const provider = await socket?.start({
      appOrigin: served.url,
      clientId: trust.clientId,
      users: services.users,
      accessTtl: config.accessTtl,
      refreshTtl: config.refreshTtl,
      ...(options.resources ? { resources: options.resources(served.url) } : {}),
    });
    return { appOrigin: served.url, issuer: trust.issuer, clientId: trust.clientId, provider, services, close };
  } catch (error) {
    await close();
    throw error;
  }
}
