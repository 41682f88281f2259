import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrustedProvider } from './config.ts';
import { createProviderTokens } from './provider-tokens.ts';

const PROVIDER: TrustedProvider = {
  issuer: 'http://127.0.0.1:4174',
  clientId: 'demo-spa',
  jwksUri: 'http://127.0.0.1:4174/jwks',
  origins: ['http://127.0.0.1:4174'],
};
const RESOURCE = 'http://localhost:4173/api/';
const NOW = Date.UTC(2026, 0, 1);

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let providerKey: KeyPair;
let otherKey: KeyPair;
let kid: string;
let jwks: { keys: object[] };

beforeAll(async () => {
  providerKey = await generateKeyPair('ES256', { extractable: true });
  otherKey = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(providerKey.publicKey);
  kid = await calculateJwkThumbprint(publicJwk);
  jwks = { keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] };
});

/** The key set as the provider serves it. */
const serveKeys = async (): Promise<Response> => Response.json(jwks);

/** An access token as oidc-provider issues one (RFC 9068), with `changes` applied. */
function accessToken(changes: { header?: object; claims?: JWTPayload; key?: KeyPair } = {}): Promise<string> {
  const iat = Math.floor(NOW / 1000);
  return new SignJWT({
    client_id: PROVIDER.clientId,
    jti: 'abc',
    sub: '2',
    iat,
    exp: iat + 60,
    aud: RESOURCE,
    iss: PROVIDER.issuer,
    ...changes.claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, ...changes.header })
    .sign((changes.key ?? providerKey).privateKey);
}

const tokens = (fetchKeys: typeof fetch = serveKeys) => createProviderTokens(PROVIDER, () => NOW, fetchKeys);

describe("an OpenID Provider's access tokens", () => {
  it('are verified against its key set for the resource, and give the payload', async () => {
    expect(await tokens().verify(await accessToken(), RESOURCE)).toMatchObject({ sub: '2', aud: RESOURCE });
  });

  it.each([
    ['another resource (aud)', { claims: { aud: 'http://localhost:4173/api2/' } }],
    ['another client', { claims: { client_id: 'someone-else' } }],
    ['another issuer', { claims: { iss: 'http://127.0.0.1:9999' } }],
    ['an expired one', { claims: { exp: Math.floor(NOW / 1000) - 60 } }],
    ['an ID token (typ JWT)', { header: { typ: 'JWT' } }],
    ['no client_id', { claims: { client_id: undefined } }],
  ])('refuse %s', async (_, changes) => {
    expect(await tokens().verify(await accessToken(changes), RESOURCE)).toBeUndefined();
  });

  it("refuse a token signed with a key that is not in the provider's set", async () => {
    expect(await tokens().verify(await accessToken({ key: otherKey }), RESOURCE)).toBeUndefined();
  });

  it('answer 503 when the key set cannot be fetched', async () => {
    const down = (): Promise<Response> => Promise.reject(new TypeError('fetch failed'));
    await expect(tokens(down).verify(await accessToken(), RESOURCE)).rejects.toMatchObject({
      status: 503,
      code: 'temporarily_unavailable',
    });
    const broken = async (): Promise<Response> => new Response('no', { status: 500 });
    await expect(tokens(broken).verify(await accessToken(), RESOURCE)).rejects.toMatchObject({ status: 503 });
  });

  it("are recognised by their issuer, so the API's own tokens never wait on the provider", async () => {
    expect(tokens().claims(await accessToken())).toBe(true);
    expect(tokens().claims(await accessToken({ claims: { iss: 'urn:token-broker:mock-api' } }))).toBe(false);
    expect(tokens().claims('not a token')).toBe(false);
  });
});
