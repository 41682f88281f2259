import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, mockApiApp, type MockApi } from '../../../mock-api/app.ts';
import { mockApiConfig, type TrustedProvider } from '../../../mock-api/config.ts';
import type { Users } from '../../../mock-api/users.ts';
import type { Session } from '../../protocol.ts';
import { createMemoryAdapterStore, type AdapterStore } from '../adapter-store.ts';
import { answer } from '../answer.ts';
import { createDpop } from '../dpop/dpop.ts';
import type { KeyStore } from '../dpop/key-store.ts';
import { resolveOptions } from '../options.ts';
import { ManualClock, MemoryStore } from '../test-fakes.ts';
import { TokenBroker } from '../token-broker.ts';
import { oidc } from './oidc.ts';

// The whole flow in Node: the broker with the oidc adapter over a real-fetch transport, against
// the local OpenID Provider (oidc-provider: PKCE, DPoP with nonces, rotation, resources,
// revocation) and the mock API, which accepts the provider's access tokens for /api/. The mock API
// runs in-process (app.request): its origin is only a name, and so are the resources'.
const APP_ORIGIN = 'http://localhost:4173';
const API = `${APP_ORIGIN}/api/`;
const API2 = `${APP_ORIGIN}/api2/`;
const TEST_USER = { id: 1, username: 'test', firstName: 'Test', lastName: 'User' };

/**
 * What the test uses of mock-oidc/. It is Node code (node:http, oidc-provider), outside this
 * project's worker typings, so it is loaded by path at run time and typed here.
 */
interface LocalProvider {
  issuer: string;
  clientId: string;
  provider: { RefreshToken: { find(token: string): Promise<unknown> } };
  close(): Promise<void>;
}
interface MockOidc {
  listenForProvider(): Promise<{
    trust(): TrustedProvider;
    start(options: { appOrigin: string; users: Users; accessTtl: number }): Promise<LocalProvider>;
  }>;
  signInHeadless(authorizationUrl: string, credentials: { username: string; password: string }): Promise<URL>;
}
const MOCK_OIDC = new URL('../../../mock-oidc/index.ts', import.meta.url).href;

let mockOidc: MockOidc;
let op: LocalProvider;
let api: MockApi;
/** Authorization headers of requests to /api2/, which no server here serves: a stub answers them. */
let api2Calls: string[];

class MemoryKeyStore implements KeyStore {
  pair: CryptoKeyPair | undefined;
  load = async (): Promise<CryptoKeyPair | undefined> => this.pair;
  save = async (pair: CryptoKeyPair): Promise<void> => void (this.pair = pair);
  clear = async (): Promise<void> => void (this.pair = undefined);
}

/** The worker's fetch: the app's origin goes to the in-process mock API, the provider over the network. */
async function transport(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.origin !== APP_ORIGIN) return fetch(request);
  if (url.pathname.startsWith('/api2/')) {
    api2Calls.push(request.headers.get('Authorization') ?? '');
    return Response.json({ ok: true });
  }
  return api.request(request);
}

beforeAll(async () => {
  mockOidc = (await import(/* @vite-ignore */ MOCK_OIDC)) as MockOidc;
  const socket = await mockOidc.listenForProvider();
  const services = await createServices(mockApiConfig({ pbkdf2Iterations: 1_000, oidc: socket.trust() }));
  api = mockApiApp(services);
  op = await socket.start({ appOrigin: APP_ORIGIN, users: services.users, accessTtl: 60 });
}, 20_000);

afterAll(() => op.close());

