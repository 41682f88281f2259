import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, submitLogin, test } from './fixtures';
import { startServer, type OwnServer } from './own-server';

/** Builds the app into `outDir`, labelled `buildId`: a different build, so a different sw.js. */
function build(outDir: string, buildId: string): void {
  const result = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'],
    {
      env: { ...process.env, VITE_BUILD_ID: buildId },
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`build ${buildId} failed:\n${result.stdout}\n${result.stderr}`);
}

/** The revision a build's sw.js precaches index.html under (its injected manifest). */
function shellRevision(buildDir: string): string {
  const revision = /"revision":"([0-9a-f]+)","url":"index\.html"\}/.exec(readFileSync(join(buildDir, 'sw.js'), 'utf8'))?.[1];
  if (!revision) throw new Error(`no index.html entry in ${buildDir}/sw.js`);
  return revision;
}

/** Follows every service-worker version of the page's origin through CDP: versionId to status. */
async function watchWorkerVersions(page: Page): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  const cdp = await page.context().newCDPSession(page);
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions: updated }) => {
    for (const version of updated) versions.set(version.versionId, version.status);
  });
  await cdp.send('ServiceWorker.enable');
  return versions;
}

let workspace: string;
let server: OwnServer;

test.describe('an update to the service worker', () => {
  test.beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'broker-update-'));
    build(join(workspace, 'v1'), 'e2e-v1');
    build(join(workspace, 'v2'), 'e2e-v2');
  });

  test.afterAll(async () => {
    await server?.stop();
    rmSync(workspace, { recursive: true, force: true });
  });

  test('installs beside a signed-in tab, is offered as "Reload to update", and keeps the session', async ({ page, context }) => {
    test.slow(); // two production builds
    const live = join(workspace, 'live');
    cpSync(join(workspace, 'v1'), live, { recursive: true });
    server = await startServer({ DIST_DIR: live, ACCESS_TTL: '60' });

    await page.goto(`${server.url}/login`);
    await submitLogin(page);
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    await expect(page.getByText('Build e2e-v1')).toBeVisible();
    const versions = await watchWorkerVersions(page);
    const liveVersions = (): [string, string][] => [...versions].filter(([, status]) => status !== 'redundant');
    await expect.poll(liveVersions).toEqual([[expect.any(String), 'activated']]);
    const [[v1Version]] = liveVersions() as [[string, string]];
    const refreshes = () =>
      page.request
        .get(`${server.url}/__mock/stats`)
        .then(async (response) => (await response.json()) as { refreshes: number; logins: number });

    // Deploy v2 and let the browser look for it, as it does on navigation or every 24 h.
    rmSync(live, { recursive: true, force: true });
    cpSync(join(workspace, 'v2'), live, { recursive: true });
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());

    const prompt = page.getByRole('button', { name: 'Reload to update' });
    await expect(prompt).toBeVisible({ timeout: 20_000 });
    // Until accepted, the old worker keeps serving the signed-in tab.
    await expect(page.getByText('Build e2e-v1')).toBeVisible();
    const before = await refreshes();

    await prompt.click();
    await expect(page.getByText('Build e2e-v2')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    const after = await refreshes();
    expect(after.logins).toBe(1);
    // The new worker started with empty memory and refreshed through the cookie.
    expect(after.refreshes - before.refreshes).toBe(1);

    // v2 took over completely: one new activated version, v1 retired, nothing installing or waiting.
    await expect.poll(liveVersions).toEqual([[expect.not.stringMatching(`^${v1Version}$`), 'activated']]);
    expect(versions.get(v1Version)).toBe('redundant');
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const registration = await navigator.serviceWorker.getRegistration();
          const controller = navigator.serviceWorker.controller;
          return {
            installing: registration?.installing?.state ?? null,
            waiting: registration?.waiting?.state ?? null,
            active: registration?.active?.state ?? null,
            controlsPage: controller !== null && controller === registration?.active,
          };
        }),
      )
      .toEqual({ installing: null, waiting: null, active: 'activated', controlsPage: true });
    // The one running worker is that active one, and its precache is v2's: v2's activation
    // dropped v1's revision of the shell.
    expect(shellRevision(join(workspace, 'v2'))).not.toBe(shellRevision(join(workspace, 'v1')));
    await expect.poll(() => context.serviceWorkers().length).toBe(1);
    const inWorker = await context.serviceWorkers()[0]?.evaluate(async () => {
      const scope = self as unknown as { serviceWorker: ServiceWorker; registration: ServiceWorkerRegistration };
      const revisions: string[] = [];
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) {
          const url = new URL(request.url);
          if (url.pathname === '/index.html') revisions.push(url.searchParams.get('__WB_REVISION__') ?? '');
        }
      }
      return { state: scope.serviceWorker.state, isActive: scope.registration.active === scope.serviceWorker, revisions };
    });
    expect(inWorker).toEqual({ state: 'activated', isActive: true, revisions: [shellRevision(join(workspace, 'v2'))] });
  });

  test('with two signed-in tabs: both offer it, accepting in one reloads both once, the session is intact, no loop', async ({
    page,
    context,
  }) => {
    test.slow(); // two production builds
    const live = join(workspace, 'live-two-tabs');
    cpSync(join(workspace, 'v1'), live, { recursive: true });
    const own = await startServer({ DIST_DIR: live, ACCESS_TTL: '60' });
    try {
      await page.goto(`${own.url}/login`);
      await submitLogin(page);
      await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
      const other = await context.newPage();
      await other.goto(`${own.url}/`);
      await expect(other.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
      const tabs = [page, other];
      const loads = tabs.map(() => 0);
      tabs.forEach((tab, index) => tab.on('load', () => (loads[index] = (loads[index] ?? 0) + 1)));

      rmSync(live, { recursive: true, force: true });
      cpSync(join(workspace, 'v2'), live, { recursive: true });
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
      for (const tab of tabs) await expect(tab.getByRole('button', { name: 'Reload to update' })).toBeVisible({ timeout: 20_000 });

      await other.getByRole('button', { name: 'Reload to update' }).click();
      for (const tab of tabs) {
        await expect(tab.getByText('Build e2e-v2')).toBeVisible({ timeout: 20_000 });
        await expect(tab.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
        await expect(tab.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
        await expect(tab.getByRole('button', { name: 'Reload to update' })).toHaveCount(0);
      }
      // Settled: each tab loaded exactly once more, and no later reload follows.
      const stats = await page.request.get(`${own.url}/__mock/stats`);
      expect(((await stats.json()) as { logins: number }).logins).toBe(1);
      await expect.poll(() => Promise.all(tabs.map((tab) => tab.evaluate(() => document.readyState)))).toEqual(['complete', 'complete']);
      const settled = [...loads];
      expect(settled).toEqual([1, 1]);
      await other.reload();
      await expect(other.getByText('Build e2e-v2')).toBeVisible();
      expect(loads).toEqual([1, 2]);
    } finally {
      await own.stop();
    }
  });
});
