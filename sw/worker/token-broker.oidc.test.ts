import { calculatePKCECodeChallenge } from 'oauth4webapi';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Session, UserRecord } from '../protocol.ts';
import { createMemoryAdapterStore, type AdapterStore } from './adapter-store.ts';
import { answer } from './answer.ts';
import { createDpop } from './dpop/dpop.ts';
import { oidc } from './oidc/oidc.ts';
import type { OidcOptions } from './oidc/oidc-options.ts';
import type { PendingAuthorization } from './oidc/pending-authorizations.ts';
import { CLIENT_ID, FakeProvider, ISSUER, RESOURCE, RESOURCE2, type Approval } from './oidc/test-fakes.ts';
import { ManualClock, MemoryKeyStore, MemoryStore, ORIGIN, rejectionOf, testConfig } from './test-fakes.ts';
import type { TokenBrokerOptions } from './options.ts';
import { TokenBroker, type BrokerDeps, type Lock } from './token-broker.ts';

let clock: ManualClock;
let provider: FakeProvider;
let store: MemoryStore;
let adapterStore: AdapterStore;
let keys: MemoryKeyStore;
let logs: string[];
let broadcasts: Session[];

const demoUser = (claims: Record<string, unknown>): unknown => ({
  id: claims.sub,
  username: claims.preferred_username,
  firstName: claims.given_name,
  lastName: claims.family_name,
});

/** A broker over the shared fakes: a second call is a second worker of the same origin (same IndexedDB, same key). */
function makeBroker(
  options: Partial<OidcOptions> = {},
  deps: Partial<BrokerDeps<UserRecord>> = {},
  allowlist: TokenBrokerOptions['allowlist'] = ['/api/'],
): TokenBroker {
  const adapter = oidc({ issuer: ISSUER, clientId: CLIENT_ID, resource: RESOURCE, postLogoutRedirectUri: '/', user: demoUser, ...options });
  const config = testConfig({ adapter, allowlist });
  return new TokenBroker(config, {
    transport: provider.transport,
    clock,
    store,
    adapterStore,
    log: (line) => logs.push(line),
    broadcast: (session) => broadcasts.push(session),
    ...(config.dpop ? { dpop: createDpop({ store: keys, clock }) } : {}),
    ...deps,
  });
}

// Node's Request refuses mode 'navigate'; the broker reads only url, mode and destination.
const navigation = (url: string): Request =>
  Object.defineProperties(new Request(url), { mode: { value: 'navigate' }, destination: { value: 'document' } });

/** The provider's redirect back, as the browser would navigate to it; resolves with the broker's answer. */
async function callback(broker: TokenBroker, url: string): Promise<Response> {
  const response = broker.route(navigation(url));
  if (!response) throw new Error('the broker left the callback alone');
  return response;
}

async function signIn(broker: TokenBroker, returnUrl?: string, approval?: Approval): Promise<Response> {
  return callback(broker, provider.approve(await broker.authorize(returnUrl), approval));
}

const pendingIn = async (): Promise<PendingAuthorization[]> =>
  ((await adapterStore.get('oidc-pending-authorizations')) as PendingAuthorization[] | undefined) ?? [];
const storedRefreshToken = async (): Promise<unknown> =>
  ((await adapterStore.get('oidc-refresh-token')) as { token?: unknown } | undefined)?.token;
const api = (): Request => new Request(`${ORIGIN}/api/users`);
const codeCalls = (): number => provider.tokenCalls.filter((call) => call.grantType === 'authorization_code').length;
const refreshCalls = (): number => provider.tokenCalls.filter((call) => call.grantType === 'refresh_token').length;

beforeEach(() => {
  clock = new ManualClock(Date.now());
  provider = new FakeProvider(clock);
  store = new MemoryStore();
  adapterStore = createMemoryAdapterStore();
  keys = new MemoryKeyStore();
  logs = [];
  broadcasts = [];
});

