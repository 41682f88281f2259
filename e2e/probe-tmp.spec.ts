import { fileURLToPath } from 'node:url';
import { expect, reloadUsers, stopAllWorkers, test, waitForController } from './fixtures';
import { startStaticSite } from './fixtures/static-site';

test('probe timing', async ({ page }) => {
  const site = await startStaticSite({ root: fileURLToPath(new URL('../dist-demo', import.meta.url)) });
  for (let round = 0; round < 3; round++) {
    await page.goto(`${site.url}/login`);
    await waitForController(page);
    await page.getByLabel('Username').fill('test');
    await page.getByLabel('Password').fill('test');
    let t = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: /Welcome/ })).toBeVisible();
    const signIn = Date.now() - t;
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    await stopAllWorkers(page);
    t = Date.now();
    expect(await reloadUsers(page)).toBe(200);
    const coldRefresh = Date.now() - t;
    t = Date.now();
    expect(await reloadUsers(page)).toBe(200);
    const warm = Date.now() - t;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByLabel('Username')).toBeVisible();
    await page.getByLabel('Username').fill('test');
    await page.getByLabel('Password').fill('test');
    t = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: /Welcome/ })).toBeVisible();
    const warmSignIn = Date.now() - t;
    console.log(JSON.stringify({ round, signIn, coldRefresh, warm, warmSignIn }));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByLabel('Username')).toBeVisible();
    await stopAllWorkers(page);
  }
  await site.close();
});
