import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, signIn, submitLogin, test, waitForController } from './fixtures';
import { startStaticSite } from './fixtures/static-site';
import { ACCESS_TTL_SECONDS } from './server-env';

// Live data as a page uses it: an EventSource and a WebSocket opened by the page's own script.
// The page holds no token; the worker authorizes the stream and the ticket request.

interface Received {
  ids: string[];
  changes: string[];
  reconnects: number;
}

/**
 * Opens an EventSource on /api/events in the page and records every todo event. Chromium does not
 * hand Last-Event-ID to the service worker, so the page reconnects by itself, with the last id it
 * saw (from `ready`, `reset` or `todo`) in the URL, as an app behind the worker would.
 */
async function listen(page: Page): Promise<void> {
  await page.evaluate(() => {
    const received = { ids: [] as string[], changes: [] as string[], reconnects: 0 };
    (window as unknown as { received: typeof received }).received = received;
    let last = '';
    const connect = (): void => {
      const source = new EventSource(last === '' ? '/api/events' : `/api/events?lastEventId=${encodeURIComponent(last)}`);
      const remember = (event: MessageEvent): void => void (last = event.lastEventId);
      source.addEventListener('ready', remember);
      source.addEventListener('reset', remember);
      source.addEventListener('todo', (event) => {
        remember(event);
        received.ids.push(event.lastEventId);
        received.changes.push((JSON.parse(event.data as string) as { todo: { title: string } }).todo.title);
      });
      source.addEventListener('error', () => {
        source.close();
        received.reconnects += 1;
        // A test's hook runs while no stream is open.
        const hook = (window as unknown as { whileAway?: () => Promise<void> }).whileAway;
        void (hook?.() ?? Promise.resolve()).then(() => setTimeout(connect, 1000));
      });
    };
    connect();
  });
}

const received = (page: Page): Promise<Received> => page.evaluate(() => (window as unknown as { received: Received }).received);

/** Adds a todo with the page's own fetch, through the worker. */
async function addTodo(page: Page, title: string): Promise<number> {
  return page.evaluate(
    async (title) =>
      (await fetch('/api/todos', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title }) }))
        .status,
    title,
  );
}

test.describe('live data through the service worker', () => {
  test('an event stream outlives two tokens: it ends at each expiry, comes back through the worker with a fresh one, and misses nothing', async ({
    page,
    mock,
  }) => {
    await signIn(page);
    await listen(page);
    expect(await addTodo(page, 'one')).toBe(201);
    await expect.poll(async () => (await received(page)).changes).toEqual(['one']);
    const before = await mock.stats();
    // Two changes made while no stream is open, once per gap: they can only come as the replay.
    const changeWhileAway = (titles: string[]): Promise<void> =>
      page.evaluate((titles) => {
        const hooks = window as unknown as { whileAway?: () => Promise<void> };
        hooks.whileAway = async () => {
          delete hooks.whileAway;
          for (const title of titles)
            await fetch('/api/todos', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title }) });
        };
      }, titles);
    // Time is the subject here: each stream ends at its token's expiry.
    const lifetime = { timeout: (ACCESS_TTL_SECONDS + 10) * 1000 };

    await changeWhileAway(['two', 'three']);
    await expect.poll(async () => (await received(page)).changes, lifetime).toEqual(['one', 'two', 'three']);
    const firstGap = (await received(page)).reconnects;
    expect(firstGap).toBeGreaterThan(0);
    const afterFirst = await mock.stats();
    expect(afterFirst.refreshes).toBeGreaterThan(before.refreshes);

    // The second token's stream ends too, at its own expiry; the third token's stream replays the gap.
    await changeWhileAway(['four', 'five']);
    await expect.poll(async () => (await received(page)).changes, lifetime).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect((await received(page)).reconnects).toBeGreaterThan(firstGap);
    const ids = (await received(page)).ids.map(Number);
    expect(ids.slice(1)).toEqual([1, 2, 3, 4].map((step) => ids[0]! + step));
    const after = await mock.stats();
    expect(after.refreshes).toBeGreaterThan(afterFirst.refreshes);
    expect(after.logins).toBe(1);
    // The home page's own stream and this test's, and none left over from the reconnects.
    await expect.poll(async () => ((await mock.stats()) as unknown as { liveConnections: number }).liveConnections).toBe(2);
  });

  test('a WebSocket opened with a ticket the page got through the worker receives the changes; the same ticket again is refused', async ({
    page,
  }) => {
    await signIn(page);
    const { message, replay } = await page.evaluate(async () => {
      // The page's own fetch: the worker authorizes it, and the browser sets Origin.
      const response = await fetch('/api/ws-ticket', { method: 'POST' });
      const { ticket } = (await response.json()) as { ticket: string };
      const socket = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/ws?ticket=${ticket}`);
      const first = new Promise<unknown>((resolve) => (socket.onmessage = (event) => resolve(JSON.parse(String(event.data)))));
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      await fetch('/api/todos', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"title":"over the socket"}' });
      const message = await first;
      // The ticket was consumed by the first socket: a second one with it never opens.
      const again = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/ws?ticket=${ticket}`);
      const replay = await new Promise<string>((resolve) => {
        again.onopen = () => resolve('opened');
        again.onclose = (event) => resolve(`closed ${event.code}`);
      });
      socket.close();
      return { message, replay };
    });
    expect(replay).toBe('closed 1006');
    // A reset of the server forgets changes but not their numbering: the id is whatever comes next.
    expect(message).toMatchObject({ type: 'todo', id: expect.any(Number), change: 'added', todo: { title: 'over the socket' } });
  });
});

const DIST_DEMO = fileURLToPath(new URL('../dist-demo', import.meta.url));

test.describe('live data in the in-browser demo', () => {
  test("one tab's change reaches another tab's event stream through the worker's own API; there is no WebSocket", async ({
    page,
    context,
  }) => {
    test.skip(!existsSync(join(DIST_DEMO, 'index.html')), 'dist-demo/ is missing: run npm run build:demo first');
    const site = await startStaticSite({ root: DIST_DEMO });
    try {
      await page.goto(`${site.url}/login`);
      await waitForController(page);
      await submitLogin(page, 'test', 'test');
      await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
      await listen(page);
      const other = await context.newPage();
      await other.goto(`${site.url}/`);
      await waitForController(other);
      expect(await addTodo(other, 'from the other tab')).toBe(201);
      await expect.poll(async () => (await received(page)).changes).toEqual(['from the other tab']);
      const ticket = await other.evaluate(async () => (await fetch('/api/ws-ticket', { method: 'POST' })).status);
      expect(ticket).toBe(501);
    } finally {
      await site.close();
    }
  });
});