describe('authorize', () => {
  it('returns the authorization URL with PKCE S256, state, nonce, resource, consent and the key thumbprint', async () => {
    const url = new URL(await makeBroker().authorize('/todos'));
    expect(`${url.origin}${url.pathname}`).toBe(`${ISSUER}/authorize`);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      client_id: CLIENT_ID,
      redirect_uri: `${ORIGIN}/auth/callback`,
      response_type: 'code',
      scope: 'openid profile offline_access',
      code_challenge_method: 'S256',
      resource: RESOURCE,
      prompt: 'consent',
    });
    expect(params.dpop_jkt).toMatch(/^[\w-]{43}$/);
    const [pending] = await pendingIn();
    expect(pending).toMatchObject({ state: params.state, nonce: params.nonce, returnUrl: '/todos', issuer: ISSUER });
    expect(await calculatePKCECodeChallenge(pending?.codeVerifier ?? '')).toBe(params.code_challenge);
  });

  it('makes a distinct state, nonce and verifier for every sign-in, and keeps each', async () => {
    const broker = makeBroker();
    const first = new URL(await broker.authorize());
    const second = new URL(await broker.authorize());
    for (const name of ['state', 'nonce', 'code_challenge']) expect(first.searchParams.get(name)).not.toBe(second.searchParams.get(name));
    const pending = await pendingIn();
    expect(pending.map((entry) => entry.state)).toEqual([first.searchParams.get('state'), second.searchParams.get('state')]);
    expect(new Set(pending.map((entry) => entry.codeVerifier)).size).toBe(2);
  });

  it('keeps the return URL only when it is a path on this origin', async () => {
    const broker = makeBroker();
    for (const unsafe of ['https://evil.example/x', '//evil.example/x', '/\\evil.example', '/auth/callback', 'javascript:alert(1)']) {
      await broker.authorize(unsafe);
    }
    await broker.authorize('/todos?filter=open#top');
    expect((await pendingIn()).map((entry) => entry.returnUrl)).toEqual(['/', '/', '/', '/', '/', '/todos?filter=open#top']);
  });

  it('reports an unreachable provider as auth_unavailable, with a log line naming the discovery URL', async () => {
    provider.mode = 'down';
    const error = await rejectionOf(makeBroker().authorize());
    expect(error.code).toBe('auth_unavailable');
    expect(logs).toEqual([
      expect.stringMatching(/^authorize failed \(oidc, https:\/\/id\.test\/\): auth_unavailable: .*openid-configuration/),
    ]);
  });

  it('is refused on a broker that signs in with a password, and login is refused on an oidc broker', async () => {
    const password = new TokenBroker(testConfig(), { transport: provider.transport, clock, store, log: () => undefined });
    expect(await answer(password, { type: 'authorize' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const reply = await answer(makeBroker(), { type: 'login', username: 'test', password: 'test' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('authorize') } });
    expect(provider.tokenCalls).toEqual([]);
  });
});

