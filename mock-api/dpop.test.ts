import { base64url, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import type { MockApiConfig } from './config.ts';
import { cookieOf, testApi } from './test-support.ts';

// The mock API's DPoP (RFC 9449): token requests with a proof get bound tokens and bound
// refresh families; bound tokens work only with a proof of their key.
const ORIGIN = 'http://localhost:4173';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

async function key() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const jwk: JWK = { kty, crv, x, y };
  return async (method: string, path: string, now: number, claims: Record<string, unknown> = {}): Promise<string> =>
    new SignJWT({ htm: method, htu: `${ORIGIN}${path}`, jti: crypto.randomUUID(), iat: Math.floor(now / 1000), ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
      .sign(privateKey);
}

const ath = async (token: string): Promise<string> =>
  base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));

async function setup(overrides: Partial<MockApiConfig> = {}) {
  const t = await testApi(overrides);
  const proof = await key();
  const login = async (headers: Record<string, string> = {}) =>
    t.send('/auth/login', { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: '{"username":"test","password":"test"}' });
  const boundLogin = async () => {
    const response = await login({ DPoP: await proof('POST', '/auth/login', t.clock.now) });
    const body = (await response.json()) as { access_token: string; token_type: string };
    return { response, body, cookie: cookieOf(response) };
  };
  const api = async (token: string, scheme = 'DPoP', sign = proof, path = '/api/todos') =>
    t.send(path, {
      headers: { Authorization: `${scheme} ${token}`, DPoP: await sign('GET', path, t.clock.now, { ath: await ath(token) }) },
    });
  return { t, proof, login, boundLogin, api };
}

describe('DPoP at the mock API', () => {
  it('binds a login with a proof (token_type DPoP), and the token works only with a proof of that key', async () => {
    const { boundLogin, api } = await setup();
    const { body } = await boundLogin();
    expect(body.token_type).toBe('DPoP');
    expect((await api(body.access_token)).status).toBe(200);
    const asBearer = await api(body.access_token, 'Bearer');
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('WWW-Authenticate')).toMatch(/^DPoP .*error="invalid_token"/);
    expect((await api(body.access_token, 'DPoP', await key())).status).toBe(401);
  });

  it('gives a Bearer token to a login without a proof (DPOP=optional), and refuses one in DPOP=required', async () => {
    const optional = await setup();
    expect(((await (await optional.login()).json()) as { token_type: string }).token_type).toBe('Bearer');
    const required = await setup({ dpop: 'required' });
    const refused = await required.login();
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it('ends a bound family when the refresh comes with another key or with the cookie alone', async () => {
    for (const presented of ['another key', 'no proof'] as const) {
      const { t, boundLogin, api } = await setup();
      const { body, cookie } = await boundLogin();
      const other = await key();
      const headers: Record<string, string> = { Cookie: cookie };
      if (presented === 'another key') headers.DPoP = await other('POST', '/auth/refresh', t.clock.now);
      const refused = await t.send('/auth/refresh', { method: 'POST', headers });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
      // The family is revoked: the access token is dead too.
      expect((await api(body.access_token)).status).toBe(401);
    }
  });

  it('refreshes a bound family with a proof of its key, keeping it bound', async () => {
    const { t, proof, boundLogin } = await setup();
    const { cookie } = await boundLogin();
    const refreshed = await t.send('/auth/refresh', {
      method: 'POST',
      headers: { Cookie: cookie, DPoP: await proof('POST', '/auth/refresh', t.clock.now) },
    });
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toMatchObject({ token_type: 'DPoP' });
  });

  it('demands a rotating nonce when told to: 400 use_dpop_nonce at the token endpoint, 401 at the API', async () => {
    const { t, proof, login } = await setup({ dpopNonce: true });
    const first = await login({ DPoP: await proof('POST', '/auth/login', t.clock.now) });
    expect(first.status).toBe(400);
    expect(await first.json()).toMatchObject({ error: 'use_dpop_nonce' });
    const nonce = first.headers.get('DPoP-Nonce') ?? '';
    expect(nonce).not.toBe('');
    const second = await login({ DPoP: await proof('POST', '/auth/login', t.clock.now, { nonce }) });
    expect(second.status).toBe(200);
    const { access_token: token } = (await second.json()) as { access_token: string };
    const stale = await t.send('/api/todos', {
      headers: { Authorization: `DPoP ${token}`, DPoP: await proof('GET', '/api/todos', t.clock.now, { ath: await ath(token) }) },
    });
    expect(stale.status).toBe(401);
    expect(stale.headers.get('WWW-Authenticate')).toContain('error="use_dpop_nonce"');
    const fresh = await t.send('/api/todos', {
      headers: {
        Authorization: `DPoP ${token}`,
        DPoP: await proof('GET', '/api/todos', t.clock.now, { ath: await ath(token), nonce: stale.headers.get('DPoP-Nonce') }),
      },
    });
    expect(fresh.status).toBe(200);
  });

  it('switches nonces on and off through /__mock/dpop', async () => {
    const { t, proof, login } = await setup();
    expect((await t.send('/__mock/dpop', { method: 'POST', headers: JSON_HEADERS, body: '{"nonce":true}' })).status).toBe(204);
    expect((await login({ DPoP: await proof('POST', '/auth/login', t.clock.now) })).status).toBe(400);
    expect((await t.send('/__mock/dpop', { method: 'POST', headers: JSON_HEADERS, body: '{"nonce":"yes"}' })).status).toBe(400);
  });

  it('ignores proofs with DPOP=off', async () => {
    const { boundLogin } = await setup({ dpop: 'off' });
    expect((await boundLogin()).body.token_type).toBe('Bearer');
  });
});
