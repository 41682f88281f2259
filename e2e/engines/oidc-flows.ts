import assert from 'node:assert/strict';
import type Provider from 'oidc-provider';
import { type EngineTab, until } from './driver';
import type { Step } from './flows';
import { expectMe, untilRestartRefreshes, waitForController, waitForHeading } from './page-steps';

/** Counts the refresh-token grants the provider answered, from now on. */
export function countRefreshes(provider: Provider): () => number {
  let count = 0;
  provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: unknown } } }) => {
    if (ctx.oidc.params?.grant_type === 'refresh_token') count += 1;
  });
  return () => count;
}

/** Waits until the tab shows a page of `origin` with a button `name` (a navigation may be under way meanwhile). */
async function waitForButtonAt(tab: EngineTab, origin: string, name: string): Promise<void> {
  await until(`a button "${name}" on ${origin}`, async () => {
    try {
      return await tab.evaluate(
        ({ origin, name }) =>
          location.origin === origin &&
          Array.from(document.querySelectorAll('button')).some((element) => element.textContent?.trim() === name),
        { origin, name },
      );
    } catch {
      return false; // the page navigated while the script ran
    }
  });
}

const origin = (url: string): string => new URL(url).origin;

const signsInAtProvider: Step = {
  name: 'signs in at an OpenID Provider: the worker exchanges the code, and the API takes its token',
  async run({ browser, oidc }) {
    const { tab } = browser;
    await tab.goto(`${oidc.appOrigin}/login`);
    await waitForController(tab);
    await waitForButtonAt(tab, oidc.appOrigin, 'Sign in with OpenID Provider');
    await tab.clickButton('Sign in with OpenID Provider');
    await waitForButtonAt(tab, origin(oidc.issuer), 'Sign-in');
    await tab.fill('Username', 'test');
    await tab.fill('Password', 'test');
    await tab.clickButton('Sign-in');
    await waitForButtonAt(tab, origin(oidc.issuer), 'Continue');
    await tab.clickButton('Continue');
    await waitForHeading(tab, 'Welcome, Test');
    const address = await tab.evaluate(() => location.href, null);
    assert.equal(address, `${oidc.appOrigin}/`, 'lands on the return URL, with no code in the address');
    await expectMe(tab);
  },
};

const healsAtProvider: Step = {
  name: 'a restarted worker heals through one refresh at the provider (the refresh token from IndexedDB)',
  async run({ browser, oidc }) {
    if ('skip' in browser.stopWorker) return { skipped: browser.stopWorker.skip };
    // Tokens outlive the run, so a refresh at the provider proves the worker lost its memory.
    await untilRestartRefreshes(browser.tab, browser.stopWorker.how, `${oidc.appOrigin}/`, async () => ({ refreshes: oidc.refreshes() }));
  },
};

const signsOutAtProvider: Step = {
  name: 'signs out: the API refuses, and signing in again asks for the password at the provider (its session ended)',
  async run({ browser, oidc }) {
    const { tab } = browser;
    await tab.clickButton('Sign out');
    await waitForButtonAt(tab, origin(oidc.issuer), 'Yes, sign me out');
    await tab.clickButton('Yes, sign me out');
    await waitForButtonAt(tab, oidc.appOrigin, 'Sign in with OpenID Provider');
    const me = await tab.evaluate(async () => (await fetch('/api/me')).status, null);
    assert.equal(me, 401);
    await tab.clickButton('Sign in with OpenID Provider');
    await waitForButtonAt(tab, origin(oidc.issuer), 'Sign-in');
  },
};

/** OpenID Connect through the worker, against the local provider. */
export const oidcFlow: readonly Step[] = [signsInAtProvider, healsAtProvider, signsOutAtProvider];
