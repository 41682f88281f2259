import { expect, type Page } from '@playwright/test';

/**
 * From the app's /login, through the local provider's sign-in and consent pages (mock-oidc's
 * development interactions), back to the app: the user's way through an OpenID Connect sign-in.
 * Resolves once the provider has been left; the caller waits for what should follow.
 */
export async function signInAtProvider(
  page: Page,
  appOrigin: string,
  { returnUrl = '/', username = 'test', password = 'test' } = {},
): Promise<void> {
  await page.goto(`${appOrigin}/login?returnUrl=${encodeURIComponent(returnUrl)}`);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await expect(page.getByLabel('Username')).toHaveCount(0); // a build for a provider has no password form
  await page.getByRole('button', { name: 'Sign in with OpenID Provider' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}
