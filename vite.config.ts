import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { VitePWA } from 'vite-plugin-pwa';
import { answerUnreadableRequest, API_PATH, createMockApi } from './mock-api/app.ts';
import { configFromEnv } from './mock-api/config.ts';

/** The package.json export condition that points at the library's TypeScript sources. */
export const LIBRARY_SOURCE = 'token-broker-source';

/**
 * The oldest browsers the app and its service worker support, as build targets: the build lowers
 * newer syntax for them, and the cross-engine suite fails on any it left (README: Supported browsers).
 */
export const BROWSER_TARGETS = ['chrome98', 'edge98', 'firefox97', 'safari15.4', 'ios15.4'];

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Mounts the mock API on Vite's dev server, so `npm run dev` is one origin like `npm start`. */
function mockApi(): Plugin {
  return {
    name: 'mock-api',
    apply: 'serve',
    async configureServer(server) {
      const api = await createMockApi(configFromEnv(process.env));
      const answer = getRequestListener(api.fetch, { errorHandler: answerUnreadableRequest });
      server.middlewares.use((req, res, next) => {
        if (API_PATH.test(req.url ?? '/')) void answer(req, res);
        else next();
      });
    },
  };
}

export default defineConfig({
  root: fromRoot('./app'),
  publicDir: fromRoot('./app/public'),
  build: {
    outDir: fromRoot('./dist'),
    emptyOutDir: true,
    target: BROWSER_TARGETS,
  },
  server: { host: '127.0.0.1', port: 5173 },
  // The demo imports the library by its package name; this condition resolves it to the sources.
  resolve: { conditions: [LIBRARY_SOURCE, ...defaultClientConditions] },
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
      },
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
});
