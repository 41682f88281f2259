import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, signIn, submitLogin, test, waitForController } from './fixtures';

/** axe-core's rules for WCAG 2.0, 2.1 and 2.2, levels A and AA. */
const WCAG_A_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The WCAG A/AA violations axe finds on the page as it is now: rule ids with the elements concerned. */
async function axeViolations(page: Page): Promise<{ rule: string; targets: string[] }[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_A_AA).analyze();
  return violations.map((violation) => ({ rule: violation.id, targets: violation.nodes.map((node) => node.target.join(' ')) }));
}

/** What has focus: its tag, id and text, enough to tell the page's elements apart. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const element = document.activeElement;
    return { tag: element?.tagName.toLowerCase(), id: element?.id ?? '', text: element?.textContent?.trim() ?? '' };
  });

/** The app's polite live region (App.vue), which announces sign-in and sign-out. */
const announcer = (page: Page) => page.locator('[role="status"][aria-live="polite"]');

async function openLogin(page: Page): Promise<void> {
  await page.goto('/login');
  await waitForController(page);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}

test.describe('accessibility (axe-core, WCAG 2 A/AA)', () => {
  test('the empty login form has no violations', async ({ page }) => {
    await openLogin(page);
    await expect(page).toHaveTitle('Sign in · Token Broker Demo');
    expect(await axeViolations(page)).toEqual([]);
  });

  test('a missing password is asked for, tied to its field, which gets focus; no violations', async ({ page }) => {
    await openLogin(page);
    await page.getByLabel('Username').fill('test');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Enter your password.');
    const passwordField = page.getByLabel('Password');
    await expect(passwordField).toHaveAttribute('aria-invalid', 'true');
    await expect(passwordField).toHaveAccessibleDescription('Enter your password.');
    await expect(page.getByLabel('Username')).not.toHaveAttribute('aria-invalid', 'true');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'password' });
    expect(await axeViolations(page)).toEqual([]);
  });

  test('after a wrong password focus is on the error, the next Tab on Username; no violations', async ({ page }) => {
    await openLogin(page);
    await submitLogin(page, 'test', 'wrong');
    const alert = page.getByRole('alert');
    await expect(alert).toContainText(/incorrect/i);
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'p', id: 'login-error' });
    await expect(page.getByLabel('Password')).toHaveAccessibleDescription(/incorrect/i);
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'username' });
  });

  test('locked out after too many attempts: the wait counts down, the button stays aria-disabled until it ends; no violations', async ({
    page,
  }) => {
    let answered = 0;
    page.context().on('response', (response) => {
      if (new URL(response.url()).pathname === '/auth/login') answered += 1;
    });
    await openLogin(page);
    const alert = page.getByRole('alert');
    const button = page.locator('form button[type="submit"]');
    const secondsLeft = async (): Promise<number> =>
      Number(/Try again in (\d+) second/.exec((await alert.allTextContents()).join(' '))?.[1] ?? 0);
    // After five failures the server's backoff grows 1, 2, 4 ... s: go on until a wait of 2 s or more,
    // long enough to watch it count. Each click waits for the button to be enabled again.
    for (let attempt = 1; attempt <= 10 && (await secondsLeft()) < 2; attempt += 1) {
      await submitLogin(page, 'test', 'wrong');
      await expect.poll(() => answered).toBe(attempt);
      await expect(alert).toBeVisible();
    }
    const first = await secondsLeft();
    expect(first).toBeGreaterThanOrEqual(2);
    await expect(alert).toContainText('Too many attempts.');
    await expect(button).toHaveAttribute('aria-disabled', 'true');
    expect(await focused(page)).toMatchObject({ tag: 'p', id: 'login-error' });
    // Time is the subject: the count goes down once a second.
    await expect.poll(secondsLeft, { intervals: [100], timeout: 3_000 }).toBe(first - 1);
    await expect(button).toHaveAttribute('aria-disabled', 'true');
    expect(await axeViolations(page)).toEqual([]);
    await expect(alert).toHaveText('You can try again now.');
    await expect(button).not.toHaveAttribute('aria-disabled');
  });

  test('the home page, signed in, has no violations', async ({ page }) => {
    await signIn(page);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    await expect(page.getByRole('status').filter({ hasText: 'Live updates:' })).toHaveText('Live updates: connected');
    expect(await axeViolations(page)).toEqual([]);
  });
});

test.describe('dark colour scheme', () => {
  test.use({ colorScheme: 'dark' });

  test('the login page after a wrong password and the home page have no violations', async ({ page }) => {
    await openLogin(page);
    await submitLogin(page, 'test', 'wrong');
    await expect(page.getByRole('alert')).toContainText(/incorrect/i);
    expect(await axeViolations(page)).toEqual([]);
    await submitLogin(page);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    expect(await axeViolations(page)).toEqual([]);
  });
});

test.describe('small screens', () => {
  test.use({ viewport: { width: 375, height: 800 } });

  test('a todo title without spaces wraps instead of widening the page', async ({ page }) => {
    await signIn(page);
    const title = 'x'.repeat(150);
    await page.getByLabel('New todo').fill(title);
    await page.getByRole('button', { name: 'Add' }).click();
    await expect(page.getByRole('list', { name: 'Todos' }).getByText(title)).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });
});

test.describe('keyboard only', () => {
  test('signs in and out with the keyboard; each page takes focus on its heading, says its title and is announced', async ({ page }) => {
    await openLogin(page);

    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'username' });
    await page.keyboard.type('test');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'password' });
    await page.keyboard.type('test');
    await page.keyboard.press('Enter');

    await expect(page.getByRole('heading', { level: 1, name: 'Welcome, Test' })).toBeVisible();
    await expect(page).toHaveTitle('Home · Token Broker Demo');
    await expect.poll(() => focused(page)).toEqual({ tag: 'h1', id: '', text: 'Welcome, Test' });
    await expect(announcer(page)).toHaveText('Signed in as Test');

    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'Sign out' });
    await page.keyboard.press('Enter');

    await expect(page).toHaveURL(/\/login/);
    await expect(page).toHaveTitle('Sign in · Token Broker Demo');
    await expect.poll(() => focused(page)).toEqual({ tag: 'h1', id: '', text: 'Sign in' });
    await expect(announcer(page)).toHaveText('Signed out');
  });
});
