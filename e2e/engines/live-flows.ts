import assert from 'node:assert/strict';
import { until } from './driver';
import type { Step } from './flows';
import { chooseLiveTransport, listsTodo, pageFetch, waitForHeading, waitForLiveState } from './page-steps';

/** How long a change may take to show up in the other tab here; Chromium's e2e holds it to 1 s. */
const SHOWS_UP_WITHIN_MS = 5_000;

const addTodo = async (tab: Parameters<typeof pageFetch>[0], title: string): Promise<void> => {
  const answer = await pageFetch(tab, '/api/todos', 'POST', { title });
  assert.equal(answer.status, 201, `POST /api/todos from the page: ${JSON.stringify(answer)}`);
};

/**
 * Live data in this engine: the home page's event stream goes through the worker (which lends it
 * the token), ends at each token's expiry and comes back with a fresh one, and the WebSocket path
 * (a ticket fetched through the worker) carries changes too.
 */
export const liveUpdates: Step = {
  name: 'a todo added in one tab shows up in another: over server-sent events across two token lifetimes, then over a WebSocket',
  async run({ browser, expiring }) {
    if ('skip' in browser.newTab) return { skipped: browser.newTab.skip };
    const { tab } = browser;
    await waitForLiveState(tab, 'connected');
    const other = await browser.newTab.how();
    await other.goto(`${expiring.url}/`);
    await waitForHeading(other, 'Welcome, Test');
    await waitForLiveState(other, 'connected');

    await tab.fill('New todo', 'added through the form');
    await tab.clickButton('Add');
    await until('the todo in the other tab', () => listsTodo(other, 'added through the form'), SHOWS_UP_WITHIN_MS);

    // Changes keep coming while the other tab's stream ends at each token's expiry and reconnects.
    const before = await expiring.stats();
    const titles: string[] = [];
    const end = Date.now() + (2 * expiring.accessTtlSeconds + 1) * 1000;
    while (Date.now() < end) {
      const title = `change ${titles.length + 1}`;
      await addTodo(tab, title);
      titles.push(title);
      // Paces the changes across the lifetimes; nothing waits on it.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await until(
      'every change in the other tab',
      async () => (await Promise.all(titles.map((title) => listsTodo(other, title)))).every(Boolean),
      SHOWS_UP_WITHIN_MS,
    );
    const after = await expiring.stats();
    assert.ok(after.refreshes - before.refreshes >= 2, `a refresh per token lifetime, saw ${after.refreshes - before.refreshes}`);
    assert.equal(after.logins, before.logins);
    assert.equal(after.apiUnauthorized, before.apiUnauthorized);

    await chooseLiveTransport(other, 'ws');
    await addTodo(tab, 'over a socket');
    await until('the todo sent over the WebSocket', () => listsTodo(other, 'over a socket'), SHOWS_UP_WITHIN_MS);
    await other.close();
  },
};
