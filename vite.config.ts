import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { VitePWA, type ResolvedVitePWAOptions } from 'vite-plugin-pwa';
import { API_PATH } from './mock-api/app.ts';
import { answerUnreadableRequest, createNodeMockApi } from './mock-api/node-app.ts';
import { configFromEnv } from './mock-api/node-config.ts';
import { documentHeaders } from './mock-api/security-headers.ts';

/** The package.json export condition that points at the library's TypeScript sources. */
export const LIBRARY_SOURCE = 'token-broker-source';

/**
 * The in-browser demo's build mode (`npm run build:demo`): the mock API runs inside the service
 * worker, so any static file server can host the site, which goes to dist-demo/.
 */
export const IN_BROWSER_DEMO_MODE = 'in-browser-demo';

/**
 * The oldest browsers the app and its service worker support, as build targets: the build lowers
 * newer syntax for them, and the cross-engine suite fails on any it left (README: Supported browsers).
 */
export const BROWSER_TARGETS = ['chrome98', 'edge98', 'firefox97', 'safari15.4', 'ios15.4'];

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** The Subresource Integrity value of a built file (sha384 of its bytes, base64), as `fetch` checks it. */
function integrityOf(directory: string, url: string): string {
  const digest = createHash('sha384')
    .update(readFileSync(join(directory, url)))
    .digest('base64');
  return `sha384-${digest}`;
}

/**
 * Gives every precache entry the SRI of its built file, so sw.js holds the build's digests:
 * Workbox fetches with them at install, and the worker checks every precached response against
 * them before serving it (app/sw-precache.ts). Runs once the app is written, before sw.js is.
 */
function addIntegrity({ injectManifest }: ResolvedVitePWAOptions): void {
  // The real output folder, also under `vite build --outDir`.
  const directory = injectManifest.globDirectory;
  if (!directory) throw new Error('injectManifest.globDirectory is not set');
  const withIntegrity = <T extends { url: string }>(entry: T): T & { integrity: string } => ({
    ...entry,
    integrity: integrityOf(directory, entry.url),
  });
  injectManifest.manifestTransforms = [
    ...(injectManifest.manifestTransforms ?? []),
    async (entries) => ({ manifest: entries.map(withIntegrity) }),
  ];
  // vite-plugin-pwa adds the web manifest's entry after the transforms run.
  injectManifest.additionalManifestEntries = injectManifest.additionalManifestEntries?.map((entry) =>
    typeof entry === 'string' ? entry : withIntegrity(entry),
  );
}

/**
 * For `npm run bench` only (VITE_SW_PROFILE=on): evaluates the worker profiler before app/sw.ts, so
 * the worker records timestamps along its request path (e2e/bench/worker-profile/).
 */
function workerProfiler(): Plugin {
  const entry = fromRoot('./app/sw.ts');
  const profiler = fromRoot('./e2e/bench/worker-profile/profile.ts');
  return {
    name: 'worker-profiler',
    enforce: 'pre',
    transform(code, id) {
      if (id === entry) return `import ${JSON.stringify(profiler)};\n${code}\nself.__profile.mark('script-end');\n`;
      // The package says it has no side effects; this module is nothing but side effects.
      return id === profiler ? { code, moduleSideEffects: true } : undefined;
    },
  };
}

/** Mounts the mock API on Vite's dev server, so `npm run dev` is one origin like `npm start`. */
function mockApi(): Plugin {
  return {
    name: 'mock-api',
    apply: 'serve',
    async configureServer(server) {
      // Vite's dev server keeps its upgrades (HMR) to itself: no WebSocket endpoint here.
      const api = await createNodeMockApi(configFromEnv(process.env), { webSocket: false });
      const answer = getRequestListener(api.fetch, { errorHandler: answerUnreadableRequest });
      server.middlewares.use((req, res, next) => {
        if (API_PATH.test(req.url ?? '/')) void answer(req, res);
        else next();
      });
    },
  };
}

export default defineConfig(async ({ mode }) => ({
  root: fromRoot('./app'),
  publicDir: fromRoot('./app/public'),
  build: {
    outDir: fromRoot(mode === IN_BROWSER_DEMO_MODE ? './dist-demo' : './dist'),
    emptyOutDir: true,
    target: BROWSER_TARGETS,
  },
  server: { host: '127.0.0.1', port: 5173 },
  // The demo imports the library by its package name; this condition resolves it to the sources.
  resolve: { conditions: [LIBRARY_SOURCE, ...defaultClientConditions] },
  define: {
    // A build-time constant: every other build drops the in-browser API from sw.js entirely, and never shows the demo badge.
    'import.meta.env.VITE_IN_BROWSER_DEMO': JSON.stringify(mode === IN_BROWSER_DEMO_MODE),
    // The server's document headers, which the worker gives the navigations it answers (app/sw-precache.ts).
    __DOCUMENT_HEADERS__: JSON.stringify(await documentHeaders()),
  },
  plugins: [
    vue(),
    mockApi(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: '.',
      filename: 'sw.ts',
      // The app registers the worker itself (app/sw-registration.ts): no inline script under the CSP.
      injectRegister: false,
      registerType: 'prompt',
      injectManifest: {
        rollupFormat: 'iife',
        // The worker is a build of its own; it would inherit build.target, but says so to be sure.
        target: BROWSER_TARGETS,
        globPatterns: ['**/*.{js,css,html,svg,png,ico}'],
        buildPlugins: { vite: process.env.VITE_SW_PROFILE === 'on' ? [workerProfiler()] : [] },
      },
      integration: { beforeBuildServiceWorker: addIntegrity },
      pwaAssets: {
        image: 'public/favicon.svg',
        preset: 'minimal-2023',
        overrideManifestIcons: true,
      },
      manifest: {
        name: 'Token Broker Demo',
        short_name: 'Broker',
        description: 'A demo app whose access token lives only in its service worker.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#1f3a5f',
        background_color: '#f4f7fb',
      },
      devOptions: {
        enabled: true,
        type: 'module',
        navigateFallback: 'index.html',
      },
    }),
  ],
}));
