import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from '@playwright/test';
import { API_PATH } from '../mock-api/app.ts';
import type { StoredCookie } from '../mock-api/in-browser/cookie-jar.ts';
import { COOKIE_RECORD, STATE_RECORD } from '../mock-api/in-browser/idb-stores.ts';
import { expect, reloadUsers, stopAllWorkers, submitLogin, test, waitForController } from './fixtures';
import type { RunningServer } from './fixtures/serve-on-free-port';
import { startStaticSite } from './fixtures/static-site';
import { askWorker } from './helpers/ask-worker';
import { readRecord, writeRecord } from './helpers/idb-record';

// The in-browser demo as `npm run build:demo` writes it, served by a plain static file server.
const DIST_DEMO = fileURLToPath(new URL('../dist-demo', import.meta.url));
const BADGE = 'demo mode: no real server';

const usersList = (page: Page) => page.getByRole('list', { name: 'Users' }).getByRole('listitem');
const todosList = (page: Page) => page.getByRole('list', { name: 'Todos' }).getByRole('listitem');

/** The refresh-token families the in-browser API has stored: whether each is revoked, and how many tokens it issued. */
async function storedFamilies(page: Page): Promise<{ revoked: boolean; tokens: number }[]> {
  type Stored = { refreshTokens: { families: [string, { revoked: boolean }][]; tokens: [string, { familyId: string }][] } };
  const state = (await readRecord(page, STATE_RECORD)) as Stored | undefined;
  const { families = [], tokens = [] } = state?.refreshTokens ?? {};
  return families.map(([id, family]) => ({ revoked: family.revoked, tokens: tokens.filter(([, token]) => token.familyId === id).length }));
}

/** The refresh cookie in the in-browser API's jar, if there is one. */
async function refreshCookie(page: Page): Promise<StoredCookie | undefined> {
  const cookies = (await readRecord(page, COOKIE_RECORD)) as StoredCookie[] | undefined;
  return cookies?.find((cookie) => cookie.name === 'refresh_token');
}

/** Every request the worker sends to the network for an API path, from now on: the in-browser API should leave none. */
function workerApiRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => {
    if (request.serviceWorker() && API_PATH.test(new URL(request.url()).pathname)) urls.push(request.url());
  });
  return urls;
}

/** What `navigator.onLine` says in the newest service worker (undefined while none answers). */
async function workerOnline(context: BrowserContext): Promise<boolean | undefined> {
  const worker = context.serviceWorkers().at(-1);
  return worker?.evaluate(() => navigator.onLine).catch(() => undefined);
}

let site: RunningServer | undefined;

/**
 * Serves dist-demo/, opens it once so that its worker installs (the app shell is precached by the
 * time the worker controls the page), then cuts the network: the server stops and the browser goes
 * offline. Resolves with the site's origin.
 */
async function installThenCutNetwork(page: Page, context: BrowserContext): Promise<string> {
  site = await startStaticSite({ root: DIST_DEMO });
  const origin = site.url;
  await page.goto(`${origin}/`);
  await waitForController(page);
  await site.close();
  site = undefined;
  await context.setOffline(true);
  return origin;
}

test.beforeAll(() => {
  if (!existsSync(join(DIST_DEMO, 'index.html'))) throw new Error('dist-demo/ is missing: run npm run build:demo first');
});

test.afterEach(async () => {
  await site?.close();
  site = undefined;
});

test.describe('the in-browser demo on a static host, offline', () => {
  test('signs in, lists users, keeps todos through a reload and a worker stop, signs out, and keeps users apart', async ({
    page,
    context,
  }) => {
    const origin = await installThenCutNetwork(page, context);
    const sentToNetwork = workerApiRequests(context);

    // A deep link with the server gone: only the worker's navigation route can answer it.
    await page.goto(`${origin}/login`);
    await expect(page.getByRole('note', { name: BADGE })).toHaveText(BADGE);
    await submitLogin(page, 'test', 'test');
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    await expect(usersList(page)).toHaveText([/Test User/, /Ada Lovelace/]);

    await page.getByLabel('New todo').fill('Buy milk');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect(todosList(page)).toHaveText([/^\s*Buy milk\s*Delete$/]);
    await page.reload();
    await expect(todosList(page)).toHaveText([/^\s*Buy milk\s*Delete$/]);
    expect(await storedFamilies(page)).toEqual([{ revoked: false, tokens: 1 }]);

    // The browser stops the idle worker: its memory, and the in-browser API's with it, is gone.
    await stopAllWorkers(page);
    // A message wakes a new worker that needs no token yet; Playwright's offline emulation reaches
    // a restarted worker only when set again, so it is, and the worker then knows it is offline.
    expect(await askWorker(page, { type: 'session' })).toMatchObject({ ok: true, session: { status: 'signed-in' } });
    await context.setOffline(false);
    await context.setOffline(true);
    await expect.poll(() => workerOnline(context)).toBe(false);
    // Its first API call refreshes through the jar's cookie, offline: the in-browser API needs no network.
    expect(await reloadUsers(page)).toBe(200);
    await expect(usersList(page)).toHaveCount(2);
    expect(await storedFamilies(page)).toEqual([{ revoked: false, tokens: 2 }]);
    await page.reload();
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    await expect(todosList(page)).toHaveText([/^\s*Buy milk\s*Delete$/]);
    // That one refresh, and no new sign-in.
    expect(await storedFamilies(page)).toEqual([{ revoked: false, tokens: 2 }]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByLabel('Username')).toBeVisible();
    expect(await storedFamilies(page)).toEqual([{ revoked: true, tokens: 2 }]);
    expect(await refreshCookie(page)).toBeUndefined();

    await submitLogin(page, 'ada', 'lovelace');
    await expect(page.getByRole('heading', { name: /Welcome, Ada/ })).toBeVisible();
    await expect(todosList(page)).toHaveText(['Nothing to do yet.']);
    await expect(page.getByRole('note', { name: BADGE })).toBeVisible();
    expect(sentToNetwork).toEqual([]);
  });

  test('a replayed refresh cookie ends the session and revokes its family (reuse detection)', async ({ page, context }) => {
    const origin = await installThenCutNetwork(page, context);
    await page.goto(`${origin}/login`);
    await submitLogin(page, 'test', 'test');
    await expect(usersList(page)).toHaveCount(2);
    const stolen = await readRecord(page, COOKIE_RECORD);
    const first = await refreshCookie(page);
    expect(first).toBeDefined();

    // The control: a restarted worker refreshes through the jar, which then holds the successor.
    await stopAllWorkers(page);
    await page.reload();
    await expect(usersList(page)).toHaveCount(2);
    expect(await storedFamilies(page)).toEqual([{ revoked: false, tokens: 2 }]);
    expect((await refreshCookie(page))?.value).not.toBe(first?.value);

    // The replay: the replaced cookie back in the jar, and a restarted worker that must refresh.
    await writeRecord(page, COOKIE_RECORD, stolen);
    await stopAllWorkers(page);
    await page.reload();
    await expect(page.getByLabel('Username')).toBeVisible();
    expect(await storedFamilies(page)).toEqual([{ revoked: true, tokens: 2 }]);
    expect(await refreshCookie(page)).toBeUndefined();
  });
});
