import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { DpopNonces } from './dpop-nonces.ts';
import { DpopProofs } from './dpop-proofs.ts';

const NOW = Date.UTC(2026, 0, 1);
const URL_ = 'http://app.test/api/todos';

async function key(extractable = false) {
  const pair = await generateKeyPair('ES256', { extractable });
  const { kty, crv, x, y } = await exportJWK(pair.publicKey);
  return { ...pair, jwk: { kty, crv, x, y } as JWK };
}

async function proof(
  k: Awaited<ReturnType<typeof key>>,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ htm: 'GET', htu: URL_, jti: crypto.randomUUID(), iat: Math.floor(NOW / 1000), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk, ...header })
    .sign(k.privateKey);
}

const ath = async (token: string): Promise<string> =>
  base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));
const proofs = () => new DpopProofs({ windowSeconds: 60, now: () => NOW });

describe('DpopProofs', () => {
  it('accepts a good proof and gives the key thumbprint', async () => {
    const k = await key();
    expect(await proofs().verify(await proof(k), { method: 'GET', url: `${URL_}?x=1` })).toEqual({
      ok: true,
      jkt: await calculateJwkThumbprint(k.jwk),
    });
  });

  it('refuses the same jti twice (replay)', async () => {
    const k = await key();
    const checker = proofs();
    const once = await proof(k);
    expect((await checker.verify(once, { method: 'GET', url: URL_ })).ok).toBe(true);
    expect(await checker.verify(once, { method: 'GET', url: URL_ })).toMatchObject({
      ok: false,
      error: 'invalid_dpop_proof',
      reason: 'jti already used',
    });
  });

  it.each<[string, (k: Awaited<ReturnType<typeof key>>) => Promise<string>, string]>([
    ['another method', (k) => proof(k, { htm: 'POST' }), 'htm'],
    ['another path', (k) => proof(k, { htu: 'http://app.test/api/users' }), 'htu'],
    ['a query in htu', (k) => proof(k, { htu: `${URL_}?x=1` }), 'htu'],
    ['ten minutes old', (k) => proof(k, { iat: Math.floor(NOW / 1000) - 600 }), 'iat'],
    ['ten minutes ahead', (k) => proof(k, { iat: Math.floor(NOW / 1000) + 600 }), 'iat'],
    ['typ JWT', (k) => proof(k, {}, { typ: 'JWT' }), 'typ'],
    ['no jwk', (k) => proof(k, {}, { jwk: undefined }), 'jwk'],
  ])('refuses a proof for %s', async (_, make, reason) => {
    const result = await proofs().verify(await make(await key()), { method: 'GET', url: URL_ });
    expect(result).toMatchObject({ ok: false, error: 'invalid_dpop_proof' });
    expect(JSON.stringify(result)).toMatch(new RegExp(reason));
  });

  it('refuses a private key in the jwk header', async () => {
    const k = await key(true);
    const full = await exportJWK(k.privateKey);
    const signed = await new SignJWT({ htm: 'GET', htu: URL_, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: full })
      .setIssuedAt(Math.floor(NOW / 1000))
      .sign(k.privateKey);
    expect(await proofs().verify(signed, { method: 'GET', url: URL_ })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('public'),
    });
  });

  it("checks ath against the access token, and refuses another key's signature", async () => {
    const k = await key();
    const checker = proofs();
    expect(
      (await checker.verify(await proof(k, { ath: await ath('token-a') }), { method: 'GET', url: URL_, accessToken: 'token-a' })).ok,
    ).toBe(true);
    expect(
      await checker.verify(await proof(k, { ath: await ath('token-b') }), { method: 'GET', url: URL_, accessToken: 'token-a' }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('ath') });
    const other = await key();
    const forged = await new SignJWT({ htm: 'GET', htu: URL_, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk })
      .setIssuedAt(Math.floor(NOW / 1000))
      .sign(other.privateKey);
    expect((await checker.verify(forged, { method: 'GET', url: URL_ })).ok).toBe(false);
  });

  it('asks for the current nonce, and accepts the previous one after a rotation', async () => {
    let now = NOW;
    const nonces = new DpopNonces({ rotateSeconds: 30, now: () => now });
    const k = await key();
    const checker = proofs();
    expect(await checker.verify(await proof(k), { method: 'GET', url: URL_, nonces: nonces.accepted() })).toMatchObject({
      ok: false,
      error: 'use_dpop_nonce',
    });
    const first = nonces.current();
    expect((await checker.verify(await proof(k, { nonce: first }), { method: 'GET', url: URL_, nonces: nonces.accepted() })).ok).toBe(true);
    now += 31_000;
    expect(nonces.current()).not.toBe(first);
    expect((await checker.verify(await proof(k, { nonce: first }), { method: 'GET', url: URL_, nonces: nonces.accepted() })).ok).toBe(true);
    nonces.rotate();
    expect(await checker.verify(await proof(k, { nonce: first }), { method: 'GET', url: URL_, nonces: nonces.accepted() })).toMatchObject({
      ok: false,
      error: 'use_dpop_nonce',
    });
  });
});
