import type { Page } from '@playwright/test';
import { expect, JWT_PATTERN, signIn, submitLogin, test, waitForController } from './fixtures';
import { dumpIndexedDb, type StoreDump } from './helpers/indexed-db';

/** Takes a heap snapshot of the page through CDP and returns it as text. */
async function heapSnapshot(page: Page): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  const chunks: string[] = [];
  cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await cdp.detach();
  return chunks.join('');
}

const FAKE_JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwcm9iZSJ9.cHJvYmUtc2lnbmF0dXJlLXByb2Jl';

test.describe('token hygiene', () => {
  test('a heap snapshot of the page after a full session holds no JWT-shaped string', async ({ page, context }) => {
    let tokenOnTheWire = '';
    context.on('request', (request) => {
      if (request.serviceWorker()) tokenOnTheWire ||= request.headers()['authorization'] ?? '';
    });
    await signIn(page);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    await page.getByLabel('New todo').fill('check the heap');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect(page.getByText('check the heap')).toBeVisible();
    expect(tokenOnTheWire).toMatch(JWT_PATTERN);
    expect(await heapSnapshot(page)).not.toMatch(JWT_PATTERN);
  });

  test('the heap search finds a JWT-shaped string the page holds (positive control)', async ({ page }) => {
    await signIn(page);
    // Built at run time so the string exists only in the page's heap, not in a script source.
    await page.evaluate((parts) => {
      (window as unknown as { held: string[] }).held = [parts.join('.')];
    }, FAKE_JWT.split('.'));
    expect(await heapSnapshot(page)).toMatch(JWT_PATTERN);
  });
});

