import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIRequestContext, BrowserContext, Page, Response } from '@playwright/test';
import { expect, signIn, submitLogin, test, waitForController } from './fixtures';
import { startServer, type OwnServer } from './own-server';

// The attack an adversarial review reproduced: page script rewrites the precached index.html (Cache
// Storage is shared with the origin's pages) with a copy that has no CSP header and an inline
// script, and the worker went on serving it to every later navigation, after sign-out too. The
// same works with a hashed script, which `script-src 'self'` allows.
const PLANTED_TEXT = 'Planted by page script';
const PLANTED_SCRIPT = `<script>window.__planted = true</script><p>${PLANTED_TEXT}</p>`;
const PLANTED_MODULE = `window.__planted = true; document.body.append(${JSON.stringify(PLANTED_TEXT)});`;

/** The headers the server sends with the document that the worker must repeat on its navigations. */
const DOCUMENT_HEADERS = [
  'content-security-policy',
  'content-type',
  'x-content-type-options',
  'referrer-policy',
  'cross-origin-opener-policy',
];

/** Collects what service workers of the context write to their console, from now on. */
function workerConsole(context: BrowserContext): string[] {
  const lines: string[] = [];
  context.on('console', (message) => {
    if (message.worker()) lines.push(message.text());
  });
  return lines;
}

/** The main module script index.html loads (its hashed name changes with every build). */
function mainScriptOf(html: string): string {
  const path = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"><\/script>/.exec(html)?.[1];
  if (!path) throw new Error('no module script in index.html');
  return path;
}

/** Replaces the precache's entry for `path` from the page, as an attacker's script would. */
async function plant(page: Page, path: string, body: string, headers: Record<string, string>): Promise<void> {
  const replaced = await page.evaluate(
    async ({ path, body, headers }) => {
      const name = (await caches.keys()).find((cacheName) => cacheName.includes('precache'));
      const cache = name === undefined ? undefined : await caches.open(name);
      const key = (await cache?.keys())?.find((request) => new URL(request.url).pathname === path);
      if (!cache || !key) return false;
      await cache.put(key, new Response(body, { headers }));
      return (await (await cache.match(key))?.text()) === body;
    },
    { path, body, headers },
  );
  expect(replaced, `planted ${path}`).toBe(true);
}

/** The body of the precache's entry for `path`, read from the page. */
function cached(page: Page, path: string): Promise<string | undefined> {
  return page.evaluate(async (path) => {
    const name = (await caches.keys()).find((cacheName) => cacheName.includes('precache'));
    const cache = name === undefined ? undefined : await caches.open(name);
    const key = (await cache?.keys())?.find((request) => new URL(request.url).pathname === path);
    return key ? (await cache?.match(key))?.text() : undefined;
  }, path);
}

/** What the server sends for the document: its bytes and the headers the worker must repeat. */
async function serverDocument(request: APIRequestContext): Promise<{ html: string; headers: Record<string, string | undefined> }> {
  const response = await request.get('/index.html');
  const headers = response.headers();
  return { html: await response.text(), headers: Object.fromEntries(DOCUMENT_HEADERS.map((name) => [name, headers[name]])) };
}

/** Checks a navigation: answered by the worker with the server's document headers, and the real app, not the planted one. */
async function expectTheApp(page: Page, response: Response | null, headers: Record<string, string | undefined>): Promise<void> {
  expect(response?.fromServiceWorker()).toBe(true);
  const sent = response?.headers() ?? {};
  expect(Object.fromEntries(DOCUMENT_HEADERS.map((name) => [name, sent[name]]))).toEqual(headers);
  await expect(page.getByRole('contentinfo')).toBeVisible();
  await expect(page.getByText(PLANTED_TEXT)).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __planted?: boolean }).__planted)).toBeUndefined();
}

