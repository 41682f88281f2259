import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, submitLogin, test } from './fixtures';
import { startServer, type OwnServer } from './own-server';

/** Builds the app into `outDir`, labelled `buildId`: a different build, so a different sw.js. */
function build(outDir: string, buildId: string): void {
  const result = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
    env: { ...process.env, VITE_BUILD_ID: buildId },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`build ${buildId} failed:\n${result.stdout}\n${result.stderr}`);
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
    const refreshes = () => page.request.get(`${server.url}/__mock/stats`).then(async (response) => ((await response.json()) as { refreshes: number; logins: number }));

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
    expect(context.serviceWorkers().length).toBeGreaterThan(0);
  });
});
