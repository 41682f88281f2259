import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { startStaticSite } from './fixtures/static-site.ts';
import type { RunningServer } from './fixtures/serve-on-free-port.ts';
import { startTutorialApi } from './fixtures/tutorial-api/server.ts';
import { buildTutorialApp } from './fixtures/tutorial-app/build.ts';
import { expect, JWT_PATTERN, test } from './fixtures';
import { askWorker } from './helpers/ask-worker';
import { jwtsReadableByPage } from './helpers/page-secrets';
import { freePort } from './free-port';

// The library as an adopter uses it: e2e/fixtures/tutorial-app (its own service worker, only the
// public entry points) in front of a tutorial-shaped API on a second origin of the same site.
const ACCESS_TTL_SECONDS = 3;

interface LoggedRequest {
  method: string;
  path: string;
  authorization: string | null;
  origin: string | null;
}
interface ApiLog {
  requests: LoggedRequest[];
  counters: { authenticate: number; refresh: number; refreshFailed: number; revoke: number; unauthorized: number };
}

let api: RunningServer;
let site: RunningServer;
let workspace: string;

const csp = (connect: string): string =>
  `default-src 'self'; script-src 'self'; connect-src ${connect}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`;

async function apiLog(page: Page): Promise<ApiLog> {
  return (await (await page.request.get(`${api.url}/__test/log`)).json()) as ApiLog;
}

