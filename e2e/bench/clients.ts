import type { BrowserContext, Page } from '@playwright/test';
import type { Stats } from '../../mock-api/stats.ts';
import type { Origin } from './servers.ts';

/** The mock API's counters behind an origin. */
export async function stats(origin: Origin): Promise<Stats> {
  return (await fetch(`${origin.url}/__mock/stats`)).json() as Promise<Stats>;
}

/** Signs in through the app's own form; the worker then holds the token. */
export async function appPage(context: BrowserContext, origin: Pick<Origin, 'url'>): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin.url}/login`);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.getByLabel('Username').fill('test');
  await page.getByLabel('Password').fill('test');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
  return page;
}

/** A page that logs in itself and keeps the token in page JavaScript, as most apps do. */
export async function tokenPage(context: BrowserContext, origin: Origin, worker?: string): Promise<{ page: Page; token: string }> {
  const page = await context.newPage();
  await page.goto(`${origin.url}/`);
  if (worker) {
    await page.evaluate((url) => navigator.serviceWorker.register(url).then(() => undefined), worker);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  }
  const token = await page.evaluate(async () => {
    const response = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"username":"test","password":"test"}',
    });
    return ((await response.json()) as { access_token: string }).access_token;
  });
  return { page, token };
}

/** Sequential requests from the page: each one's latency, ms. */
export function sequential(page: Page, count: number, authorization?: string): Promise<number[]> {
  return page.evaluate(
    async ({ count, authorization }) => {
      const init: RequestInit = authorization ? { headers: { Authorization: authorization } } : {};
      const times: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const start = performance.now();
        const response = await fetch('/api/me', init);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`status ${response.status}`);
        times.push(performance.now() - start);
      }
      return times;
    },
    { count, authorization },
  );
}

/** `count` requests at once from the page: time until all are answered, ms. */
export function concurrent(page: Page, count: number, authorization?: string): Promise<number> {
  return page.evaluate(
    async ({ count, authorization }) => {
      const init: RequestInit = authorization ? { headers: { Authorization: authorization } } : {};
      const start = performance.now();
      const responses = await Promise.all(
        Array.from({ length: count }, () => fetch('/api/me', init).then(async (r) => (await r.arrayBuffer(), r.status))),
      );
      if (responses.some((status) => status !== 200)) throw new Error('a request failed');
      return performance.now() - start;
    },
    { count, authorization },
  );
}