describe('the oidc adapter against the local OpenID Provider', () => {
  it('signs in, calls the API with a DPoP-bound token, refreshes with rotation, survives a restart, and signs out with revocation', async () => {
    const clock = new ManualClock(Date.now());
    const store = new MemoryStore();
    const adapterStore: AdapterStore = createMemoryAdapterStore();
    const keys = new MemoryKeyStore();
    const logs: string[] = [];
    const broadcasts: Session[] = [];
    api2Calls = [];
    const worker = (): TokenBroker => {
      const adapter = oidc({
        issuer: op.issuer,
        clientId: op.clientId,
        resource: API,
        postLogoutRedirectUri: '/login',
        user: (claims) => ({
          id: Number(claims.sub),
          username: claims.preferred_username,
          firstName: claims.given_name,
          lastName: claims.family_name,
        }),
      });
      const config = resolveOptions(
        { adapter, allowlist: ['/api/', { url: '/api2/', resource: API2 }], brokerOnly: ['/auth/'] },
        APP_ORIGIN,
      );
      // DPoP proofs are checked against the real clock (iat), so the key signs on Date, not on the manual clock.
      return new TokenBroker(config, {
        transport,
        clock,
        store,
        adapterStore,
        dpop: createDpop({ store: keys, clock: Date }),
        log: (line) => logs.push(line),
        broadcast: (session) => broadcasts.push(session),
      });
    };
    const broker = worker();

    // Sign-in: the authorization URL, the provider's pages, the callback the worker answers.
    const authorizationUrl = await broker.authorize('/todos');
    const callback = await mockOidc.signInHeadless(authorizationUrl, { username: 'test', password: 'test' });
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
    const landed = await broker.callback(callback);
    expect(landed.status).toBe(303);
    expect(landed.headers.get('Location')).toBe(`${APP_ORIGIN}/todos`);
    expect(await broker.session()).toMatchObject({ status: 'signed-in', user: TEST_USER });
    expect(broadcasts.at(-1)).toMatchObject({ status: 'signed-in', user: TEST_USER });

    // A second use of the same callback URL is refused.
    expect((await broker.callback(callback)).headers.get('Location')).toBe(`${APP_ORIGIN}/login?signInError=state_mismatch#`);

    // The API accepts the DPoP-bound JWT for /api/.
    const me = await broker.fetch(new Request(`${APP_ORIGIN}/api/me`));
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(TEST_USER);

    // The bound refresh token is in the adapter store; after expiry, a refresh rotates it.
    const readRefreshToken = async (): Promise<unknown> =>
      ((await adapterStore.get('oidc-refresh-token')) as { token?: unknown } | undefined)?.token;
    const first = await readRefreshToken();
    expect(first).toEqual(expect.any(String));
    clock.advance(61_000);
    expect((await broker.fetch(new Request(`${APP_ORIGIN}/api/me`))).status).toBe(200);
    const rotated = await readRefreshToken();
    expect(rotated).toEqual(expect.any(String));
    expect(rotated).not.toBe(first);

    // A second API gets its own token, for its own audience, from the same refresh token.
    expect((await broker.fetch(new Request(`${APP_ORIGIN}/api2/reports`))).status).toBe(200);
    const [scheme, token] = (api2Calls[0] ?? '').split(' ');
    expect(scheme).toBe('DPoP');
    expect(decodeJwt(token ?? '')).toMatchObject({ aud: API2, sub: '1' });
    const afterApi2 = await readRefreshToken();
    expect(afterApi2).not.toBe(rotated);

    // A restarted worker (same IndexedDB, same key) goes on with one refresh.
    const restarted = worker();
    expect(await restarted.session()).toMatchObject({ status: 'signed-in', user: TEST_USER });
    expect((await restarted.fetch(new Request(`${APP_ORIGIN}/api/me`))).status).toBe(200);

    // Sign-out revokes the refresh token at the provider and names the end-session URL.
    const held = await readRefreshToken();
    const reply = await answer(restarted, { type: 'logout' });
    expect(reply).toMatchObject({ ok: true, session: { status: 'signed-out' } });
    const endSession = new URL((reply as { endSessionUrl: string }).endSessionUrl);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${APP_ORIGIN}/login`);
    expect(endSession.searchParams.get('client_id')).toBe(op.clientId);
    expect(await op.provider.RefreshToken.find(String(held))).toBeUndefined();
    expect(await adapterStore.get('oidc-refresh-token')).toBeUndefined();
    // One log line, for the replayed callback, with its reason and no code.
    expect(logs).toEqual([expect.stringMatching(/^sign-in failed \(oidc, http:\/\/127\.0\.0\.1:\d+\/\): state_mismatch: /)]);
  }, 30_000);
});
