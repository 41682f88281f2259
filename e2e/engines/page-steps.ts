// What the cross-engine flows do in a page, through the driver interface only.
import assert from 'node:assert/strict';
import { type EngineTab, until } from './driver';

export interface PageAnswer {
  status: number;
  body: unknown;
}

/** A plain `fetch` made by the page itself: no token, no header of ours. A `json` body is sent as JSON. */
export function pageFetch(tab: EngineTab, path: string, method = 'GET', json?: unknown): Promise<PageAnswer> {
  return tab.evaluate(
    async ({ path, method, body }) => {
      const response = await fetch(path, body === null ? { method } : { method, headers: { 'Content-Type': 'application/json' }, body });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
    },
    { path, method, body: json === undefined ? null : JSON.stringify(json) },
  );
}

export async function waitForController(tab: EngineTab): Promise<void> {
  await until('a service worker to control the page', () => tab.evaluate(() => navigator.serviceWorker.controller !== null, null));
}

export async function waitForHeading(tab: EngineTab, text: string): Promise<void> {
  await until(`a heading "${text}"`, () =>
    tab.evaluate((text) => Array.from(document.querySelectorAll('h1')).some((heading) => heading.textContent?.trim() === text), text),
  );
}

export async function signIn(tab: EngineTab, origin: string): Promise<void> {
  await tab.goto(`${origin}/login`);
  await waitForController(tab);
  await tab.fill('Username', 'test');
  await tab.fill('Password', 'test');
  await tab.clickButton('Sign in');
  await waitForHeading(tab, 'Welcome, Test');
}

/** The page's own fetch of /api/me, which only the worker's token can make succeed. */
export async function expectMe(tab: EngineTab): Promise<void> {
  const me = await pageFetch(tab, '/api/me');
  assert.equal(me.status, 200, `GET /api/me from the page: ${JSON.stringify(me)}`);
  assert.equal((me.body as { username?: unknown }).username, 'test');
}

/** Waits until the home page's live-updates status reads `Live updates: <state>`. */
export async function waitForLiveState(tab: EngineTab, state: string, timeoutMs?: number): Promise<void> {
  await until(
    `"Live updates: ${state}"`,
    () =>
      tab.evaluate(
        (text) => Array.from(document.querySelectorAll('[role="status"]')).some((element) => element.textContent?.trim() === text),
        `Live updates: ${state}`,
      ),
    timeoutMs,
  );
}

/**
 * Picks the home page's live-updates transport (`sse`, `ws` or `off`) through its control, as a
 * user does, and waits for the state that follows (`connected`, or `off`).
 */
export async function chooseLiveTransport(tab: EngineTab, value: 'sse' | 'ws' | 'off'): Promise<void> {
  const found = await tab.evaluate((value) => {
    const select = document.querySelector<HTMLSelectElement>('#live-transport');
    if (!select) return false;
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
    return true;
  }, value);
  assert.ok(found, 'the home page has no live-updates control (#live-transport)');
  await waitForLiveState(tab, value === 'off' ? 'off' : 'connected');
}

/** Whether the home page's todo list shows a todo titled `title`. */
export function listsTodo(tab: EngineTab, title: string): Promise<boolean> {
  return tab.evaluate(
    (title) => Array.from(document.querySelectorAll('[aria-label="Todos"] li')).some((item) => item.textContent?.includes(title) === true),
    title,
  );
}

/** Counters of the server that refreshes; `logins` where it counts them. */
export interface RestartCounts {
  refreshes: number;
  logins?: number;
}

/**
 * Stops the worker the engine's way, reopens `home` signed in and checks the page's `/api/me`,
 * until the server (`count`) has seen one refresh. The engine decides when the worker is really
 * gone; its tokens outlive the run there, so the first refresh is the proof, and each round must
 * work either way: no new sign-in, never more than one refresh.
 */
export async function untilRestartRefreshes(
  tab: EngineTab,
  stopWorker: (tab: EngineTab) => Promise<void>,
  home: string,
  count: () => Promise<RestartCounts>,
): Promise<void> {
  const before = await count();
  await until(
    'the engine to stop the worker (a refresh seen by the token server)',
    async () => {
      await stopWorker(tab);
      await tab.goto(home);
      await waitForHeading(tab, 'Welcome, Test');
      await expectMe(tab);
      const now = await count();
      assert.equal(now.logins, before.logins, 'a restarted worker must not need a new sign-in');
      assert.ok(now.refreshes - before.refreshes <= 1, `one refresh per restart, saw ${now.refreshes - before.refreshes}`);
      return now.refreshes > before.refreshes;
    },
    75_000,
  );
}