describe('the callback', () => {
  it('signs in, tells every tab, and redirects to the return URL with a 303', async () => {
    const broker = makeBroker();
    const response = await signIn(broker, '/todos?x=1');
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe(`${ORIGIN}/todos?x=1`);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const user = { id: 'user-1', username: 'test', firstName: 'Test', lastName: 'User' };
    expect(await broker.session()).toEqual({ status: 'signed-in', user, accessExpiresAt: clock.now() + 300_000 });
    expect(broadcasts.at(-1)).toMatchObject({ status: 'signed-in', user });
    expect(await store.load()).toMatchObject({ user });
    expect(await pendingIn()).toEqual([]);
    expect(provider.tokenCalls).toEqual([{ grantType: 'authorization_code', proof: true, resource: RESOURCE }]);
    expect(logs).toEqual([]);
  });

  it('is caught on every navigation, frames too, before the 403 for /auth/; a fetch of it is refused', () => {
    const broker = makeBroker();
    const url = `${ORIGIN}/auth/callback?code=c&state=s`;
    expect(broker.classify(navigation(url))).toBe('callback');
    const framed = Object.defineProperties(new Request(url), { mode: { value: 'navigate' }, destination: { value: 'iframe' } });
    expect(broker.classify(framed)).toBe('callback');
    expect(broker.classify(new Request(url))).toBe('broker-only');
  });

  it('never lets a code in a fragment follow the redirect to the sign-in page', async () => {
    // Someone else's flow, answered in a fragment: the worker sees no state, and the browser would
    // carry the fragment over to a Location that has none.
    const response = await callback(makeBroker(), `${ORIGIN}/auth/callback`);
    expect(response.headers.get('Location')).toBe(`${ORIGIN}/login?signInError=state_mismatch#`);
  });

  it('lends the API a DPoP-bound token whose proofs use the key the code was bound to', async () => {
    const broker = makeBroker();
    await signIn(broker);
    const response = await broker.fetch(api());
    expect(response.status).toBe(200);
    expect(provider.apiCalls).toEqual([{ authorization: expect.stringMatching(/^DPoP /), ok: true }]);
  });

  it.each([
    ['a tampered state', { state: 'tampered' }],
    ['no state', { state: '' }],
  ])('refuses %s as state_mismatch without calling the token endpoint', async (_name, approval) => {
    const broker = makeBroker();
    const response = await signIn(broker, '/todos', approval);
    expect(response.headers.get('Location')).toBe(`${ORIGIN}/login?signInError=state_mismatch#`);
    expect(provider.tokenCalls).toEqual([]);
    expect((await broker.session()).status).toBe('signed-out');
    expect(logs).toEqual([expect.stringMatching(/^sign-in failed \(oidc, https:\/\/id\.test\/\): state_mismatch: /)]);
  });

  it('refuses a second use of the same callback URL as state_mismatch', async () => {
    const broker = makeBroker();
    const url = provider.approve(await broker.authorize());
    expect((await callback(broker, url)).headers.get('Location')).toBe(`${ORIGIN}/`);
    const replay = await callback(broker, url);
    expect(replay.headers.get('Location')).toBe(`${ORIGIN}/login?signInError=state_mismatch#`);
    expect(codeCalls()).toBe(1);
  });

  it('refuses a callback that comes after ten minutes as state_mismatch, and one to a worker started since (IndexedDB) is fine', async () => {
    const url = provider.approve(await makeBroker().authorize());
    clock.advance(10 * 60_000);
    expect((await callback(makeBroker(), url)).headers.get('Location')).toBe(`${ORIGIN}/login?signInError=state_mismatch#`);
    const fresh = provider.approve(await makeBroker().authorize());
    clock.advance(5 * 60_000);
    expect((await callback(makeBroker(), fresh)).headers.get('Location')).toBe(`${ORIGIN}/`);
    expect(codeCalls()).toBe(1);
  });

  it('refuses an iss naming another provider (RFC 9207) as issuer_mismatch, without a token request', async () => {
    const response = await signIn(makeBroker(), '/', { iss: 'https://evil.example' });
    expect(response.headers.get('Location')).toBe(`${ORIGIN}/login?signInError=issuer_mismatch#`);
    expect(provider.tokenCalls).toEqual([]);
  });

  it('passes access_denied on, and the sign-in is used up', async () => {
    const broker = makeBroker();
    const response = await signIn(broker, '/', { error: 'access_denied' });
    expect(response.headers.get('Location')).toBe(`${ORIGIN}/login?signInError=access_denied#`);
    expect(await pendingIn()).toEqual([]);
    expect(provider.tokenCalls).toEqual([]);
  });

  it('refuses an ID token with another nonce (nonce_mismatch) or a forged signature (invalid_id_token)', async () => {
    provider.wrongNonce = 'not-this-one';
    const broker = makeBroker();
    expect((await signIn(broker)).headers.get('Location')).toBe(`${ORIGIN}/login?signInError=nonce_mismatch#`);
    provider.wrongNonce = undefined;
    provider.forgeSignature = true;
    expect((await signIn(broker)).headers.get('Location')).toBe(`${ORIGIN}/login?signInError=invalid_id_token#`);
    expect((await broker.session()).status).toBe('signed-out');
    expect(await adapterStore.get('oidc-refresh-token')).toBeUndefined();
    expect(logs.join('\n')).not.toMatch(/code=|code_verifier|eyJ/);
  });

  it('says invalid_grant when the provider refuses the code, auth_unavailable when it is down, to a configured page', async () => {
    const broker = makeBroker({ errorRedirect: '/sign-in?from=oidc' });
    const url = await broker.authorize();
    const callbackUrl = provider.approve(url);
    provider.mode = 'unavailable';
    expect((await callback(broker, callbackUrl)).headers.get('Location')).toBe(`${ORIGIN}/sign-in?from=oidc&signInError=auth_unavailable#`);
    provider.mode = 'ok';
    const reused = new URL(provider.approve(await broker.authorize()));
    const first = await callback(broker, reused.href);
    expect(first.headers.get('Location')).toBe(`${ORIGIN}/`);
    // The same code once more, under a fresh state: the provider refuses it.
    const again = new URL(provider.approve(await broker.authorize()));
    again.searchParams.set('code', reused.searchParams.get('code') ?? '');
    expect((await callback(broker, again.href)).headers.get('Location')).toBe(`${ORIGIN}/sign-in?from=oidc&signInError=invalid_grant#`);
  });

  it('retries the code exchange once with the nonce the provider asks for (RFC 9449 8)', async () => {
    provider.requireNonce = true;
    const broker = makeBroker();
    expect((await signIn(broker)).headers.get('Location')).toBe(`${ORIGIN}/`);
    expect(codeCalls()).toBe(2);
    expect((await broker.session()).status).toBe('signed-in');
  });
});

