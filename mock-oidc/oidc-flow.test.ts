import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, mockApiApp, type MockApi } from '../mock-api/app.ts';
import { mockApiConfig } from '../mock-api/config.ts';
import { listenForProvider, type OidcProvider } from './provider.ts';
import { signInHeadless } from './sign-in-headless.ts';
import { testClient, type TestClient, type TestSession } from './test-client.ts';

// The mock API runs in-process (app.request): its origin is only a name here, and so the resources' too.
const APP_ORIGIN = 'http://localhost:4173';
const API = `${APP_ORIGIN}/api/`;
const API2 = `${APP_ORIGIN}/api2/`;
const ADA = { username: 'ada', password: 'lovelace' };

let op: OidcProvider;
let api: MockApi;
let rp: TestClient;

beforeAll(async () => {
  const socket = await listenForProvider();
  const services = await createServices(mockApiConfig({ pbkdf2Iterations: 1_000, oidc: socket.trust() }));
  api = mockApiApp(services);
  op = await socket.start({ appOrigin: APP_ORIGIN, users: services.users, accessTtl: 60 });
  rp = await testClient(op.issuer, op.clientId, APP_ORIGIN);
}, 20_000);

afterAll(() => op.close());

/** GET /api/me at the in-process API with the session's access token and a DPoP proof of its key. */
function me(session: TestSession, accessToken = session.tokens.access_token): Promise<Response> {
  return oauth.protectedResourceRequest(accessToken, 'GET', new URL(`${APP_ORIGIN}/api/me`), new Headers(), null, {
    DPoP: session.dpop,
    [oauth.allowInsecureRequests]: true,
    // oauth4webapi's body type includes Uint8Array<ArrayBufferLike>, which this lib's BodyInit does not.
    [oauth.customFetch]: async (url, init) => api.request(url, init as RequestInit),
  });
}

const refused = { code: oauth.WWW_AUTHENTICATE_CHALLENGE, response: { status: 401 } };
const invalidGrant = { code: oauth.RESPONSE_BODY_ERROR, error: 'invalid_grant' };

describe('the local OpenID Provider and the mock API', () => {
  it('signs in with code + PKCE S256 + DPoP after the nonce dance; the API accepts the bound JWT for /api/', async () => {
    const session = await rp.signIn(ADA, [API, API2]);
    expect(session.neededNonce).toBe(true);
    const { tokens } = session;
    expect(tokens.token_type).toBe('dpop');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      iss: op.issuer,
      aud: API,
      sub: '2',
      client_id: 'demo-spa',
      cnf: { jkt: await session.dpop.calculateThumbprint() },
    });
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({
      sub: '2',
      preferred_username: 'ada',
      given_name: 'Ada',
      family_name: 'Lovelace',
    });

    const response = await me(session);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 2, username: 'ada', firstName: 'Ada', lastName: 'Lovelace' });
  });

  it('refuses the DPoP-bound token presented as Bearer with 401 invalid_token', async () => {
    const { tokens } = await rp.signIn(ADA, [API]);
    const response = await api.request(`${APP_ORIGIN}/api/me`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('gives a second resource its own token (aud /api2/), which /api/ refuses with 401', async () => {
    const session = await rp.signIn(ADA, [API, API2]);
    const second = await rp.refresh(session, session.tokens.refresh_token ?? '', API2);
    expect(decodeJwt(second.access_token).aud).toBe(API2);
    expect(decodeJwt(session.tokens.access_token).aud).toBe(API);
    await expect(me(session, second.access_token)).rejects.toMatchObject(refused);
  });

  it('rotates the refresh token on every use, and a replayed one revokes the grant (the rotated one too)', async () => {
    const session = await rp.signIn({ username: 'test', password: 'test' }, [API]);
    const first = session.tokens.refresh_token ?? '';
    const rotated = await rp.refresh(session, first, API);
    expect(rotated.refresh_token).toEqual(expect.any(String));
    expect(rotated.refresh_token).not.toBe(first);
    expect((await me(session, rotated.access_token)).status).toBe(200);

    await expect(rp.refresh(session, first, API)).rejects.toMatchObject(invalidGrant);
    await expect(rp.refresh(session, rotated.refresh_token ?? '', API)).rejects.toMatchObject(invalidGrant);
  });

  it('revokes a refresh token at the revocation endpoint (RFC 7009): it refreshes no more', async () => {
    const session = await rp.signIn(ADA, [API]);
    await rp.revoke(session.tokens.refresh_token ?? '');
    await expect(rp.refresh(session, session.tokens.refresh_token ?? '', API)).rejects.toMatchObject(invalidGrant);
  });

  it('refuses a refresh with another DPoP key than the one the refresh token is bound to', async () => {
    const session = await rp.signIn(ADA, [API]);
    const thief = { ...session, dpop: oauth.DPoP(rp.client, await oauth.generateKeyPair('ES256')) };
    await expect(rp.refresh(thief, session.tokens.refresh_token ?? '', API)).rejects.toMatchObject(invalidGrant);
  });

  it('keeps offline_access when asked with prompt=consent: that refresh token outlives the provider session', async () => {
    const withConsent = await rp.signIn(ADA, [API], { prompt: 'consent' });
    const kept = await op.provider.RefreshToken.find(withConsent.tokens.refresh_token ?? '');
    expect(kept?.scopes.has('offline_access')).toBe(true);
    expect(kept?.expiresWithSession).toBeFalsy();
    const without = await rp.signIn(ADA, [API]);
    expect((await op.provider.RefreshToken.find(without.tokens.refresh_token ?? ''))?.expiresWithSession).toBe(true);
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = new URL(rp.as.authorization_endpoint ?? '');
    url.search = new URLSearchParams({
      client_id: op.clientId,
      redirect_uri: `${APP_ORIGIN}/auth/callback`,
      response_type: 'code',
      scope: 'openid',
      state: 'abc',
    }).toString();
    const callback = await signInHeadless(url, ADA);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toContain('PKCE');
  });

  it("answers CORS for the app's origin only at the token endpoint", async () => {
    const tokenRequest = (origin: string): Promise<Response> =>
      fetch(rp.as.token_endpoint ?? '', {
        method: 'POST',
        headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'unknown', client_id: op.clientId }),
      });
    expect((await tokenRequest(APP_ORIGIN)).headers.get('Access-Control-Allow-Origin')).toBe(APP_ORIGIN);
    const other = await tokenRequest('http://evil.example');
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(await other.json()).toMatchObject({ error: 'invalid_request' });
  });

  it("ends the provider session back to the app's /login only (RP-initiated logout)", async () => {
    const endSession = (target: string): Promise<Response> =>
      fetch(
        `${rp.as.end_session_endpoint ?? ''}?${new URLSearchParams({ client_id: op.clientId, post_logout_redirect_uri: target }).toString()}`,
      );
    expect((await endSession(`${APP_ORIGIN}/login`)).status).toBe(200);
    expect((await endSession('http://evil.example/')).status).toBe(400);
  });

  it('signs in the demo users with their own passwords only', async () => {
    await expect(rp.signIn({ username: 'ada', password: 'test' }, [API])).rejects.toThrow(/Wrong username or password/);
  });
});
