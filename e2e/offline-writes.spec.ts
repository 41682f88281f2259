import type { APIRequestContext, BrowserContext, Page } from '@playwright/test';
import { expect, JWT_PATTERN, signIn, submitLogin, test } from './fixtures';
import { dumpIndexedDb } from './helpers/indexed-db';
import { jwtsReadableByPage } from './helpers/page-secrets';

const todoItems = (page: Page) => page.getByRole('list', { name: 'Todos' }).getByRole('listitem');
const todo = (page: Page, title: string) => todoItems(page).filter({ hasText: title });
const offlineBanner = (page: Page) => page.getByRole('status').filter({ hasText: 'You are offline' });
const droppedNotice = (page: Page) => page.getByRole('alert').filter({ hasText: /not (sent|saved)/ });

/** Adds a todo through the form, and waits until the form has taken it (it then empties the field). */
async function addTodo(page: Page, title: string): Promise<void> {
  await page.getByLabel('New todo').fill(title);
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByLabel('New todo')).toHaveValue('');
}

/** Cuts the network (the page's and the worker's) and waits until the page knows. */
async function goOffline(page: Page, context: BrowserContext): Promise<void> {
  await context.setOffline(true);
  await expect(offlineBanner(page)).toBeVisible();
}

/** The titles of a user's todos as the server holds them: its own sign-in and a Bearer token, no browser. */
async function serverTodos(request: APIRequestContext, username: string, password: string): Promise<string[]> {
  const login = await request.post('/auth/login', { data: { username, password } });
  expect(login.status()).toBe(200);
  const { access_token: token } = (await login.json()) as { access_token: string };
  const list = await request.get('/api/todos', { headers: { Authorization: `Bearer ${token}` } });
  expect(list.status()).toBe(200);
  return ((await list.json()) as { title: string }[]).map((item) => item.title);
}

/** The worker's offline queue as IndexedDB holds it (bodies as text), read from the page. */
async function queuedInIndexedDb(page: Page): Promise<{ url: string; headers: [string, string][]; body: string }[]> {
  const store = (await dumpIndexedDb(page)).find(({ database, store }) => database === 'token-broker' && store === 'session');
  const index = store?.keys.indexOf('offline-writes') ?? -1;
  return index < 0 ? [] : (store?.values[index] as { url: string; headers: [string, string][]; body: string }[]);
}

/** Records the Background Sync events Chromium reports for the origin from now on (DevTools' Background Services). */
async function watchBackgroundSync(page: Page): Promise<() => string[]> {
  const cdp = await page.context().newCDPSession(page);
  const events: string[] = [];
  cdp.on('BackgroundService.backgroundServiceEventReceived', ({ backgroundServiceEvent }) => events.push(backgroundServiceEvent.eventName));
  await cdp.send('BackgroundService.startObserving', { service: 'backgroundSync' });
  await cdp.send('BackgroundService.setRecording', { shouldRecord: true, service: 'backgroundSync' });
  return () => events;
}

test.describe('writes made offline', () => {
  test('a todo added offline is pending, stays pending across an offline reload, and goes out by Background Sync once online', async ({
    page,
    context,
    request,
  }) => {
    const syncEvents = await watchBackgroundSync(page);
    await signIn(page);
    await expect(todoItems(page)).toHaveText(['Nothing to do yet.']);

    await goOffline(page, context);
    await addTodo(page, 'buy milk offline');
    await expect(todo(page, 'buy milk offline')).toContainText('pending');
    await expect(page.getByLabel('New todo')).toHaveValue('');

    // IndexedDB holds the page's request as it made it: no Authorization, no DPoP, no token anywhere.
    const queued = await queuedInIndexedDb(page);
    expect(queued).toHaveLength(1);
    expect(queued[0]?.body).toBe('{"title":"buy milk offline"}');
    expect(queued[0]?.headers.map(([name]) => name.toLowerCase())).not.toContain('authorization');
    expect(queued[0]?.headers.map(([name]) => name.toLowerCase())).not.toContain('dpop');
    expect(JSON.stringify(queued)).not.toMatch(JWT_PATTERN);
    expect(await jwtsReadableByPage(page)).toEqual([]);

    await page.reload();
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    await expect(todo(page, 'buy milk offline')).toContainText('pending');

    // Back online, with no click. Chromium applies DevTools' offline emulation to Background Sync
    // too, so the sync registered when the write was queued is dispatched now and its event
    // replays the queue. (This reloaded document missed the offline switch, as lifecycle.spec.ts
    // notes, so it gets no `online` event: the fallback is not what sends it here.)
    await context.setOffline(false);
    await expect(todo(page, 'buy milk offline')).toHaveCount(1);
    await expect(todo(page, 'buy milk offline')).not.toContainText('pending');
    expect(await serverTodos(request, 'test', 'test')).toEqual(['buy milk offline']);
    expect(syncEvents()).toEqual(expect.arrayContaining(['Registered sync', 'Dispatched sync event', 'Sync completed']));
    expect(await queuedInIndexedDb(page)).toEqual([]);
    await expect(droppedNotice(page)).toHaveCount(0);
  });

  test('without Background Sync, the page’s online event has the worker send what it queued', async ({ page, context, request }) => {
    const syncEvents = await watchBackgroundSync(page);
    await signIn(page);
    await expect(todoItems(page)).toHaveText(['Nothing to do yet.']);
    // As in a browser without Background Sync (Firefox, Safari): the worker finds no `registration.sync`.
    const worker = context.serviceWorkers()[0];
    expect(worker).toBeDefined();
    await worker?.evaluate(() => Object.defineProperty(ServiceWorkerRegistration.prototype, 'sync', { get: () => undefined }));

    await goOffline(page, context);
    await addTodo(page, 'first offline');
    await addTodo(page, 'second offline');
    await expect(todo(page, 'second offline')).toContainText('pending');
    await expect(todo(page, 'first offline')).toContainText('pending');

    // The page's `online` event asks the worker to replay (and again, backing off, while writes
    // wait: the worker's network may come back a moment after the page's).
    await context.setOffline(false);
    await expect(todoItems(page)).toHaveText([/^\s*first offline\s*Delete$/, /^\s*second offline\s*Delete$/]);
    expect(await serverTodos(request, 'test', 'test')).toEqual(['first offline', 'second offline']);
    expect(syncEvents()).toEqual([]);
  });

  test('a todo queued offline is dropped at sign-out with a message, and never sent for the next user or anyone', async ({
    page,
    context,
    request,
  }) => {
    await signIn(page);
    await expect(todoItems(page)).toHaveText(['Nothing to do yet.']);
    await goOffline(page, context);
    await addTodo(page, 'written by test offline');
    await expect(todo(page, 'written by test offline')).toContainText('pending');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(droppedNotice(page)).toContainText('was not sent: the session ended first');
    await expect(droppedNotice(page)).not.toContainText('written by test offline');
    expect(await queuedInIndexedDb(page)).toEqual([]);

    await context.setOffline(false);
    await expect(offlineBanner(page)).toHaveCount(0);
    await submitLogin(page, 'ada', 'lovelace');
    await expect(page.getByRole('heading', { name: /Welcome, Ada/ })).toBeVisible();
    await expect(todoItems(page)).toHaveText(['Nothing to do yet.']);
    await expect(droppedNotice(page)).toBeVisible();
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await expect(droppedNotice(page)).toHaveCount(0);

    expect(await serverTodos(request, 'ada', 'lovelace')).toEqual([]);
    expect(await serverTodos(request, 'test', 'test')).toEqual([]);
  });
});
