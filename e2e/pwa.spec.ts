import { expect, submitLogin, test, waitForController } from './fixtures';
import { withPersistentProfile } from './helpers/persistent-profile';

interface ManifestIcon {
  src: string;
  sizes: string;
  type: string;
  purpose?: string;
}

test.describe('the installable app', () => {
  test('serves a web manifest with the fields and icons an install needs', async ({ request }) => {
    const html = await (await request.get('/')).text();
    const href = /<link rel="manifest" href="([^"]+)"/.exec(html)?.[1];
    expect(href).toBeDefined();
    const response = await request.get(href ?? '');
    expect(response.headers()['content-type']).toContain('application/manifest+json');
    const manifest = (await response.json()) as Record<string, unknown> & { icons: ManifestIcon[] };
    expect(manifest).toMatchObject({
      name: expect.any(String),
      short_name: expect.any(String),
      start_url: '/',
      display: 'standalone',
      theme_color: expect.any(String),
    });
    const sizes = manifest.icons.map((icon) => `${icon.sizes} ${icon.purpose ?? 'any'}`);
    expect(sizes).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']));
    for (const icon of manifest.icons) {
      const image = await request.get(`/${icon.src.replace(/^\//, '')}`);
      expect(image.status()).toBe(200);
      expect(image.headers()['content-type']).toBe(icon.type);
    }
  });

  test('Chromium reports no installability errors in a persistent profile', async () => {
    await withPersistentProfile(async (launch) => {
      const context = await launch();
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto('/login');
      await waitForController(page);
      const cdp = await context.newCDPSession(page);
      await expect
        .poll(async () =>
          ((await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] }).installabilityErrors.map(
            (error) => error.errorId,
          ),
        )
        .toEqual([]);
    });
  });

  test('the app shell comes from the precache, and navigations never carry a bearer', async ({ page, context }) => {
    const fromWorker: { url: string; authorization: string | undefined }[] = [];
    context.on('request', (request) => {
      if (request.serviceWorker()) fromWorker.push({ url: request.url(), authorization: request.headers()['authorization'] });
    });
    /** A worker request for the shell: index.html (as precached) or the navigated URL itself. */
    const isShellFetch = (url: string, navigated: string): boolean => {
      const { origin, pathname } = new URL(url);
      const target = new URL(navigated);
      return origin === target.origin && (pathname === '/index.html' || pathname === target.pathname);
    };
    await page.goto('/login');
    await submitLogin(page);
    await expect(page.getByRole('heading', { name: /Test/ })).toBeVisible();
    // Control: installing, the worker fetched the shell to precache it, and the filter sees that.
    expect(fromWorker.filter(({ url }) => isShellFetch(url, page.url()))).not.toEqual([]);

    const precache = await page.evaluate(async () => {
      const names = (await caches.keys()).filter((name) => name.includes('precache'));
      if (names.length !== 1 || !names[0]) return { names, shell: undefined };
      const cache = await caches.open(names[0]);
      const shellKey = (await cache.keys()).find((request) => new URL(request.url).pathname === '/index.html');
      const shell = shellKey ? await cache.match(shellKey) : undefined;
      return { names, shell: await shell?.text() };
    });
    expect(precache.names).toHaveLength(1);
    expect(precache.shell).toContain('<div id="app">');

    for (const path of ['/somewhere-else', '/']) {
      const sent = fromWorker.length;
      const response = await page.goto(path);
      expect(response?.fromServiceWorker(), path).toBe(true);
      expect(await response?.text(), path).toBe(precache.shell);
      expect(fromWorker.slice(sent).filter(({ url }) => isShellFetch(url, response?.url() ?? path))).toEqual([]);
    }
    await expect(page.getByRole('heading', { name: /Test/ })).toBeVisible();
    const withBearer = fromWorker.filter((request) => request.authorization !== undefined).map((request) => new URL(request.url).pathname);
    expect(withBearer.length).toBeGreaterThan(0);
    expect(withBearer.every((path) => path.startsWith('/api/'))).toBe(true);
  });
});