async function control(page: Page, path: string): Promise<void> {
  expect((await page.request.post(`${api.url}/__test/${path}`)).status()).toBe(200);
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${site.url}/`);
  await expect(page.getByRole('status')).toHaveText('Protected by the service worker');
  await page.getByLabel('Username').fill('test');
  await page.getByLabel('Password').fill('test');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Test' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
}

/** Clicks "Reload users" and resolves with the status the page got for GET /users. */
async function reloadUsers(page: Page): Promise<number> {
  const answered = page.waitForResponse((response) => response.url() === `${api.url}/users` && response.request().serviceWorker() === null);
  await page.getByRole('button', { name: 'Reload users' }).click();
  return (await answered).status();
}

const pastExpiry = (page: Page): Promise<void> => page.waitForTimeout(ACCESS_TTL_SECONDS * 1000 + 500);

test.describe('the library in front of a tutorial-shaped API on another origin', () => {
  test.beforeAll(async () => {
    const appPort = await freePort();
    api = await startTutorialApi({ allowedOrigin: `http://127.0.0.1:${appPort}`, accessTtlSeconds: ACCESS_TTL_SECONDS });
    workspace = mkdtempSync(join(tmpdir(), 'broker-tutorial-app-'));
    await buildTutorialApp(workspace, api.url);
    site = await startStaticSite({ root: workspace, port: appPort, headers: { 'Content-Security-Policy': csp(`'self' ${api.url}`) } });
  });

  test.afterAll(async () => {
    await site?.close();
    await api?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  test.beforeEach(async ({ page }) => {
    await control(page, 'reset');
  });

  test('signs in, and the worker, not the page, sends the bearer to GET /users on the other origin', async ({ page, context }) => {
    const fromPage: (string | undefined)[] = [];
    context.on('request', (request) => {
      if (request.url().startsWith(`${api.url}/users`) && request.serviceWorker() === null)
        fromPage.push(request.headers()['authorization']);
    });
    await signIn(page);
    const log = await apiLog(page);
    const users = log.requests.filter((request) => request.method === 'GET' && request.path === '/users');
    expect(users.length).toBeGreaterThan(0);
    for (const request of users) {
      expect(request.authorization).toMatch(new RegExp(`^Bearer ${JWT_PATTERN.source}$`));
      expect(request.origin).toBe(site.url);
    }
    expect(fromPage.length).toBeGreaterThan(0);
    expect(fromPage.every((authorization) => authorization === undefined)).toBe(true);
    expect(await jwtsReadableByPage(page)).toEqual([]);
  });

  test('refreshes an expired token once for many concurrent requests', async ({ page }) => {
    await signIn(page);
    await pastExpiry(page);
    const before = (await apiLog(page)).counters;
    const statuses = await page.evaluate(
      async (url) => Promise.all(Array.from({ length: 12 }, async () => (await fetch(url)).status)),
      `${api.url}/users`,
    );
    expect(statuses).toEqual(Array.from({ length: 12 }, () => 200));
    const after = (await apiLog(page)).counters;
    expect(after.refresh - before.refresh).toBe(1);
    expect(after.unauthorized - before.unauthorized).toBe(0);
  });

  test('heals a plain 401 (no WWW-Authenticate) with one refresh and one retry', async ({ page }) => {
    await signIn(page);
    await control(page, 'invalidate-access-tokens');
    const before = (await apiLog(page)).counters;
    expect(await reloadUsers(page)).toBe(200);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    const after = (await apiLog(page)).counters;
    expect(after.refresh - before.refresh).toBe(1);
    expect(after.unauthorized - before.unauthorized).toBe(1);
  });

  test('a revoked refresh token signs the user out, not "unavailable"', async ({ page }) => {
    await signIn(page);
    await control(page, 'revoke-refresh-tokens');
    await control(page, 'invalidate-access-tokens');
    expect(await reloadUsers(page)).toBe(401);
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Welcome, Test' })).toBeHidden();
    expect((await apiLog(page)).counters.refreshFailed).toBe(1);
    expect(await askWorker(page, { type: 'session' })).toEqual({ ok: true, session: { status: 'signed-out' } });
  });

  test('sign-out revokes the refresh token at the server, with the bearer its revoke endpoint wants', async ({ page, context }) => {
    await signIn(page);
    const [cookie] = await context.cookies(api.url);
    expect(cookie).toMatchObject({ name: 'refreshToken', httpOnly: true, sameSite: 'Strict' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    const log = await apiLog(page);
    expect(log.counters.revoke).toBe(1);
    expect(log.requests.find((request) => request.path === '/users/revoke-token')?.authorization).toMatch(/^Bearer /);
    // The cookie the browser held is dead now, wherever it is presented.
    const replay = await page.request.post(`${api.url}/users/refresh-token`, {
      headers: { Cookie: `refreshToken=${cookie?.value ?? ''}` },
    });
    expect(replay.status()).toBe(400);
  });

  test('refuses the page its own call to a token endpoint, and lends no bearer outside the allowlist', async ({ page }) => {
    await signIn(page);
    const before = (await apiLog(page)).counters;
    const answers = await page.evaluate(async (base) => {
      const refresh = await fetch(`${base}/users/refresh-token`, { method: 'POST', credentials: 'include' });
      const info = await fetch(`${base}/public/info`);
      const one = await fetch(`${base}/users/1`);
      return { refresh: { status: refresh.status, body: (await refresh.json()) as unknown }, info: info.status, one: one.status };
    }, api.url);
    expect(answers).toEqual({ refresh: { status: 403, body: expect.objectContaining({ error: 'broker_only' }) }, info: 200, one: 200 });
    const log = await apiLog(page);
    expect(log.counters.refresh).toBe(before.refresh);
    expect(log.requests.find((request) => request.path === '/public/info')?.authorization).toBeNull();
    expect(log.requests.find((request) => request.path === '/users/1')?.authorization).toMatch(/^Bearer /);
  });

  test('diagnose finds every configured origin reachable with credentials', async ({ page }) => {
    await page.goto(`${site.url}/`);
    await expect(page.getByRole('status')).toHaveText('Protected by the service worker');
    const reply = await askWorker<{ ok: boolean; checks: { what: string; ok: boolean }[] }>(page, { type: 'diagnose' });
    expect(reply.ok).toBe(true);
    expect(reply.checks.map((check) => check.what)).toEqual([
      'endpoints.login',
      'endpoints.refresh',
      'endpoints.logout',
      'allowlist[0]',
      'allowlist[1]',
    ]);
    expect(reply.checks.every((check) => check.ok)).toBe(true);
  });

  test.describe("when the worker's CSP does not allow the API", () => {
    // The browser reports each blocked fetch of the worker's: that is the subject here.
    test.use({ expectedProblems: [/Content Security Policy/] });

    test('sign-in fails with "network", and the page console says to fix connect-src and CORS', async ({ page }) => {
      // The same build, served from another origin whose CSP leaves the API out.
      const blocked = await startStaticSite({ root: workspace, headers: { 'Content-Security-Policy': csp("'self'") } });
      try {
        const lines: string[] = [];
        page.on('console', (message) => lines.push(message.text()));
        await page.goto(`${blocked.url}/`);
        await expect(page.getByRole('status')).toHaveText('Protected by the service worker');
        await page.getByLabel('Username').fill('test');
        await page.getByLabel('Password').fill('test');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await expect(page.getByRole('alert')).toContainText('could not be reached');
        await expect(page.getByRole('alert')).toContainText(`connect-src ${api.url}`);
        await expect
          .poll(() => lines.find((line) => line.startsWith('[token-broker] login failed: network:')))
          .toContain('Access-Control-Allow-Credentials');
        const reply = await askWorker<{ checks: { what: string; ok: boolean; detail: string }[] }>(page, { type: 'diagnose' });
        expect(reply.checks.find((check) => check.what === 'endpoints.login')).toMatchObject({
          ok: false,
          detail: expect.stringContaining('connect-src'),
        });
      } finally {
        await blocked.close();
      }
    });
  });
});
