import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';
import type { Stats } from '../mock-api/stats.ts';

export { stopAllWorkers } from './workers';

/** Counters the mock API keeps with MOCK_CONTROLS=1 (CONTRACT.md). */
export type MockStats = Stats;

/** The mock API's control endpoints. */
export class MockControls {
  constructor(private readonly request: APIRequestContext) {}

  async stats(): Promise<MockStats> {
    const response = await this.request.get('/__mock/stats');
    expect(response.status()).toBe(200);
    return (await response.json()) as MockStats;
  }

  async reset(): Promise<void> {
    expect((await this.request.post('/__mock/reset')).status()).toBe(204);
  }

  async rotateKeys(): Promise<void> {
    expect((await this.request.post('/__mock/rotate-keys')).status()).toBe(204);
  }
}

/** Resolves once a service worker controls the page. */
export async function waitForController(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

export interface LoginOptions {
  /** Sets "Keep me signed in" to this state; left as the form shows it when absent. */
  remember?: boolean;
}

/** Fills in and submits the login form on the current page, once a worker controls it. */
export async function submitLogin(page: Page, username = 'test', password = 'test', { remember }: LoginOptions = {}): Promise<void> {
  await waitForController(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  if (remember !== undefined) await page.getByLabel('Keep me signed in').setChecked(remember);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in through the login form and waits for the home page. */
export async function signIn(page: Page, username = 'test', password = 'test', firstName = 'Test'): Promise<void> {
  await page.goto('/login');
  await submitLogin(page, username, password);
  await expect(page.getByRole('heading', { name: new RegExp(firstName) })).toBeVisible();
}

/**
 * Turns the home page's live updates off and waits until they are. An event stream ends at its
 * token's expiry and comes back through the worker with a fresh token, a refresh of its own: tests
 * that count refreshes turn it off.
 */
export async function turnLiveUpdatesOff(page: Page): Promise<void> {
  await page.getByLabel('Live updates via').selectOption({ label: 'Off' });
  await expect(page.getByRole('status').filter({ hasText: 'Live updates:' })).toHaveText('Live updates: off');
}

/** A JWT-shaped string: three base64url segments, the first two JSON objects. */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}/;

export const test = base.extend<{ mock: MockControls; page: Page; expectedProblems: RegExp[] }>({
  /** Problems a test provokes on purpose, which the page fixture then does not count. */
  expectedProblems: [[], { option: true }],
  // Automatic, so no test inherits counters, refresh tokens, todos or faults from the one before.
  mock: [
    async ({ request }, use) => {
      const controls = new MockControls(request);
      await controls.reset();
      await use(controls);
    },
    { auto: true },
  ],
  // Every test also fails on an uncaught page error, a CSP violation or a service-worker error.
  page: async ({ page, context, expectedProblems }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });
    const cdp = await context.newCDPSession(page);
    cdp.on('ServiceWorker.workerErrorReported', ({ errorMessage }) => problems.push(`worker: ${errorMessage.errorMessage}`));
    await cdp.send('ServiceWorker.enable');
    await use(page);
    expect(problems.filter((problem) => !expectedProblems.some((pattern) => pattern.test(problem)))).toEqual([]);
  },
});

export { expect };

/** Counts the requests the service worker itself sends to a path, from now on. */
export function countWorkerRequests(page: Page, pathname: string): () => number {
  let count = 0;
  page.context().on('request', (request) => {
    if (request.serviceWorker() && new URL(request.url()).pathname === pathname) count += 1;
  });
  return () => count;
}

/** Records whether the login form is ever shown on the page from now on (a flicker). */
export async function watchForLoginForm(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => {
    const state = { seen: false };
    (window as unknown as { loginFormSeen: typeof state }).loginFormSeen = state;
    new MutationObserver(() => {
      if (document.querySelector('input[autocomplete="current-password"]')) state.seen = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  return () => page.evaluate(() => (window as unknown as { loginFormSeen: { seen: boolean } }).loginFormSeen.seen);
}

/** Clicks "Reload users" and resolves with the status the page got for /api/users. */
export async function reloadUsers(page: Page): Promise<number> {
  const answered = page.waitForResponse(
    (response) => new URL(response.url()).pathname === '/api/users' && response.request().serviceWorker() === null,
  );
  await page.getByRole('button', { name: 'Reload users' }).click();
  return (await answered).status();
}