describe('the refresh token', () => {
  it('is kept in IndexedDB when it is DPoP-bound, and a restarted worker goes on with one refresh', async () => {
    await signIn(makeBroker());
    expect(await storedRefreshToken()).toBe(provider.currentRefreshTokens[0]);
    const restarted = makeBroker();
    expect(await restarted.session()).toMatchObject({ status: 'signed-in', user: { id: 'user-1' } });
    expect(refreshCalls()).toBe(1);
    expect((await restarted.fetch(api())).status).toBe(200);
  });

  it('stays in worker memory when it is not bound, and its loss ends the session with a reason', async () => {
    const broker = makeBroker({ dpop: false });
    await signIn(broker);
    expect(await adapterStore.get('oidc-refresh-token')).toBeUndefined();
    clock.advance(301_000);
    expect((await broker.fetch(api())).status).toBe(200); // the same worker refreshes from memory
    const restarted = makeBroker({ dpop: false });
    expect(await restarted.session()).toEqual({ status: 'signed-out', ended: 'refresh-token-lost' });
    expect(broadcasts.at(-1)).toEqual({ status: 'signed-out', ended: 'refresh-token-lost' });
    expect(refreshCalls()).toBe(1);
    expect(await store.load()).toBeUndefined();
  });

  it('stores the rotated refresh token before the new access token is used', async () => {
    const broker = makeBroker();
    await signIn(broker);
    const first = await storedRefreshToken();
    clock.advance(301_000);
    expect((await broker.fetch(api())).status).toBe(200);
    const rotated = await storedRefreshToken();
    expect(rotated).not.toBe(first);
    expect(rotated).toBe(provider.currentRefreshTokens[0]);
    expect(provider.reuseDetected).toBe(0);
  });

  it('shares one refresh among concurrent requests', async () => {
    const broker = makeBroker();
    await signIn(broker);
    clock.advance(301_000);
    const responses = await Promise.all(Array.from({ length: 5 }, () => broker.fetch(api())));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(refreshCalls()).toBe(1);
  });

  it('lets a second worker refresh after the first rotated, under one lock, without a replay', async () => {
    let held = Promise.resolve();
    const lock: Lock = (task) => {
      const run = held.then(task);
      held = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    };
    const first = makeBroker({}, { lock });
    await signIn(first);
    const second = makeBroker({}, { lock });
    clock.advance(301_000);
    const statuses = await Promise.all([first.fetch(api()), second.fetch(api())]);
    expect(statuses.map((response) => response.status)).toEqual([200, 200]);
    expect(refreshCalls()).toBe(2);
    expect(provider.reuseDetected).toBe(0);
  });

  it('ends the session when the provider refuses the refresh (invalid_grant)', async () => {
    const broker = makeBroker();
    await signIn(broker);
    provider.revoked.push(provider.currentRefreshTokens[0] ?? '');
    clock.advance(301_000);
    expect((await broker.fetch(api())).status).toBe(401);
    expect(await broker.session()).toEqual({ status: 'signed-out' });
    expect(await adapterStore.get('oidc-refresh-token')).toBeUndefined();
  });
});

