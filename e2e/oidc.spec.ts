import type { BrowserContext, Page, Request } from '@playwright/test';
import { DIST_OIDC, startOidcStack, type OidcStack } from '../mock-oidc/index.ts';
import { expect, JWT_PATTERN, test } from './fixtures';
import { readRecord, writeRecord } from './helpers/idb-record';
import { jwtsReadableByPage } from './helpers/page-secrets';
import { withPersistentProfile } from './helpers/persistent-profile';
import { signInAtProvider } from './helpers/provider-sign-in';
import { stopAllWorkers } from './workers';

// Sign-in at a real OpenID Provider (panva's oidc-provider, on its own origin), run by the worker:
// authorization code + PKCE, DPoP with nonces, refresh-token rotation. The app is built for the
// provider (VITE_OIDC_ISSUER) and served by the mock API, which accepts the provider's tokens.

/** Where the worker keeps the DPoP-bound refresh token: the broker's IndexedDB store. */
const REFRESH_TOKEN_RECORD = { database: 'token-broker', store: 'session', key: 'oidc-refresh-token' };

let stack: OidcStack;
let endpoints: { token: string; authorization: string };

test.beforeAll(async () => {
  test.setTimeout(180_000); // a production build of its own
  stack = await startOidcStack({ distDir: DIST_OIDC, build: { quiet: true }, api: { controls: true } });
  const discovery = (await (await fetch(`${stack.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  endpoints = {
    token: discovery.token_endpoint!,
    authorization: discovery.authorization_endpoint!,
  };
});

test.afterAll(async () => {
  await stack?.close();
});

/** What the worker sent to one of the provider's endpoints and what it got back, from now on. */
interface EndpointCall {
  grantType: string | null;
  status: number | undefined;
  body: string;
}

function watchWorkerCalls(context: BrowserContext, url: () => string): EndpointCall[] {
  const calls: EndpointCall[] = [];
  context.on('requestfinished', (request: Request) => {
    if (!request.serviceWorker() || request.url() !== url() || request.method() !== 'POST') return;
    void (async () => {
      const response = await request.response();
      const body = (await response?.text().catch(() => '')) ?? '';
      calls.push({ grantType: new URLSearchParams(request.postData() ?? '').get('grant_type'), status: response?.status(), body });
    })();
  });
  return calls;
}

/** The provider asks a key it has not seen for a nonce first (RFC 9449 8): that 400 is a retry, not a refusal. */
const isNonceChallenge = (call: EndpointCall): boolean => call.status === 400 && call.body.includes('use_dpop_nonce');

/** The refresh-token grants the worker made, nonce challenges left out. */
const refreshes = (calls: EndpointCall[]): EndpointCall[] =>
  calls.filter((call) => call.grantType === 'refresh_token' && !isNonceChallenge(call));

/** Records every message the page receives from the worker: broadcasts and the replies on its MessageChannel ports. */
async function recordWorkerMessages(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { workerMessages: string[] }).workerMessages = seen;
    navigator.serviceWorker?.addEventListener('message', (event) => seen.push(JSON.stringify(event.data)));
    const onmessage = Object.getOwnPropertyDescriptor(MessagePort.prototype, 'onmessage');
    Object.defineProperty(MessagePort.prototype, 'onmessage', {
      ...onmessage,
      set(this: MessagePort, listener: ((event: MessageEvent) => void) | null) {
        onmessage?.set?.call(
          this,
          listener &&
            ((event: MessageEvent) => {
              seen.push(JSON.stringify(event.data));
              listener.call(this, event);
            }),
        );
      },
    });
  });
}

const workerMessages = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as unknown as { workerMessages: string[] }).workerMessages);

/** Every URL the page's main frame was at, from now on. */
function watchAddresses(page: Page): string[] {
  const seen: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.push(frame.url());
  });
  return seen;
}

const signIn = (page: Page, options?: Parameters<typeof signInAtProvider>[2]): Promise<void> =>
  signInAtProvider(page, stack.appOrigin, options);

/** Rewrites one parameter of the authorization request on its way to the provider, which echoes it back (`state`) or signs it into the ID token (`nonce`). */
async function tamperAuthorizationRequest(page: Page, name: string, value: string): Promise<void> {
  await page.route(
    (url) => url.origin + url.pathname === endpoints.authorization,
    (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set(name, value);
      return route.continue({ url: url.href });
    },
  );
}

const pageFetch = (page: Page, path: string): Promise<number> => page.evaluate(async (path) => (await fetch(path)).status, path);

test.describe('OpenID Connect: the worker signs in at the provider', () => {
  test('signs in through the provider and lands on the return URL; the code and the tokens never reach the page', async ({
    page,
    context,
  }) => {
    await recordWorkerMessages(context);
    const addresses = watchAddresses(page);
    const tokenCalls = watchWorkerCalls(context, () => endpoints.token);
    let code: string | null = null;
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === stack.appOrigin && url.pathname === '/auth/callback') code = url.searchParams.get('code');
    });

    await signIn(page, { returnUrl: '/?tab=mine' });
    await expect(page.getByRole('heading', { name: 'Welcome, Test' })).toBeVisible();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/?tab=mine');
    expect(await pageFetch(page, '/api/me')).toBe(200);

    // The worker exchanged a code for a DPoP-bound token set (a nonce retry first, as the provider demands one).
    expect(code).toEqual(expect.any(String));
    const exchange = tokenCalls.find((call) => call.grantType === 'authorization_code' && call.status === 200);
    const tokens = JSON.parse(exchange?.body ?? '{}') as Record<string, string>;
    expect(tokens).toMatchObject({ token_type: 'DPoP', access_token: expect.stringMatching(JWT_PATTERN) });
    const secrets = [code!, tokens.access_token!, tokens.refresh_token!, tokens.id_token!];
    expect(secrets.every((secret) => typeof secret === 'string' && secret.length > 20)).toBe(true);

    // No document of the app was ever at the callback or at a URL with the code.
    const appAddresses = addresses.filter((address) => address.startsWith(stack.appOrigin));
    expect(appAddresses.length).toBeGreaterThan(0);
    for (const address of appAddresses) {
      expect(address).not.toContain('/auth/callback');
      for (const secret of secrets) expect(address).not.toContain(secret);
    }
    // Nothing the worker told the page carries any of them, and no JWT is readable anywhere by page script.
    const messages = (await workerMessages(page)).join('\n');
    expect(messages).toContain('signed-in');
    for (const secret of secrets) expect(messages).not.toContain(secret);
    expect(await jwtsReadableByPage(page)).toEqual([]);
    const html = await page.content();
    for (const secret of secrets) expect(html).not.toContain(secret);

    // The refresh token is in IndexedDB, which page script can read; it is bound to the worker's
    // key, so on its own it is useless: the provider refuses it without that key's proof.
    expect(JSON.stringify(await readRecord(page, REFRESH_TOKEN_RECORD))).toContain(tokens.refresh_token);
    const stolen = await fetch(endpoints.token, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: stack.clientId }),
    });
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({ error: expect.stringMatching(/invalid_grant|invalid_dpop_proof/) });
  });

  test('a stopped worker heals through one refresh at the provider, with no new sign-in', async ({ page, context }) => {
    const tokenCalls = watchWorkerCalls(context, () => endpoints.token);
    await signIn(page);
    await expect(page.getByRole('heading', { name: 'Welcome, Test' })).toBeVisible();
    expect(refreshes(tokenCalls)).toEqual([]);

    await stopAllWorkers(page);
    const statuses = await page.evaluate(() => Promise.all([1, 2, 3, 4, 5].map(async () => (await fetch('/api/me')).status)));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    // The refresh token rotated: the worker stored the new one.
    await expect.poll(() => refreshes(tokenCalls).filter((call) => call.status === 200).length).toBe(1);
    const rotated = JSON.parse(refreshes(tokenCalls).find((call) => call.status === 200)!.body) as { refresh_token: string };
    await expect.poll(async () => JSON.stringify(await readRecord(page, REFRESH_TOKEN_RECORD))).toContain(rotated.refresh_token);
    expect(tokenCalls.filter((call) => call.grantType === 'authorization_code' && call.status === 200)).toHaveLength(1);
  });

  test('a browser restart keeps the session: one refresh, no sign-in', async () => {
    test.slow(); // two browser starts on a disk profile
    await withPersistentProfile(async (launch) => {
      const first = await launch();
      const page = first.pages()[0] ?? (await first.newPage());
      await signIn(page);
      await expect(page.getByRole('heading', { name: 'Welcome, Test' })).toBeVisible();
      await first.close();

      const second = await launch();
      const tokenCalls = watchWorkerCalls(second, () => endpoints.token);
      const again = second.pages()[0] ?? (await second.newPage());
      await again.goto(`${stack.appOrigin}/`);
      await expect(again.getByRole('heading', { name: 'Welcome, Test' })).toBeVisible();
      expect(await pageFetch(again, '/api/me')).toBe(200);
      await expect.poll(() => refreshes(tokenCalls).map((call) => call.status)).toEqual([200]);
      expect(tokenCalls.filter((call) => call.grantType === 'authorization_code')).toEqual([]);
    });
  });

  test('a replayed refresh token revokes the grant at the provider, and the user is signed out', async ({ page, context }) => {
    const tokenCalls = watchWorkerCalls(context, () => endpoints.token);
    await signIn(page);
    await expect(page.getByRole('heading', { name: 'Welcome, Test' })).toBeVisible();
    const old = await readRecord(page, REFRESH_TOKEN_RECORD);
    expect(old).toBeDefined();

    // One rotation: the stored token is used up.
    await stopAllWorkers(page);
    expect(await pageFetch(page, '/api/me')).toBe(200);
    await expect.poll(() => refreshes(tokenCalls).filter((call) => call.status === 200).length).toBe(1);
    await expect.poll(async () => JSON.stringify(await readRecord(page, REFRESH_TOKEN_RECORD))).not.toBe(JSON.stringify(old));

    // A page script (or a restored backup) puts the used token back; the next worker presents it with its own key.
    await writeRecord(page, REFRESH_TOKEN_RECORD, old);
    await stopAllWorkers(page);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign in with OpenID Provider' })).toBeVisible();
    const refused = refreshes(tokenCalls).filter((call) => call.status === 400);
    expect(refused.length).toBeGreaterThan(0);
    expect(JSON.parse(refused[0]!.body)).toMatchObject({ error: 'invalid_grant' });
    expect(await readRecord(page, REFRESH_TOKEN_RECORD)).toBeUndefined();
    expect(await pageFetch(page, '/api/me')).toBe(401);
  });

  test('a tampered state is refused with a clear error on the sign-in page, and no code is exchanged', async ({ page, context }) => {
    const tokenCalls = watchWorkerCalls(context, () => endpoints.token);
    // The provider echoes whatever state the authorization request carried.
    await tamperAuthorizationRequest(page, 'state', 'forged-by-someone-else');
    await signIn(page);
    await expect(page.getByRole('alert')).toHaveText(/was not started here, was used already or is too old/);
    await expect(page).toHaveURL(`${stack.appOrigin}/login`);
    expect(tokenCalls).toEqual([]);
    expect(await pageFetch(page, '/api/me')).toBe(401);
    expect(await readRecord(page, REFRESH_TOKEN_RECORD)).toBeUndefined();
  });

  test('a mismatched nonce is refused: the ID token is for another sign-in', async ({ page, context }) => {
    const tokenCalls = watchWorkerCalls(context, () => endpoints.token);
    await tamperAuthorizationRequest(page, 'nonce', 'another-sign-in');
    await signIn(page);
    await expect(page.getByRole('alert')).toHaveText(/answered for another sign-in/);
    // The code was exchanged (the nonce is in the ID token), and the answer thrown away.
    await expect.poll(() => tokenCalls.filter((call) => call.status === 200).length).toBe(1);
    expect(await pageFetch(page, '/api/me')).toBe(401);
    expect(await readRecord(page, REFRESH_TOKEN_RECORD)).toBeUndefined();
  });

  test('sign-out revokes the refresh token and ends the session at the provider', async ({ page }) => {
    await signIn(page);
    await expect(page.getByRole('heading', { name: 'Welcome, Test' })).toBeVisible();
    const stored = (await readRecord(page, REFRESH_TOKEN_RECORD)) as { token: string };
    const findAtProvider = (token: string): Promise<unknown> => stack.provider!.provider.RefreshToken.find(token);
    expect(await findAtProvider(stored.token)).toBeDefined();

    await page.getByRole('button', { name: 'Sign out' }).click();
    // oidc-provider asks before it ends its session (RP-initiated logout), then comes back to /login.
    await page.getByRole('button', { name: /yes, sign me out/i }).click();
    await expect(page.getByRole('button', { name: 'Sign in with OpenID Provider' })).toBeVisible();
    expect(new URL(page.url()).origin).toBe(stack.appOrigin);
    expect(await readRecord(page, REFRESH_TOKEN_RECORD)).toBeUndefined();
    expect(await pageFetch(page, '/api/me')).toBe(401);
    // The provider no longer knows the token, and its session is gone: signing in asks for the password again.
    expect(await findAtProvider(stored.token)).toBeUndefined();
    await page.getByRole('button', { name: 'Sign in with OpenID Provider' }).click();
    await expect(page.getByLabel('Password')).toBeVisible();
  });
});
