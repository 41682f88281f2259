import type { Page } from '@playwright/test';
import { expect, JWT_PATTERN, signIn, test } from './fixtures';
import { askWorker } from './helpers/ask-worker';
import { dumpIndexedDb } from './helpers/indexed-db';

/** Every place page JavaScript can read that holds a JWT-shaped string, by name. */
async function jwtsReadableByPage(page: Page): Promise<string[]> {
  const inIndexedDb = (await dumpIndexedDb(page))
    .filter(({ keys, values }) => JWT_PATTERN.test(JSON.stringify([keys, values])))
    .map(({ database, store }) => `indexedDB ${database}/${store}`);
  const elsewhere = await page.evaluate((source) => {
    const pattern = new RegExp(source);
    const found: string[] = [];
    const check = (where: string, value: unknown): void => {
      if (typeof value === 'string' && pattern.test(value)) found.push(where);
    };
    for (const [name, storage] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]] as const) {
      for (let i = 0; i < storage.length; i += 1) {
        const key = storage.key(i) ?? '';
        check(`${name}[${key}]`, `${key}=${storage.getItem(key) ?? ''}`);
      }
    }
    check('document.cookie', document.cookie);
    check('the DOM', document.documentElement.outerHTML);

    // Everything reachable from the page's globals and the Vue app, breadth first, bounded.
    // Getters run only on window itself: a prototype's getter called on the prototype throws.
    const seen = new WeakSet<object>();
    const vueApp = (document.querySelector('#app') as (Element & { __vue_app__?: unknown }) | null)?.__vue_app__;
    const queue: [unknown, string, number][] = [
      [window, 'window', 0],
      [vueApp, 'vueApp', 0],
    ];
    let visited = 0;
    while (queue.length > 0 && visited < 200_000) {
      const [value, path, depth] = queue.shift() as [unknown, string, number];
      visited += 1;
      if (typeof value === 'string') {
        check(path, value);
        continue;
      }
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
      seen.add(value);
      if (depth >= 8) continue;
      for (const key of Reflect.ownKeys(value)) {
        const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
        let child: unknown;
        if (descriptor && 'value' in descriptor) child = descriptor.value;
        else if (value === window && descriptor?.get) {
          try {
            child = descriptor.get.call(window);
          } catch {
            continue;
          }
        } else continue;
        queue.push([child, `${path}.${String(key)}`, depth + 1]);
      }
    }
    return found;
  }, JWT_PATTERN.source);
  return [...elsewhere, ...inIndexedDb];
}

test.describe('the token never reaches the page', () => {
  test('no JWT-shaped string is readable from page JavaScript after a full session', async ({ page, context }) => {
    let tokenSeenOnTheWire = '';
    context.on('request', (request) => {
      const authorization = request.headers()['authorization'];
      if (request.serviceWorker() && authorization) tokenSeenOnTheWire = authorization;
    });
    await signIn(page);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    await page.getByLabel('New todo').fill('buy milk');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect(page.getByText('buy milk')).toBeVisible();
    await page.reload();
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);

    // The worker holds a real JWT, and the pattern recognises it.
    expect(tokenSeenOnTheWire).toMatch(JWT_PATTERN);
    expect(await jwtsReadableByPage(page)).toEqual([]);
  });

  test('the search finds a JWT-shaped string wherever one is planted (positive control)', async ({ page }) => {
    await signIn(page);
    const fake = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl';
    await page.evaluate(async (token) => {
      localStorage.setItem('probe', token);
      (window as unknown as { probe: unknown }).probe = { deeper: { still: [token] } };
      await new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('probe-db');
        open.onupgradeneeded = () => open.result.createObjectStore('things');
        open.onsuccess = () => {
          const tx = open.result.transaction('things', 'readwrite');
          tx.objectStore('things').put({ token }, 'k');
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
        };
        open.onerror = () => reject(open.error);
      });
    }, fake);
    const found = await jwtsReadableByPage(page);
    expect(found).toEqual(expect.arrayContaining(['localStorage[probe]', 'window.probe.deeper.still.0', 'indexedDB probe-db/things']));
    await page.evaluate(() => indexedDB.deleteDatabase('probe-db'));
  });

  test('a page cannot call the token endpoints: the worker answers 403 broker_only', async ({ page, mock }) => {
    await signIn(page);
    const before = await mock.stats();
    const replies = await page.evaluate(async () => {
      const refresh = await fetch('/auth/refresh', { method: 'POST' });
      const login = await fetch('/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username":"test","password":"test"}' });
      return [
        { status: refresh.status, body: (await refresh.json()) as unknown },
        { status: login.status, body: (await login.json()) as unknown },
      ];
    });
    expect(replies).toEqual([
      { status: 403, body: expect.objectContaining({ error: 'broker_only' }) },
      { status: 403, body: expect.objectContaining({ error: 'broker_only' }) },
    ]);
    const after = await mock.stats();
    expect(after.refreshes).toBe(before.refreshes);
    expect(after.logins).toBe(before.logins);
  });

  test('a message the protocol does not know gets bad_request and changes nothing', async ({ page }) => {
    await signIn(page);
    const reply = await askWorker(page, { type: 'get-token' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    await page.reload();
    await expect(page.getByRole('heading', { name: /Test/ })).toBeVisible();
  });
});
