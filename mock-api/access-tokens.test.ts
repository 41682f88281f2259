import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAccessTokens, newSigningKey } from './access-tokens.ts';

const ISSUER = 'urn:token-broker:mock-api';
const AUDIENCE = 'urn:token-broker:api';
const NOW = Date.UTC(2026, 0, 1);

async function service(now = (): number => NOW) {
  return createAccessTokens({ issuer: ISSUER, audience: AUDIENCE, ttl: 300, now });
}

/** A token with every claim right, signed by a key of the attacker's. */
async function foreignToken(header: Record<string, unknown> = {}, claims: { iss?: string; aud?: string } = {}) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const iat = Math.floor(NOW / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setSubject('1')
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .setJti('x')
    .sign(privateKey);
  return { token, publicJwk: await exportJWK(publicKey) };
}

describe('createAccessTokens', () => {
  it('issues ES256 at+jwt tokens with iss, aud, sub, sid, iat, exp and jti that verify', async () => {
    const tokens = await service();
    const token = await tokens.issue('1', 'family-1');
    const [header] = token.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: expect.any(String),
    });
    expect(await tokens.verify(token)).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: '1',
      sid: 'family-1',
      iat: NOW / 1000,
      exp: NOW / 1000 + 300,
      jti: expect.any(String),
    });
  });

  it('refuses alg none', async () => {
    const tokens = await service();
    const unsecured = new UnsecuredJWT({ sub: '1', jti: 'x' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
    expect(await tokens.verify(unsecured)).toBeUndefined();
  });

  it('refuses a tampered signature and a tampered payload', async () => {
    const tokens = await service();
    const [header, payload, signature] = (await tokens.issue('1', 'family-1')).split('.') as [string, string, string];
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    expect(await tokens.verify(`${header}.${payload}.${flipped}`)).toBeUndefined();
    const otherPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: '2' })).toString(
      'base64url',
    );
    expect(await tokens.verify(`${header}.${otherPayload}.${signature}`)).toBeUndefined();
  });

  it('refuses a token signed by a foreign key, even with that key embedded in the header', async () => {
    const tokens = await service();
    const plain = await foreignToken();
    expect(await tokens.verify(plain.token)).toBeUndefined();
    const embedded = await foreignToken();
    const withJwk = await foreignToken({ jwk: embedded.publicJwk, kid: 'attacker' });
    expect(await tokens.verify(withJwk.token)).toBeUndefined();
  });

  it('refuses the wrong issuer and the wrong audience, even when signed with our key', async () => {
    const key = await newSigningKey();
    const ours = await createAccessTokens({ issuer: ISSUER, audience: AUDIENCE, ttl: 300, now: () => NOW }, key);
    const otherIssuer = await createAccessTokens({ issuer: 'urn:someone-else', audience: AUDIENCE, ttl: 300, now: () => NOW }, key);
    const otherAudience = await createAccessTokens({ issuer: ISSUER, audience: 'urn:another-api', ttl: 300, now: () => NOW }, key);
    expect(await ours.verify(await ours.issue('1', 'family-1'))).toBeDefined();
    expect(await ours.verify(await otherIssuer.issue('1', 'family-1'))).toBeUndefined();
    expect(await ours.verify(await otherAudience.issue('1', 'family-1'))).toBeUndefined();
  });

  it('refuses an expired token, allowing five seconds of clock tolerance', async () => {
    let now = NOW;
    const tokens = await service(() => now);
    const token = await tokens.issue('1', 'family-1');
    now = NOW + 304_000;
    expect(await tokens.verify(token)).toBeDefined();
    now = NOW + 306_000;
    expect(await tokens.verify(token)).toBeUndefined();
  });

  it('refuses every earlier token after a rotation', async () => {
    const tokens = await service();
    const token = await tokens.issue('1', 'family-1');
    await tokens.rotate();
    expect(await tokens.verify(token)).toBeUndefined();
    expect(await tokens.verify(await tokens.issue('1', 'family-1'))).toBeDefined();
  });
});
