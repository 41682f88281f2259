import type { Page } from '@playwright/test';
import {
  countWorkerRequests,
  expect,
  reloadUsers,
  signIn,
  stopAllWorkers,
  submitLogin,
  test,
  turnLiveUpdatesOff,
  waitForController,
  watchForLoginForm,
} from './fixtures';
import { askWorker } from './helpers/ask-worker';
import { withPersistentProfile } from './helpers/persistent-profile';
import { ACCESS_TTL_SECONDS, baseUrl } from './server-env';

const usersList = (page: Page) => page.getByRole('list', { name: 'Users' }).getByRole('listitem');
const pastExpiry = (page: Page) => page.waitForTimeout(ACCESS_TTL_SECONDS * 1000 + 500);

test.describe('a worker stopped while idle', () => {
  test('the next API call succeeds through one cookie refresh, with no login and no flicker', async ({ page, mock }) => {
    await signIn(page);
    await expect(usersList(page)).toHaveCount(2);
    const sawLogin = await watchForLoginForm(page);
    const before = await mock.stats();

    await stopAllWorkers(page);
    expect(await reloadUsers(page)).toBe(200);
    await expect(usersList(page)).toHaveCount(2);

    const after = await mock.stats();
    // The token was still valid: only a worker that lost its memory needs to refresh.
    expect(after.refreshes - before.refreshes).toBe(1);
    expect(after.logins).toBe(1);
    expect(after.apiUnauthorized - before.apiUnauthorized).toBe(0);
    expect(await sawLogin()).toBe(false);
  });
});

test.describe('a page the worker does not control', () => {
  test('the first visit is controlled without a reload', async ({ page }) => {
    await page.goto('/login');
    await waitForController(page);
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  });

  test('after a hard reload the active worker claims the page within a second: no Not protected screen, no reload', async ({
    page,
    context,
    mock,
  }) => {
    await signIn(page);
    let loads = 0;
    page.on('load', () => (loads += 1));
    const before = await mock.stats();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Page.reload', { ignoreCache: true }); // Shift+reload: the browser bypasses the worker
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    await expect(usersList(page)).toHaveCount(2);
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    // It loaded uncontrolled (the hard reload) and was claimed in place: one load, no reload loop.
    expect(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).type)).toBe('reload');
    expect(loads).toBe(1);
    await expect(page.getByRole('heading', { name: 'Not protected' })).toHaveCount(0);
    // Every API call went through the worker: none reached the API without a token.
    expect((await mock.stats()).apiUnauthorized).toBe(before.apiUnauthorized);
  });

  test('with service workers blocked it shows a specific message and never calls the API', async ({ browser }) => {
    const context = await browser.newContext({ serviceWorkers: 'block', baseURL: baseUrl() });
    const apiCalls: string[] = [];
    context.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/')) apiCalls.push(request.url());
    });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Not protected' })).toBeVisible();
    await expect(page.getByRole('alert').filter({ hasText: 'not protected by the service worker' })).toBeVisible();
    expect(apiCalls).toEqual([]);
    await context.close();
  });
});

test.describe('many tabs', () => {
  test('sign-in and sign-out in one tab show up in the others without a reload', async ({ page, context }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/login/);
    const other = await context.newPage();
    await other.goto('/');
    await expect(other).toHaveURL(/\/login/);

    await submitLogin(page);
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    await expect(other.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();

    await other.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page).toHaveURL(/\/login/);
  });

  test('a refresh triggered by two tabs at once is one refresh call', async ({ page, context, mock }) => {
    await signIn(page);
    const other = await context.newPage();
    await other.goto('/');
    await expect(usersList(other)).toHaveCount(2);
    // Only the two reloads may ask for a refresh.
    for (const tab of [page, other]) await turnLiveUpdatesOff(tab);
    await pastExpiry(page);
    const before = await mock.stats();
    expect(await Promise.all([reloadUsers(page), reloadUsers(other)])).toEqual([200, 200]);
    await expect(usersList(page)).toHaveCount(2);
    await expect(usersList(other)).toHaveCount(2);
    expect((await mock.stats()).refreshes - before.refreshes).toBe(1);
  });
});