describe('several APIs (RFC 8707 resources)', () => {
  const twoApis = (): TokenBroker => makeBroker({}, {}, ['/api/', { url: '/api2/', resource: RESOURCE2 }]);
  const api2 = (): Request => new Request(`${ORIGIN}/api2/reports`);

  it('asks for every resource at sign-in, then one token per resource with the same refresh token', async () => {
    const broker = twoApis();
    const url = new URL(await broker.authorize());
    expect(url.searchParams.getAll('resource')).toEqual([RESOURCE, RESOURCE2]);
    await callback(broker, provider.approve(url.href));
    expect((await broker.fetch(api())).status).toBe(200);
    expect((await broker.fetch(api2())).status).toBe(200);
    expect((await broker.fetch(api2())).status).toBe(200);
    expect(provider.tokenCalls.map((call) => [call.grantType, call.resource])).toEqual([
      ['authorization_code', RESOURCE],
      ['refresh_token', RESOURCE2],
    ]);
    const [first, second] = provider.apiCalls.map((call) => call.authorization);
    expect(first).not.toBe(second);
    expect(provider.apiCalls.every((call) => call.ok)).toBe(true);
  });

  it('shares one refresh per resource, and never refreshes two resources at once with one refresh token', async () => {
    const broker = twoApis();
    await signIn(broker);
    clock.advance(301_000);
    const responses = await Promise.all([broker.fetch(api()), broker.fetch(api2()), broker.fetch(api()), broker.fetch(api2())]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    expect(
      provider.tokenCalls
        .filter((call) => call.grantType === 'refresh_token')
        .map((call) => call.resource)
        .sort(),
    ).toEqual([RESOURCE, RESOURCE2]);
    expect(provider.reuseDetected).toBe(0);
    expect(await storedRefreshToken()).toBe(provider.currentRefreshTokens[0]);
  });

  it("keeps the session's expiry to its own token, and forgets every token at sign-out", async () => {
    const broker = twoApis();
    await signIn(broker);
    const session = await broker.session();
    clock.advance(100_000);
    await broker.fetch(api2());
    expect(await broker.session()).toEqual(session);
    await broker.logout();
    provider.apiCalls.length = 0;
    await broker.fetch(api2());
    expect(provider.apiCalls).toEqual([{ authorization: null, ok: false }]);
  });
});

describe('sign-out', () => {
  it('revokes the refresh token, forgets everything, tells every tab and returns the end-session URL', async () => {
    const broker = makeBroker();
    await signIn(broker);
    const token = await storedRefreshToken();
    const reply = await answer(broker, { type: 'logout' });
    expect(provider.revoked).toEqual([token]);
    expect(reply).toMatchObject({ ok: true, session: { status: 'signed-out' } });
    const end = new URL((reply as { endSessionUrl: string }).endSessionUrl);
    expect(`${end.origin}${end.pathname}`).toBe(`${ISSUER}/session/end`);
    expect(end.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${ORIGIN}/`);
    expect(end.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
    expect(await adapterStore.get('oidc-refresh-token')).toBeUndefined();
    expect(await store.load()).toBeUndefined();
    expect(broadcasts.at(-1)).toEqual({ status: 'signed-out' });
  });

  it('signs out here when revocation fails (logged), and without discovery gives no end-session URL', async () => {
    const broker = makeBroker();
    await signIn(broker);
    provider.mode = 'down';
    const reply = await answer(broker, { type: 'logout' });
    expect(reply).toMatchObject({
      ok: true,
      session: { status: 'signed-out' },
      endSessionUrl: expect.stringContaining(`${ISSUER}/session/end?`),
    });
    expect(logs.at(-1)).toMatch(/^logout: the refresh token could not be revoked at https:\/\/id\.test\/revoke \(.*could not be reached/);
    provider.mode = 'ok';
    await signIn(broker);
    provider.mode = 'down';
    const restarted = makeBroker(); // discovery not yet known to this worker
    expect(await answer(restarted, { type: 'logout' })).toEqual({ ok: true, session: { status: 'signed-out' } });
    expect(logs.at(-1)).toMatch(/^logout: signed out here only \(OpenID Provider discovery failed/);
    expect(await adapterStore.get('oidc-refresh-token')).toBeUndefined();
  });

  it('gives no end-session URL when nobody was signed in, or the provider has no end-session endpoint', async () => {
    expect(await answer(makeBroker(), { type: 'logout' })).toEqual({ ok: true, session: { status: 'signed-out' } });
    provider.endpoints = { revocation: false, endSession: false };
    const broker = makeBroker();
    await signIn(broker);
    expect(await answer(broker, { type: 'logout' })).toEqual({ ok: true, session: { status: 'signed-out' } });
    expect(provider.revoked).toEqual([]);
  });
});