test.describe('content security policy and headers', () => {
  test('every response carries the CSP and hardening headers, and the API is never cached', async ({ request }) => {
    for (const path of ['/', '/login', '/sw.js', '/manifest.webmanifest', '/api/users', '/.well-known/jwks.json']) {
      const headers = (await request.get(path)).headers();
      expect(headers['content-security-policy'], path).toContain("script-src 'self'");
      expect(headers['content-security-policy'], path).toContain("object-src 'none'");
      expect(headers['content-security-policy'], path).toContain("base-uri 'none'");
      expect(headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
      expect(headers['content-security-policy'], path).toContain("connect-src 'self'");
      expect(headers['x-content-type-options'], path).toBe('nosniff');
      expect(headers['referrer-policy'], path).toBe('no-referrer');
      expect(headers['cross-origin-opener-policy'], path).toBe('same-origin');
    }
    for (const path of ['/api/users', '/auth/refresh']) {
      const response = path.startsWith('/auth') ? await request.post(path) : await request.get(path);
      expect(response.headers()['cache-control'], path).toBe('no-store');
    }
  });

  test('the built app runs under the CSP with no violation through a full session', async ({ page }) => {
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    await signIn(page);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  });

  test.describe('when a script is injected', () => {
    test.use({ expectedProblems: [/CSP: .*inline script/] });

    test('an inline script is blocked (the CSP is enforced, not just sent)', async ({ page }) => {
      await page.goto('/login');
      const ran = await page.evaluate(async () => {
        const violation = new Promise<string>((resolve) =>
          document.addEventListener('securitypolicyviolation', (event) => resolve(event.violatedDirective), { once: true }),
        );
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true';
        document.body.append(script);
        return { ran: (window as unknown as { inlineRan?: boolean }).inlineRan === true, directive: await violation };
      });
      expect(ran).toEqual({ ran: false, directive: expect.stringContaining('script-src') });
    });
  });

  test('an oversized request header gets 431', async ({ request }) => {
    const response = await request.get('/api/users', { headers: { 'X-Padding': 'x'.repeat(20_000) } });
    expect(response.status()).toBe(431);
  });
});

const SECRET_TODO = 'test user secret todo';
const TEST_USER = { id: 1, username: 'test' };

/** The broker's own record lives in database `token-broker`, store `session` (sw/session-store.ts). */
const isBrokerStore = ({ database, store }: StoreDump): boolean => database === 'token-broker' && store === 'session';
const storeName = ({ database, store }: StoreDump): string => `${database}/${store}`;

/** Whether a value holds the test user's todo title or an object that is the test user. */
function mentionsTestUser(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(SECRET_TODO);
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (record.id === TEST_USER.id && record.username === TEST_USER.username) return true;
  return Object.values(record).some(mentionsTestUser);
}
const holdsTestUserData = ({ keys, values }: StoreDump): boolean => mentionsTestUser(keys) || mentionsTestUser(values);

test.describe('sign-out hygiene', () => {
  test('ends the access token too: a copy used from outside the browser is refused after sign-out', async ({ request }) => {
    // A Bearer session of its own (no DPoP proof, which DPOP=optional allows), since a token the
    // worker holds is DPoP-bound and useless outside the browser anyway (e2e/dpop.spec.ts).
    const login = await request.post('/auth/login', { data: { username: 'ada', password: 'lovelace' } });
    expect(login.status()).toBe(200);
    const { access_token: token, token_type: type } = (await login.json()) as { access_token: string; token_type: string };
    expect(type).toBe('Bearer');
    const copied = `Bearer ${token}`;
    expect((await request.get('/api/todos', { headers: { Authorization: copied } })).status()).toBe(200);

    expect((await request.post('/auth/logout')).status()).toBe(204); // the request context sends the refresh cookie
    for (const send of [
      () => request.get('/api/todos', { headers: { Authorization: copied } }),
      () => request.post('/api/todos', { headers: { Authorization: copied }, data: { title: 'after sign-out' } }),
    ]) {
      const response = await send();
      expect(response.status()).toBe(401);
      expect(response.headers()['www-authenticate']).toContain('error="invalid_token"');
    }
  });

  test('leaves nothing user-specific behind, the back button shows no data, and the next user sees only theirs', async ({ page }) => {
    await signIn(page);
    // History to go back through: this document's home, then an in-app page and home again.
    await page.goto('/nowhere');
    await page.getByRole('link', { name: 'Go to the home page' }).click();
    await expect(page.getByRole('heading', { name: /Welcome, Test/ })).toBeVisible();
    await page.getByLabel('New todo').fill(SECRET_TODO);
    await page.getByRole('button', { name: 'Add' }).click();
    await expect(page.getByText(SECRET_TODO)).toBeVisible();
    // Control: signed in, the broker's record is there and the search below recognises it.
    const signedIn = await dumpIndexedDb(page);
    expect(signedIn.filter(isBrokerStore)).toEqual([
      expect.objectContaining({
        keys: ['dpop-key', 'session'],
        values: [
          expect.objectContaining({ privateKey: expect.anything() }),
          expect.objectContaining({ user: expect.objectContaining(TEST_USER) }),
        ],
      }),
    ]);
    expect(signedIn.filter(holdsTestUserData).map(storeName)).toContain('token-broker/session');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    const leftovers = await page.evaluate(async () => {
      const cacheNames = await caches.keys();
      const cached: string[] = [];
      for (const name of cacheNames) for (const request of await (await caches.open(name)).keys()) cached.push(request.url);
      return { cacheNames, cached, text: document.body.innerText };
    });
    expect(leftovers.cacheNames.every((name) => name.includes('precache'))).toBe(true);
    expect(leftovers.cached.some((url) => url.includes('/api/'))).toBe(false);
    const signedOut = await dumpIndexedDb(page);
    expect(signedOut.filter(isBrokerStore).flatMap(({ keys }) => keys)).toEqual([]);
    expect(signedOut.filter(holdsTestUserData).map(storeName)).toEqual([]);
    expect(leftovers.text).not.toContain('secret todo');

    for (let step = 0; step < 2; step += 1) {
      await page.goBack();
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
      await expect(page.getByText(SECRET_TODO)).toHaveCount(0);
    }

    await submitLogin(page, 'ada', 'lovelace');
    await page.getByRole('link', { name: 'Go to the home page' }).click(); // back where the history led: /nowhere
    await expect(page.getByRole('heading', { name: /Welcome, Ada/ })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Todos' })).toContainText('Nothing to do yet');
    await expect(page.getByText(SECRET_TODO)).toHaveCount(0);
  });
});

test.describe('a page that unregisters the worker', () => {
  test('is noticed on its next load: the app re-registers the worker before it calls the API', async ({ page, context }) => {
    await signIn(page);
    const users = page.getByRole('list', { name: 'Users' }).getByRole('listitem');
    await expect(users).toHaveCount(2);
    // Kept as promises, so the check below waits for every response instead of racing them.
    const pageApiCalls: Promise<{ url: string; fromServiceWorker: boolean | undefined }>[] = [];
    context.on('request', (request) => {
      if (!request.serviceWorker() && new URL(request.url()).pathname.startsWith('/api/')) {
        pageApiCalls.push(
          request.response().then((response) => ({ url: request.url(), fromServiceWorker: response?.fromServiceWorker() })),
        );
      }
    });
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.unregister())).toBe(true);
    await page.reload();
    await waitForController(page);
    // The refresh cookie outlives the registration: the new worker restores the session.
    await expect(page.getByRole('heading', { name: 'Welcome, Test' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toHaveCount(0);
    await expect(users).toHaveCount(2);
    expect(await page.evaluate(async () => Boolean((await navigator.serviceWorker.getRegistration())?.active))).toBe(true);
    const calls = await Promise.all(pageApiCalls);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => call.fromServiceWorker !== true).map((call) => call.url)).toEqual([]);
  });
});