test.describe('the precache', () => {
  test('holds, for every file, the SRI digest of the bytes the server serves', async ({ request }) => {
    const sw = await (await request.get('/sw.js')).text();
    const entries = [...sw.matchAll(/\{"integrity":"(sha384-[A-Za-z0-9+/=]+)","revision":(?:"[0-9a-f]+"|null),"url":"([^"]+)"\}/g)];
    expect(entries.map(([, , url]) => url)).toEqual(expect.arrayContaining(['index.html', 'manifest.webmanifest']));
    expect(entries.length).toBe([...sw.matchAll(/"url":"[^"]+"/g)].length);
    for (const [, integrity, url] of entries) {
      const bytes = await (await request.get(`/${url}`)).body();
      expect(integrity, url).toBe(`sha384-${createHash('sha384').update(bytes).digest('base64')}`);
    }
  });

  test('never serves a planted index.html or script: the build’s copies come back, with the CSP, and the worker says why', async ({
    page,
    context,
    request,
  }) => {
    const logged = workerConsole(context);
    const server = await serverDocument(request);
    const script = mainScriptOf(server.html);
    const serverScript = await (await request.get(script)).text();
    await signIn(page);
    await plant(page, '/index.html', server.html.replace('</head>', `${PLANTED_SCRIPT}</head>`), { 'Content-Type': 'text/html' });
    await plant(page, script, PLANTED_MODULE, { 'Content-Type': 'text/javascript' });

    await expectTheApp(page, await page.goto('/'), server.headers);
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    expect(await cached(page, '/index.html')).toBe(server.html);
    expect(await cached(page, script)).toBe(serverScript);
    await expect
      .poll(() => logged.filter((line) => line.includes('does not match the build')))
      .toEqual([expect.stringContaining('/index.html does not match'), expect.stringContaining(`${script} does not match`)]);
    expect(logged.join('\n')).not.toContain('__planted');
  });

  test('after sign-out and in a new tab, the next user gets the real app, not the planted one', async ({ page, context, request }) => {
    const server = await serverDocument(request);
    const script = mainScriptOf(server.html);
    await signIn(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    // Sign-out keeps the precache on purpose (the app shell works offline): the plant is still there.
    await plant(page, '/index.html', server.html.replace('</head>', `${PLANTED_SCRIPT}</head>`), { 'Content-Type': 'text/html' });
    await plant(page, script, PLANTED_MODULE, { 'Content-Type': 'text/javascript' });
    await page.close();

    const next = await context.newPage();
    const response = await next.goto('/login');
    await waitForController(next);
    await expectTheApp(next, response, server.headers);
    await submitLogin(next, 'ada', 'lovelace');
    await expect(next.getByRole('heading', { name: /Welcome, Ada/ })).toBeVisible();
    expect(await cached(next, '/index.html')).toBe(server.html);
  });

  test('a copy with the build’s bytes but without its CSP is served with the CSP, and kept', async ({ page, context, request }) => {
    const logged = workerConsole(context);
    const server = await serverDocument(request);
    await signIn(page);
    // Only the headers are changed: no CSP, and a permissive one under another name for good measure.
    await plant(page, '/index.html', server.html, { 'Content-Type': 'text/html', 'Content-Security-Policy-Report-Only': 'script-src *' });

    for (const path of ['/', '/login', '/somewhere-else']) await expectTheApp(page, await page.goto(path), server.headers);
    const sent = (await page.goto('/'))?.headers() ?? {};
    expect(sent['content-security-policy-report-only']).toBeUndefined();
    expect(await cached(page, '/index.html')).toBe(server.html);
    expect(logged.filter((line) => line.includes('precache'))).toEqual([]);
  });
});

test.describe('without the check (positive control)', () => {
  let workspace: string;
  let server: OwnServer;

  test.beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'broker-no-integrity-'));
    const built = spawnSync(
      process.execPath,
      ['node_modules/vite/bin/vite.js', 'build', '--outDir', workspace, '--emptyOutDir', '--logLevel', 'error'],
      { env: { ...process.env, VITE_PRECACHE_INTEGRITY: 'off' }, encoding: 'utf8' },
    );
    if (built.status !== 0) throw new Error(`the build without the check failed:\n${built.stdout}\n${built.stderr}`);
  });

  test.afterAll(async () => {
    await server?.stop();
    rmSync(workspace, { recursive: true, force: true });
  });

  test('the same plant is served, without the CSP, and its inline script runs', async ({ page }) => {
    test.slow(); // a production build of its own
    server = await startServer({ DIST_DIR: workspace });
    await page.goto(`${server.url}/login`);
    await waitForController(page);
    const html = await (await page.request.get(`${server.url}/index.html`)).text();
    await plant(page, '/index.html', html.replace('</head>', `${PLANTED_SCRIPT}</head>`), { 'Content-Type': 'text/html' });

    const response = await page.goto(`${server.url}/login`);
    expect(response?.fromServiceWorker()).toBe(true);
    expect(response?.headers()['content-security-policy']).toBeUndefined();
    await expect(page.getByText(PLANTED_TEXT)).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __planted?: boolean }).__planted)).toBe(true);
  });
});
