import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from '@playwright/test';
import { countWorkerRequests, expect, signIn, stopAllWorkers, test, waitForController } from './fixtures';
import { buildVariant } from './bench/build-variant';
import { startServer, type OwnServer } from './own-server';

// A same-origin URL that neither the API, the token endpoints, the precache nor a navigation
// covers, which the mock API serves: with static routing it goes to the network without the worker.
const OUTSIDE = '/.well-known/jwks.json';

/** What the browser reported for one response: whether the worker answered it, and where its router sent it. */
interface Routed {
  status: number;
  fromServiceWorker: boolean;
  /** The static router's choice (`fetch-event`, `network`), or undefined when the worker registered no routes. */
  router: string | undefined;
}

/** Records, from now on, how the page's own requests (not the worker's) were answered, by path. */
async function watchRouting(page: Page): Promise<Map<string, Routed>> {
  const seen = new Map<string, Routed>();
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Network.responseReceived', ({ response }) => {
    seen.set(new URL(response.url).pathname, {
      status: response.status,
      fromServiceWorker: response.fromServiceWorker ?? false,
      router: response.serviceWorkerRouterInfo?.matchedSourceType,
    });
  });
  await cdp.send('Network.enable');
  // Every request reaches the network stack (and so the worker or the router), none Blink's memory cache.
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  return seen;
}

/** Fetches `path` from the page and resolves with how it was answered. */
async function fetchFromPage(page: Page, seen: Map<string, Routed>, path: string): Promise<Routed> {
  seen.delete(path);
  const status = await page.evaluate((url) => fetch(url, { cache: 'no-store' }).then((response) => response.status), path);
  await expect.poll(() => seen.get(path)?.status).toBe(status);
  return seen.get(path) as Routed;
}

/** Follows the running status of the activated worker of `origin` (stopped, starting, running, stopping), from now on. */
async function watchWorker(page: Page, origin: string): Promise<() => string | undefined> {
  let status: string | undefined;
  const cdp = await page.context().newCDPSession(page);
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const version of versions) {
      if (version.status === 'activated' && version.scriptURL.startsWith(`${origin}/`)) status = version.runningStatus;
    }
  });
  await cdp.send('ServiceWorker.enable');
  await expect.poll(() => status).toBeDefined();
  return () => status;
}

/** Whether the worker of `origin` can register static routes; a test without it is skipped, saying why. */
async function skipWithoutStaticRouting(context: BrowserContext, origin: string): Promise<void> {
  const worker = context.serviceWorkers().find((candidate) => candidate.url().startsWith(`${origin}/`));
  const supported =
    (await worker?.evaluate(() => {
      const install = (globalThis as { InstallEvent?: { prototype: object } }).InstallEvent;
      return install !== undefined && 'addRoutes' in install.prototype;
    })) ?? false;
  if (!supported) console.log(`static-routing.spec: skipped, this browser has no InstallEvent.addRoutes (${context.browser()?.version()})`);
  test.skip(!supported, 'this browser has no InstallEvent.addRoutes');
}

test.describe('static routing', () => {
  test('API calls still go through the worker with the token; a request outside its URLs goes to the network and does not wake it', async ({
    page,
    context,
    baseURL,
  }) => {
    const origin = baseURL ?? '';
    await signIn(page);
    await skipWithoutStaticRouting(context, origin);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    const seen = await watchRouting(page);
    const workerSentMe = countWorkerRequests(page, '/api/me');
    const tokens: string[] = [];
    context.on('request', (request) => {
      if (request.serviceWorker() && new URL(request.url()).pathname === '/api/me') tokens.push(request.headers()['authorization'] ?? '');
    });

    const api = await fetchFromPage(page, seen, '/api/me');
    expect(api).toEqual({ status: 200, fromServiceWorker: true, router: 'fetch-event' });
    expect(workerSentMe()).toBe(1);
    expect(tokens).toEqual([expect.stringMatching(/^(DPoP|Bearer) ey/)]);

    const status = await watchWorker(page, origin);
    await stopAllWorkers(page);
    await expect.poll(status).toBe('stopped');
    const workerSentOutside = countWorkerRequests(page, OUTSIDE);
    const outside = await fetchFromPage(page, seen, OUTSIDE);
    expect(outside).toEqual({ status: 200, fromServiceWorker: false, router: 'network' });
    expect(workerSentOutside()).toBe(0);
    expect(status()).toBe('stopped');

    // The same watch sees the worker wake for the next API call, so "stopped" above was not a deaf watch.
    expect(await fetchFromPage(page, seen, '/api/me')).toEqual({ status: 200, fromServiceWorker: true, router: 'fetch-event' });
    await expect.poll(status).toBe('running');
  });

  test('navigations and precached files still come from the worker, also offline', async ({ page, context, baseURL }) => {
    await signIn(page);
    await skipWithoutStaticRouting(context, baseURL ?? '');
    const seen = await watchRouting(page);
    const navigation = await page.goto('/');
    expect(navigation?.fromServiceWorker()).toBe(true);
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    const html = (await navigation?.text()) ?? '';
    const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1] ?? '(no script)';
    const stylesheet = /<link rel="stylesheet" crossorigin href="([^"]+)"/.exec(html)?.[1] ?? '(no stylesheet)';
    for (const path of ['/', script, stylesheet]) {
      await expect.poll(() => seen.get(path), path).toEqual({ status: 200, fromServiceWorker: true, router: 'fetch-event' });
    }

    await context.setOffline(true);
    seen.clear();
    const offline = await page.reload();
    expect(offline?.fromServiceWorker()).toBe(true);
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    await expect.poll(() => seen.get(script)).toEqual({ status: 200, fromServiceWorker: true, router: 'fetch-event' });
  });
});

test.describe('without static routing (positive control)', () => {
  let workspace: string;
  let server: OwnServer | undefined;

  test.beforeAll(() => {
    workspace = buildVariant('no-static-routing', { VITE_STATIC_ROUTING: 'off' });
  });

  test.afterAll(async () => {
    await server?.stop();
    rmSync(workspace, { recursive: true, force: true });
  });

  test('the same request outside the API wakes the worker, and no router decides it', async ({ page }) => {
    test.slow(); // a production build of its own
    server = await startServer({ DIST_DIR: workspace });
    await page.goto(`${server.url}/login`);
    await waitForController(page);
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    const seen = await watchRouting(page);
    const status = await watchWorker(page, server.url);
    await stopAllWorkers(page);
    await expect.poll(status).toBe('stopped');

    const outside = await fetchFromPage(page, seen, OUTSIDE);
    expect(outside).toEqual({ status: 200, fromServiceWorker: false, router: undefined });
    await expect.poll(status).toBe('running');
  });
});
