import { expect, JWT_PATTERN, signIn, test, turnLiveUpdatesOff } from './fixtures';
import { askWorker } from './helpers/ask-worker';
import { jwtsReadableByPage } from './helpers/page-secrets';

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
        open.onerror = () => reject(open.error ?? new Error('IndexedDB open failed'));
      });
    }, fake);
    const found = await jwtsReadableByPage(page);
    expect(found).toEqual(expect.arrayContaining(['localStorage[probe]', 'window.probe.deeper.still.0', 'indexedDB probe-db/things']));
    await page.evaluate(() => indexedDB.deleteDatabase('probe-db'));
  });

  test('a page cannot call the token endpoints: the worker answers 403 broker_only', async ({ page, mock }) => {
    await signIn(page);
    await turnLiveUpdatesOff(page);
    const before = await mock.stats();
    const replies = await page.evaluate(async () => {
      const refresh = await fetch('/auth/refresh', { method: 'POST' });
      const login = await fetch('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"username":"test","password":"test"}',
      });
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
