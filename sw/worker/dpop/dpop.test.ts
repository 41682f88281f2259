import { base64url, calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-fakes.ts';
import { createDpop } from './dpop.ts';
import type { KeyStore } from './key-store.ts';

class MemoryKeyStore implements KeyStore {
  pair: CryptoKeyPair | undefined;
  saves = 0;
  async load(): Promise<CryptoKeyPair | undefined> {
    return this.pair;
  }
  async save(pair: CryptoKeyPair): Promise<void> {
    this.saves += 1;
    this.pair = pair;
  }
  async clear(): Promise<void> {
    this.pair = undefined;
  }
}

const URL_WITH_QUERY = 'https://api.test/v1/things?secret=1#frag';
const verify = (proof: { header: string }) => jwtVerify(proof.header, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
const sha256 = async (text: string): Promise<string> =>
  base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = new MemoryKeyStore();
  return { clock, store, dpop: createDpop({ store, clock }) };
}

describe('createDpop', () => {
  it('signs an RFC 9449 proof: dpop+jwt, ES256, public jwk only, htm, htu without query or fragment, iat, jti', async () => {
    const { dpop, clock } = setup();
    const proof = await dpop.proof('post', URL_WITH_QUERY);
    const { payload, protectedHeader } = await verify(proof);
    expect(protectedHeader).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(Object.keys(protectedHeader.jwk ?? {}).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(payload).toEqual({ htm: 'POST', htu: 'https://api.test/v1/things', iat: clock.now() / 1000, jti: expect.any(String) });
    expect(payload.ath).toBeUndefined();
  });

  it('adds ath = base64url(SHA-256(token)) for resource requests, and a fresh jti every time', async () => {
    const { dpop } = setup();
    const first = await verify(await dpop.proof('GET', URL_WITH_QUERY, 'the.access.token'));
    const second = await verify(await dpop.proof('GET', URL_WITH_QUERY, 'the.access.token'));
    expect(first.payload.ath).toBe(await sha256('the.access.token'));
    expect(first.payload.jti).not.toBe(second.payload.jti);
  });

  it('keeps one non-extractable key per session, stored once, and a new one after reset', async () => {
    const { dpop, store } = setup();
    const before = await calculateJwkThumbprint(await dpop.publicJwk());
    await dpop.proof('GET', URL_WITH_QUERY);
    expect(store.saves).toBe(1);
    expect(store.pair?.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', store.pair!.privateKey)).rejects.toThrow();
    const header = decodeProtectedHeader((await dpop.proof('GET', URL_WITH_QUERY)).header);
    expect(await calculateJwkThumbprint(header.jwk!)).toBe(before);
    await dpop.reset();
    expect(store.pair).toBeUndefined();
    expect(await calculateJwkThumbprint(await dpop.publicJwk())).not.toBe(before);
  });

  it('reuses a stored key after a worker restart', async () => {
    const { store, clock } = setup();
    const first = await createDpop({ store, clock }).publicJwk();
    expect(await createDpop({ store, clock }).publicJwk()).toEqual(first);
  });

  it('remembers the nonce per origin, and asks for a retry only when the server wants a new one', async () => {
    const { dpop } = setup();
    const none = await dpop.proof('POST', 'https://id.test/token');
    const askToken = new Response(JSON.stringify({ error: 'use_dpop_nonce' }), { status: 400, headers: { 'DPoP-Nonce': 'n1' } });
    expect(await dpop.observe('https://id.test/token', askToken, 'token', none)).toBe(true);
    const withNonce = await dpop.proof('POST', 'https://id.test/token');
    expect(withNonce.nonce).toBe('n1');
    expect((await verify(withNonce)).payload.nonce).toBe('n1');
    expect((await verify(await dpop.proof('GET', 'https://api.test/x'))).payload.nonce).toBeUndefined();
    // Asked again for the nonce the proof already carried: no retry (no loop).
    const again = new Response(JSON.stringify({ error: 'use_dpop_nonce' }), { status: 400, headers: { 'DPoP-Nonce': 'n1' } });
    expect(await dpop.observe('https://id.test/token', again, 'token', withNonce)).toBe(false);
    const apiProof = await dpop.proof('GET', 'https://api.test/x');
    const askApi = () =>
      new Response(null, { status: 401, headers: { 'DPoP-Nonce': 'n2', 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' } });
    expect(await dpop.observe('https://api.test/x', askApi(), 'api', apiProof)).toBe(true);
    // A concurrent request that carried the same old nonce retries too.
    expect(await dpop.observe('https://api.test/x', askApi(), 'api', apiProof)).toBe(true);
    // A rotated nonce on a successful answer is remembered, with no retry.
    expect(await dpop.observe('https://api.test/x', new Response('{}', { headers: { 'DPoP-Nonce': 'n3' } }), 'api', apiProof)).toBe(false);
    expect((await verify(await dpop.proof('GET', 'https://api.test/x'))).payload.nonce).toBe('n3');
  });

  it('asks to send a refused proof again once the server clock shows it was dated wrong', async () => {
    const { dpop, clock } = setup();
    const serverNow = clock.now();
    clock.advance(600_000);
    const stale = await dpop.proof('POST', 'https://id.test/token');
    const refused = new Response(JSON.stringify({ error: 'invalid_dpop_proof' }), {
      status: 400,
      headers: { Date: new Date(serverNow).toUTCString() },
    });
    expect(await dpop.observe('https://id.test/token', refused, 'token', stale)).toBe(true);
    const fresh = await dpop.proof('POST', 'https://id.test/token');
    // Dated right now: the same refusal is final.
    const again = new Response(JSON.stringify({ error: 'invalid_dpop_proof' }), {
      status: 400,
      headers: { Date: new Date(serverNow).toUTCString() },
    });
    expect(await dpop.observe('https://id.test/token', again, 'token', fresh)).toBe(false);
    const apiRefusal = new Response(null, {
      status: 401,
      headers: { Date: new Date(serverNow).toUTCString(), 'WWW-Authenticate': 'DPoP error="invalid_token"' },
    });
    expect(await dpop.observe('https://api.test/x', apiRefusal, 'api', stale)).toBe(true);
  });

  it("dates proofs on the server's clock when the local one is off", async () => {
    const { dpop, clock } = setup();
    const serverNow = clock.now();
    clock.advance(600_000); // this browser is ten minutes ahead
    const sent = await dpop.proof('POST', 'https://id.test/token');
    await dpop.observe(
      'https://id.test/token',
      new Response('{}', { headers: { Date: new Date(serverNow).toUTCString() } }),
      'token',
      sent,
    );
    const { payload } = await verify(await dpop.proof('POST', 'https://id.test/token'));
    expect(Math.abs((payload.iat ?? 0) - serverNow / 1000)).toBeLessThanOrEqual(1);
  });
});
