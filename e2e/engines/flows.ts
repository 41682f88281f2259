import assert from 'node:assert/strict';
import type { EngineBrowser } from './driver';
import { liveUpdates } from './live-flows';
import type { OidcStack } from '../../mock-oidc/index.ts';
import type { MockServer } from './mock-server';
import { chooseLiveTransport, expectMe, pageFetch, signIn, untilRestartRefreshes, waitForController, waitForHeading } from './page-steps';

/** What a step works with: one browser, and the servers the runner started. */
export interface FlowContext {
  readonly browser: EngineBrowser;
  /** Short access-token lifetime, so expiry is testable. */
  readonly expiring: MockServer;
  /** Tokens that outlive the run, so any refresh there means the worker lost its memory. */
  readonly lasting: MockServer;
  /** The app built for a local OpenID Provider, its API, the provider, and its count of refresh grants. */
  readonly oidc: OidcStack & { readonly refreshes: () => number };
}

/** One step of a flow. Steps run in order and build on each other (signed in, then ...). */
export interface Step {
  readonly name: string;
  /** Resolves when the step passed, or with the reason it was skipped on this engine. */
  run(context: FlowContext): Promise<void | { skipped: string }>;
}

const controlled: Step = {
  name: 'the first visit is controlled by the worker, without a reload',
  async run({ browser, expiring }) {
    await browser.tab.goto(`${expiring.url}/login`);
    await waitForController(browser.tab);
    await waitForHeading(browser.tab, 'Sign in');
  },
};

const signsIn: Step = {
  name: 'signs in through the form',
  async run({ browser, expiring }) {
    await signIn(browser.tab, expiring.url);
    assert.equal((await expiring.stats()).logins, 1);
  },
};

const attachesToken: Step = {
  name: "the worker attaches the token: the page's plain fetch of /api/me gets 200",
  async run({ browser, expiring }) {
    const before = await expiring.stats();
    await expectMe(browser.tab);
    // The home page loads its lists meanwhile: count that the API was reached, and never refused.
    const after = await expiring.stats();
    assert.ok(after.apiRequests > before.apiRequests);
    assert.equal(after.apiUnauthorized, before.apiUnauthorized);
  },
};

const reloadKeepsSession: Step = {
  name: 'a reload keeps the session',
  async run({ browser, expiring }) {
    await browser.tab.reload();
    await waitForHeading(browser.tab, 'Welcome, Test');
    await expectMe(browser.tab);
    assert.equal((await expiring.stats()).logins, 1);
  },
};

const refusedAtTokenEndpoints: Step = {
  name: 'the page is refused at the token endpoints (403 broker_only)',
  async run({ browser, expiring }) {
    const before = await expiring.stats();
    const refresh = await pageFetch(browser.tab, '/auth/refresh', 'POST');
    assert.equal(refresh.status, 403);
    assert.deepEqual((refresh.body as { error?: unknown }).error, 'broker_only');
    assert.equal((await expiring.stats()).refreshes, before.refreshes);
  },
};

const oneRefreshAfterExpiry: Step = {
  name: 'after the token expired, concurrent requests share exactly one refresh',
  async run({ browser, expiring }) {
    // The home page's live event stream ends at its token's expiry and refreshes too: turn it off
    // through its control, so that only this step's requests count.
    await chooseLiveTransport(browser.tab, 'off');
    const before = await expiring.stats();
    // Time is the subject here: wait out the server's configured lifetime.
    await new Promise((resolve) => setTimeout(resolve, expiring.accessTtlSeconds * 1000 + 500));
    const statuses = await browser.tab.evaluate(
      async (count) => Promise.all(Array.from({ length: count }, async () => (await fetch('/api/me')).status)),
      5,
    );
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    const after = await expiring.stats();
    assert.equal(after.refreshes - before.refreshes, 1);
    assert.equal(after.logins, before.logins);
  },
};

const signOutReachesOtherTabs: Step = {
  name: 'signing out in one tab signs out the other',
  async run({ browser, expiring }) {
    if ('skip' in browser.newTab) return { skipped: browser.newTab.skip };
    const other = await browser.newTab.how();
    await other.goto(`${expiring.url}/`);
    await waitForHeading(other, 'Welcome, Test');
    await other.clickButton('Sign out');
    await waitForHeading(other, 'Sign in');
    await waitForHeading(browser.tab, 'Sign in');
    assert.equal((await pageFetch(browser.tab, '/api/me')).status, 401);
    await other.close();
  },
};

const restartHeals: Step = {
  name: 'a restarted worker heals through one refresh, with no new sign-in',
  async run({ browser, lasting }) {
    if ('skip' in browser.stopWorker) return { skipped: browser.stopWorker.skip };
    const { tab } = browser;
    await signIn(tab, lasting.url);
    await expectMe(tab);
    const before = await lasting.stats();
    await untilRestartRefreshes(tab, browser.stopWorker.how, `${lasting.url}/`, () => lasting.stats());
    assert.equal((await lasting.stats()).apiUnauthorized, before.apiUnauthorized);
  },
};

const signsOut: Step = {
  name: 'signs out: the login form is back and the API answers 401',
  async run({ browser }) {
    await browser.tab.clickButton('Sign out');
    await waitForHeading(browser.tab, 'Sign in');
    assert.equal((await pageFetch(browser.tab, '/api/me')).status, 401);
  },
};

/** The core flows, for engines the project supports in full. */
export const coreFlow: readonly Step[] = [
  controlled,
  signsIn,
  attachesToken,
  reloadKeepsSession,
  liveUpdates,
  refusedAtTokenEndpoints,
  oneRefreshAfterExpiry,
  signOutReachesOtherTabs,
  restartHeals,
];

/** The smoke test for the oldest engine: controlled, signed in, a token attached, signed out. */
export const smokeFlow: readonly Step[] = [controlled, signsIn, attachesToken, signsOut];
