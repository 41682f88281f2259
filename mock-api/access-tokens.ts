import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';

/** Issues and verifies ES256 access tokens (RFC 9068 JWT profile) with the service's own key. */
export interface AccessTokens {
  /**
   * A token for `subject` in session `sid` (the refresh-token family): it dies with the family.
   * With `jkt` it is bound to that DPoP key (`cnf.jkt`, RFC 9449 6).
   */
  issue(subject: string, sid: string, jkt?: string): Promise<string>;
  /** The verified payload, or undefined for any token that is not ours and current. */
  verify(token: string): Promise<JWTPayload | undefined>;
  /** The public key set, for /.well-known/jwks.json. */
  jwks(): JSONWebKeySet;
  /** A new signing key: every token signed before is rejected from now on. */
  rotate(): Promise<void>;
  /** The current signing key, to store (a CryptoKey is structured-cloneable) and pass back as `initialKey`. */
  signingKey(): SigningKey;
}

/** A signing key with its id and public key set. */
export interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwks: JSONWebKeySet;
}

/** A fresh ES256 signing key. */
export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint({ kty, crv, x, y });
  return { kid, privateKey, jwks: { keys: [{ kty, crv, x, y, kid, alg: 'ES256', use: 'sig' }] } };
}

const CLOCK_TOLERANCE_SECONDS = 5;

/** Creates the token service. `now` is the clock, epoch ms; `initialKey` is a stored key, or a test's. */
export async function createAccessTokens(
  options: { issuer: string; audience: string; ttl: number; now: () => number },
  initialKey?: SigningKey,
): Promise<AccessTokens> {
  let key = initialKey ?? (await newSigningKey());
  return {
    async issue(subject, sid, jkt) {
      const iat = Math.floor(options.now() / 1000);
      return new SignJWT({ client_id: 'token-broker-demo', sid, ...(jkt === undefined ? {} : { cnf: { jkt } }) })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(subject)
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.ttl)
        .setJti(crypto.randomUUID())
        .sign(key.privateKey);
    },

    async verify(token) {
      try {
        // Keys come only from our own set: a jwk, jku or x5u in the header never chooses one.
        const { payload } = await jwtVerify(token, createLocalJWKSet(key.jwks), {
          algorithms: ['ES256'],
          issuer: options.issuer,
          audience: options.audience,
          typ: 'at+jwt',
          requiredClaims: ['exp', 'iat', 'sub', 'jti', 'sid'],
          maxTokenAge: options.ttl + CLOCK_TOLERANCE_SECONDS,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(options.now()),
        });
        return payload;
      } catch {
        return undefined;
      }
    },

    jwks: () => key.jwks,

    async rotate() {
      key = await newSigningKey();
    },

    signingKey: () => key,
  };
}
