import { ACCESS_TTL_SECONDS } from './server-env';
import { expect, reloadUsers, signIn, submitLogin, test, turnLiveUpdatesOff } from './fixtures';

test.describe('a session through the service worker', () => {
  test('signs in through the form and loads the users list', async ({ page, mock }) => {
    await signIn(page);
    const users = page.getByRole('list', { name: 'Users' });
    await expect(users.getByRole('listitem')).toHaveCount(2);
    await expect(users).toContainText('Ada Lovelace');
    expect((await mock.stats()).logins).toBe(1);
  });

  test('the worker, not the page, attaches the bearer to API calls', async ({ page, context }) => {
    const sent: { url: string; fromWorker: boolean; authorization: string | undefined }[] = [];
    context.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/')) {
        sent.push({ url: request.url(), fromWorker: request.serviceWorker() !== null, authorization: request.headers()['authorization'] });
      }
    });
    await signIn(page);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    const fromWorker = sent.filter((request) => request.fromWorker && request.url.endsWith('/api/users'));
    expect(fromWorker.length).toBeGreaterThan(0);
    // DPoP-bound (RFC 9449): the scheme is DPoP, and a proof goes with it (e2e/dpop.spec.ts).
    expect(fromWorker.every((request) => /^DPoP eyJ/.test(request.authorization ?? ''))).toBe(true);
    // What the page itself handed to fetch carries no token.
    expect(sent.filter((request) => !request.fromWorker).every((request) => request.authorization === undefined)).toBe(true);
  });

  test('loads data again after the access token expired, through exactly one refresh', async ({ page, mock }) => {
    await signIn(page);
    const users = page.getByRole('list', { name: 'Users' });
    await expect(users.getByRole('listitem')).toHaveCount(2);
    const before = await mock.stats();

    // Time is the subject here: wait out the configured lifetime.
    await page.waitForTimeout(ACCESS_TTL_SECONDS * 1000 + 500);
    expect(await reloadUsers(page)).toBe(200);
    await expect(users.getByRole('listitem')).toHaveCount(2);
    await expect(page.getByRole('alert')).toHaveCount(0);

    const after = await mock.stats();
    expect(after.refreshes - before.refreshes).toBe(1);
    expect(after.logins).toBe(1);
    expect(after.apiUnauthorized - before.apiUnauthorized).toBe(0);
  });

  test('the session panel tells the token’s life under Technical details and never calls a fine session expired', async ({ page }) => {
    await signIn(page);
    // The event stream would come back with a fresh token at expiry; without it the token just ages.
    await turnLiveUpdatesOff(page);
    const session = page.getByRole('region', { name: 'Session' });
    const details = session.getByText(/^Access token:/);
    await expect(details).toBeHidden();
    await session.getByText('Technical details').click();
    await expect(details).toHaveText(/^Access token: valid for \d+ s more, then renewed on the next request\.$/);

    // Time is the subject here: wait out the configured lifetime.
    await page.waitForTimeout(ACCESS_TTL_SECONDS * 1000 + 500);
    await expect(details).toHaveText('Access token: renewed on the next request.');
    await expect(session).not.toContainText(/expired/i);
    expect(await reloadUsers(page)).toBe(200);
    await expect(details).toHaveText(/^Access token: valid for \d+ s more/);
  });

  test('stays signed in across a page reload', async ({ page, mock }) => {
    await signIn(page);
    await page.reload();
    await expect(page.getByRole('heading', { name: /Test/ })).toBeVisible();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    expect((await mock.stats()).logins).toBe(1);
  });

  test('signs out to the login page, after which the API answers 401', async ({ page }) => {
    await signIn(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByLabel('Username')).toBeVisible();
    const status = await page.evaluate(async () => (await fetch('/api/users')).status);
    expect(status).toBe(401);
    await page.goto('/');
    await expect(page).toHaveURL(/\/login\?returnUrl=(%2F|\/)$/);
  });

  test('sends a signed-out visitor to the login page and back where they were going', async ({ page }) => {
    await page.goto('/somewhere?x=1');
    await expect(page).toHaveURL(/\/login\?returnUrl=/);
    await submitLogin(page);
    await expect(page).toHaveURL(/\/somewhere\?x=1$/);
  });

  test('does not follow a returnUrl to another origin', async ({ page }) => {
    await page.goto('/login?returnUrl=//evil.example/steal');
    await submitLogin(page);
    await expect(page.getByRole('heading', { name: /Test/ })).toBeVisible();
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  test('shows an alert for a wrong password and stays signed out', async ({ page, mock }) => {
    await page.goto('/login');
    await submitLogin(page, 'test', 'wrong');
    await expect(page.getByRole('alert')).toContainText(/incorrect/i);
    await expect(page).toHaveURL(/\/login/);
    expect((await mock.stats()).logins).toBe(0);
  });
});
