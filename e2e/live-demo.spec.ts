import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from '@playwright/test';
import { expect, signIn, submitLogin, test, waitForController, type MockControls } from './fixtures';
import { startStaticSite } from './fixtures/static-site';

// The demo's live data through its real UI: two tabs of one signed-in browser, a change made in
// one shows up in the other, over server-sent events and over a WebSocket.

/** Live changes should reach the other tab well within this (ms); each measured delay is reported. */
const LIVE_WITHIN_MS = 1000;

const todos = (page: Page) => page.getByRole('list', { name: 'Todos' });
const liveState = (page: Page) => page.getByRole('status').filter({ hasText: 'Live updates:' });

/** Event streams and WebSockets open now (/__mock/stats has it beside the counters). */
const liveConnections = async (mock: MockControls): Promise<number> =>
  ((await mock.stats()) as unknown as { liveConnections: number }).liveConnections;

/** Opens a second tab of the same browser on the home page, signed in like the first. */
async function secondTab(context: BrowserContext, url: string): Promise<Page> {
  const other = await context.newPage();
  await other.goto(url);
  await waitForController(other);
  await expect(liveState(other)).toHaveText('Live updates: connected');
  return other;
}

/**
 * Runs `act` in tab A and resolves with the time from tab A's API answer (`method` on a todos URL)
 * until `seen` held in tab B (ms), which must be within LIVE_WITHIN_MS.
 */
async function delay(
  a: Page,
  method: string,
  act: () => Promise<void>,
  seen: (within: { timeout: number }) => Promise<void>,
): Promise<number> {
  const answered = a
    .waitForResponse((response) => response.request().method() === method && /^\/api\/todos/.test(new URL(response.url()).pathname))
    .then(() => Date.now());
  await act();
  const start = await answered;
  await seen({ timeout: LIVE_WITHIN_MS });
  return Date.now() - start;
}

/** Adds, ticks and deletes a todo in tab A; each shows up in tab B. Resolves with the delays. */
async function changesReachTheOtherTab(a: Page, b: Page, title: string): Promise<number[]> {
  const box = (page: Page) => todos(page).getByRole('checkbox', { name: title });
  const added = await delay(
    a,
    'POST',
    async () => {
      await a.getByLabel('New todo').fill(title);
      await a.getByRole('button', { name: 'Add' }).click();
    },
    (within) => expect(box(b)).toBeVisible(within),
  );
  const ticked = await delay(
    a,
    'PATCH',
    () => box(a).check(),
    (within) => expect(box(b)).toBeChecked(within),
  );
  const deleted = await delay(
    a,
    'DELETE',
    () =>
      todos(a)
        .getByRole('button', { name: `Delete ${title}` })
        .click(),
    (within) => expect(box(b)).toHaveCount(0, within),
  );
  await expect(box(a)).toHaveCount(0);
  return [added, ticked, deleted];
}

function report(what: string, delays: number[]): void {
  test.info().annotations.push({
    type: 'delay',
    description: `${what}: tab A's answer → tab B shows it: added, ticked, deleted ${delays.join(', ')} ms`,
  });
}

test.describe('live data in the demo', () => {
  test('a todo added, ticked and deleted in one tab shows up in another over server-sent events, then over a WebSocket', async ({
    page,
    context,
  }) => {
    await signIn(page);
    await expect(liveState(page)).toHaveText('Live updates: connected');
    const other = await secondTab(context, '/');

    report('server-sent events', await changesReachTheOtherTab(page, other, 'Over the event stream'));

    for (const tab of [page, other]) {
      await tab.getByLabel('Live updates via').selectOption({ label: 'WebSocket' });
      await expect(liveState(tab)).toHaveText('Live updates: connected');
    }
    report('WebSocket', await changesReachTheOtherTab(page, other, 'Over the socket'));
  });

  test('the WebSocket path really uses a socket: each tab asks for a ticket and opens /api/ws', async ({ page }) => {
    const opened: string[] = [];
    page.on('websocket', (socket) => opened.push(new URL(socket.url()).pathname));
    const tickets = page.waitForResponse(
      (response) => new URL(response.url()).pathname === '/api/ws-ticket' && !response.request().serviceWorker(),
    );
    await signIn(page);
    await page.getByLabel('Live updates via').selectOption({ label: 'WebSocket' });
    expect((await tickets).status()).toBe(201);
    await expect(liveState(page)).toHaveText('Live updates: connected');
    expect(opened).toEqual(['/api/ws']);
  });

  test('the live state says off once signed out, and the stream is closed', async ({ page, mock }) => {
    await signIn(page);
    await expect(liveState(page)).toHaveText('Live updates: connected');
    await expect.poll(() => liveConnections(mock)).toBe(1);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expect.poll(() => liveConnections(mock)).toBe(0);
  });

  test('the avatar renders, and its request went through the worker with the token', async ({ page, context }) => {
    const fromWorker = context.waitForEvent('request', {
      predicate: (request) => request.serviceWorker() !== null && new URL(request.url()).pathname === '/api/avatar',
    });
    await signIn(page);
    const avatar = page.getByRole('region', { name: 'Session' }).locator('img[src^="/api/avatar"]');
    await expect.poll(() => avatar.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBeGreaterThan(0);
    const request = await fromWorker;
    expect(await request.headerValue('authorization')).toMatch(/^(Bearer|DPoP) /);
    expect((await request.response())?.status()).toBe(200);
  });

  test('Download CSV saves todos.csv with the header and the user’s todos', async ({ page }) => {
    await signIn(page);
    for (const title of ['Milk', 'Bread, "fresh"']) {
      await page.getByLabel('New todo').fill(title);
      await page.getByRole('button', { name: 'Add' }).click();
      await expect(todos(page).getByRole('checkbox', { name: title })).toBeVisible();
    }
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('todos.csv');
    const text = await readFile(await file.path(), 'utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('id,title,done');
    expect(lines.slice(1, 3)).toEqual([expect.stringMatching(/^\d+,Milk,false$/), expect.stringMatching(/^\d+,"Bread, ""fresh""",false$/)]);
  });

  test('a plain download link to the CSV gets no token in Chromium: a download is a navigation, which the worker never lends it', async ({
    page,
    mock,
  }) => {
    await signIn(page);
    const before = await mock.stats();
    const download = page.waitForEvent('download');
    await page.evaluate(() => {
      const link = Object.assign(document.createElement('a'), { href: '/api/todos.csv', download: 'todos.csv' });
      document.body.append(link);
      link.click();
      link.remove();
    });
    expect(await (await download).failure()).not.toBeNull();
    const after = await mock.stats();
    expect(after.apiUnauthorized - before.apiUnauthorized).toBe(1);
  });
});

const DIST_DEMO = fileURLToPath(new URL('../dist-demo', import.meta.url));

test.describe('live data in the in-browser demo', () => {
  test("one tab's changes show up in another over the worker's own event stream; WebSocket is not offered", async ({ page, context }) => {
    test.skip(!existsSync(join(DIST_DEMO, 'index.html')), 'dist-demo/ is missing: run npm run build:demo first');
    const site = await startStaticSite({ root: DIST_DEMO });
    try {
      await page.goto(`${site.url}/login`);
      await submitLogin(page, 'test', 'test');
      await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
      await expect(liveState(page)).toHaveText('Live updates: connected');
      await expect(page.getByRole('option', { name: 'WebSocket' })).toBeDisabled();
      const other = await secondTab(context, `${site.url}/`);

      report('in-browser demo, server-sent events', await changesReachTheOtherTab(page, other, 'Between tabs'));
    } finally {
      await site.close();
    }
  });
});