test.describe('a client clock that is off', () => {
  for (const [label, offsetMs] of [
    ['10 minutes ahead', 600_000],
    ['10 minutes behind', -600_000],
  ] as const) {
    test(`${label}: about one refresh per token lifetime, no storm, no failures`, async ({ page, context, mock }) => {
      await signIn(page);
      const worker = context.serviceWorkers()[0];
      expect(worker).toBeDefined();
      // Shift the worker's clock (Playwright's own clock reaches pages, not workers).
      await worker?.evaluate((offset) => {
        const realNow = Date.now.bind(Date);
        Date.now = () => realNow() + offset;
      }, offsetMs);
      const before = await mock.stats();
      const seconds = ACCESS_TTL_SECONDS * 3;
      const statuses = await page.evaluate(async (ms) => {
        const seen: number[] = [];
        for (const end = performance.now() + ms; performance.now() < end;) {
          seen.push((await fetch('/api/users')).status);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return seen;
      }, seconds * 1000);
      const after = await mock.stats();
      expect(new Set(statuses)).toEqual(new Set([200]));
      // Refresh-ahead at two thirds of each lifetime: about 4-5 in three lifetimes; a storm would be one per request.
      const refreshes = after.refreshes - before.refreshes;
      expect(refreshes).toBeGreaterThanOrEqual(2);
      expect(refreshes).toBeLessThanOrEqual(7);
      expect(statuses.length).toBeGreaterThan(40);
      // The shift really reached the worker: it reports expiry times on its own (shifted) clock.
      const { session } = await askWorker<{ session: { accessExpiresAt: number } }>(page, { type: 'session' });
      expect(Math.abs(session.accessExpiresAt - Date.now() - offsetMs)).toBeLessThan(ACCESS_TTL_SECONDS * 1000 + 2_000);
    });
  }
});

test.describe('a browser restart', () => {
  /** Signs in (with or without "Keep me signed in"), restarts the browser and expects `outcome`. */
  async function restartWith(remember: boolean, outcome: 'signed-in' | 'signed-out'): Promise<void> {
    await withPersistentProfile(async (launch) => {
      const first = await launch();
      const page = first.pages()[0] ?? (await first.newPage());
      await page.goto('/login');
      await submitLogin(page, 'test', 'test', { remember });
      await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
      await first.close();

      const second = await launch();
      // Read before any navigation: a refused refresh would clear the cookie itself.
      const refreshCookies = (await second.cookies()).filter((cookie) => cookie.name === 'refresh_token');
      expect(refreshCookies).toHaveLength(outcome === 'signed-in' ? 1 : 0);
      const again = second.pages()[0] ?? (await second.newPage());
      await again.goto('/');
      const welcome = again.getByRole('heading', { name: 'Welcome, Test' });
      const signInHeading = again.getByRole('heading', { name: 'Sign in' });
      if (outcome === 'signed-in') {
        await expect(welcome).toBeVisible();
        await expect(signInHeading).toHaveCount(0);
        await expect(usersList(again)).toHaveCount(2);
      } else {
        await expect(signInHeading).toBeVisible();
        await expect(welcome).toHaveCount(0);
        await expect(again).toHaveURL(/\/login/);
      }
      // The worker, not only the page, is in that state.
      await waitForController(again);
      expect(await askWorker(again, { type: 'session' })).toMatchObject({ ok: true, session: { status: outcome } });
    });
  }

  test('with "Keep me signed in" the user is still signed in through the cookie', async ({ mock }) => {
    await restartWith(true, 'signed-in');
    expect((await mock.stats()).logins).toBe(1);
  });

  test('without it the refresh cookie ends with the browser and a fresh start is signed out', async () => {
    await restartWith(false, 'signed-out');
  });
});

test.describe('offline', () => {
  test('renders the app, keeps the session, fails fast, and works again online without a login', async ({ page, context, mock }) => {
    await signIn(page);
    await expect(usersList(page)).toHaveCount(2);
    const refreshAttempts = countWorkerRequests(page, '/auth/refresh');

    await context.setOffline(true);
    await expect(page.getByRole('status').filter({ hasText: 'You are offline' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();

    // Playwright's offline emulation does not always reach navigator.onLine in a document that
    // loaded while offline; setting it again applies it to the new document, as a real outage would.
    await context.setOffline(false);
    await context.setOffline(true);
    await expect.poll(() => page.evaluate(() => navigator.onLine)).toBe(false);
    // Counted from here: during the brief "online" above, a list may reload and the worker refresh.
    const attemptsBefore = refreshAttempts();
    await pastExpiry(page);
    for (let i = 0; i < 3; i += 1) {
      expect(await reloadUsers(page)).toBe(503);
      await expect(page.getByRole('region', { name: 'Users' }).getByRole('alert').filter({ hasText: 'You are offline' })).toBeVisible();
    }
    await expect(page.getByRole('status').filter({ hasText: 'You are offline' })).toBeVisible();
    expect(refreshAttempts() - attemptsBefore).toBe(0);

    // Back online, the list loads again by itself, with no login.
    await context.setOffline(false);
    await expect(page.getByRole('status').filter({ hasText: 'You are offline' })).toHaveCount(0);
    await expect(usersList(page)).toHaveCount(2);
    expect((await mock.stats()).logins).toBe(1);
  });
});

test.describe('a token endpoint that hangs', () => {
  test('is cut off by the timeout: the request gets 503 auth_unavailable once and the UI says it is reconnecting', async ({
    page,
    mock,
    request,
  }) => {
    test.slow(); // waits out the 10 s refresh timeout
    await signIn(page);
    await expect(usersList(page)).toHaveCount(2);
    const refreshAttempts = countWorkerRequests(page, '/auth/refresh');
    expect((await request.post('/__mock/faults', { data: { refresh: 'hang' } })).status()).toBe(204);
    await pastExpiry(page);

    const answered = page.waitForResponse((response) => response.url().endsWith('/api/users'));
    await page.getByRole('button', { name: 'Reload users' }).click();
    const response = await answered;
    expect(response.status()).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'auth_unavailable' });
    expect(response.headers()['retry-after']).toBeDefined();
    await expect(page.getByRole('alert').filter({ hasText: 'reconnecting' })).toBeVisible();
    expect(refreshAttempts()).toBe(1);
    await expect(page).not.toHaveURL(/\/login/);

    // Cleared: the list reconnects by itself (after Retry-After), with no login.
    expect((await request.post('/__mock/faults', { data: { refresh: null } })).status()).toBe(204);
    await expect(usersList(page)).toHaveCount(2, { timeout: 30_000 });
    expect((await mock.stats()).logins).toBe(1);
  });
});

test.describe('a page that holds the refresh lock', () => {
  test('cannot hang the API: the wait ends at the timeout with 503 auth_unavailable, and the next call works', async ({ page, mock }) => {
    test.slow(); // waits out the 10 s lock timeout
    await signIn(page);
    await expect(usersList(page)).toHaveCount(2);
    // A page script takes the worker's lock and never lets go (until told to).
    await page.evaluate(() => {
      const released = new Promise<void>((resolve) => Object.assign(window, { releaseLock: resolve }));
      void navigator.locks.request('token-broker-refresh', () => released);
    });
    await expect.poll(() => page.evaluate(async () => (await navigator.locks.query()).held?.length ?? 0)).toBe(1);
    await stopAllWorkers(page); // the restarted worker must refresh, so it needs the lock

    const blocked = await page.evaluate(async () => {
      const response = await fetch('/api/me');
      return { status: response.status, retryAfter: response.headers.get('Retry-After'), body: (await response.json()) as unknown };
    });
    expect(blocked.status).toBe(503);
    expect(blocked.retryAfter).not.toBeNull();
    expect(blocked.body).toMatchObject({ error: 'auth_unavailable' });
    expect((await mock.stats()).refreshes).toBe(0);

    await page.evaluate(() => (window as unknown as { releaseLock: () => void }).releaseLock());
    expect(await page.evaluate(async () => (await fetch('/api/me')).status)).toBe(200);
    const stats = await mock.stats();
    expect(stats.refreshes).toBe(1);
    expect(stats.logins).toBe(1);
  });
});

test.describe('a page that heals by itself', () => {
  const reconnecting = (page: Page) => page.getByRole('status').filter({ hasText: /Reconnecting/ });
  const todosList = (page: Page) => page.getByRole('list', { name: 'Todos' });

  test('a network failure shows the reconnecting banner even while navigator.onLine says true, and the lists reload by themselves', async ({
    page,
    request,
  }) => {
    await signIn(page);
    await expect(usersList(page)).toHaveCount(2);
    expect((await request.post('/__mock/faults', { data: { refresh: 'unavailable' } })).status()).toBe(204);
    await stopAllWorkers(page); // the restarted worker must refresh, and cannot
    await page.reload();

    await expect(reconnecting(page)).toBeVisible();
    expect(await page.evaluate(() => navigator.onLine)).toBe(true);
    await expect(page.getByRole('alert').filter({ hasText: 'reconnecting' }).first()).toBeVisible();

    expect((await request.post('/__mock/faults', { data: { refresh: null } })).status()).toBe(204);
    // No click: the lists try again by themselves (backoff, at least the server's Retry-After).
    await expect(usersList(page)).toHaveCount(2, { timeout: 20_000 });
    await expect(todosList(page)).toBeVisible();
    await expect(reconnecting(page)).toHaveCount(0);
    await expect(page.getByRole('alert')).toHaveCount(0);
  });

  test('after the network was cut and a reload, restoring it reloads the lists without a click', async ({ page, context }) => {
    await signIn(page);
    await expect(usersList(page)).toHaveCount(2);
    await context.setOffline(true);
    await page.reload(); // served from the precache; navigator.onLine may still say true here
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: /You are offline|Reconnecting/ })).toBeVisible();
    await expect(page.getByRole('alert').first()).toBeVisible();

    await context.setOffline(false);
    await expect(usersList(page)).toHaveCount(2, { timeout: 20_000 });
    await expect(todosList(page)).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: /You are offline|Reconnecting/ })).toHaveCount(0);
  });

  test('a tab that becomes visible again tries at once instead of waiting out its backoff', async ({ page, request }) => {
    await signIn(page);
    await expect(usersList(page)).toHaveCount(2);
    expect((await request.post('/__mock/faults', { data: { refresh: 'unavailable' } })).status()).toBe(204);
    await stopAllWorkers(page);
    await page.clock.install();
    await page.reload();
    await expect(reconnecting(page)).toBeVisible();
    // Page time stands still from here: the backoff timer cannot fire, only the visibility hook can retry.
    await page.clock.pauseAt(Date.now() + 100);
    expect((await request.post('/__mock/faults', { data: { refresh: null } })).status()).toBe(204);

    const reloaded = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/users' && response.ok());
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await reloaded;
    await expect(usersList(page)).toHaveCount(2);
  });
});
