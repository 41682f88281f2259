import { createRemoteJWKSet, customFetch, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import type { TrustedProvider } from './config.ts';
import { HttpError } from './errors.ts';

/** Verifies the access tokens of a trusted OpenID Provider (RFC 9068 JWT profile). */
export interface ProviderTokens {
  /** Whether a token says it is the provider's (unverified `iss`): only those go to {@link verify}. */
  claims(token: string): boolean;
  /**
   * The verified payload of a token the provider issued to our client for `resource`, or undefined
   * for any other token; 503 when the provider's key set cannot be fetched.
   */
  verify(token: string, resource: string): Promise<JWTPayload | undefined>;
}

// Asymmetric algorithms only: the key set is public, so a MAC with one of its keys proves nothing.
const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'Ed25519', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 5;

/** Whether a verification failed because the key set could not be had, rather than because of the token. */
function unavailable(error: unknown): boolean {
  // A network failure is a TypeError from fetch; a non-200 or non-JSON answer a plain JOSEError.
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof TypeError ||
    (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
  );
}

/**
 * The provider's access-token checks, with keys fetched (and cached, and refetched for a new `kid`)
 * by jose; `fetchKeys` replaces `fetch` for the key set (tests).
 */
export function createProviderTokens(provider: TrustedProvider, now: () => number, fetchKeys?: typeof fetch): ProviderTokens {
  const keys = createRemoteJWKSet(new URL(provider.jwksUri), fetchKeys ? { [customFetch]: fetchKeys } : {});
  return {
    claims(token) {
      try {
        return decodeJwt(token).iss === provider.issuer;
      } catch {
        return false;
      }
    },

    async verify(token, resource) {
      try {
        // RFC 9068 2.2 and 4: typ at+jwt, iss, aud containing this resource, exp, iat, sub, client_id, jti.
        const { payload } = await jwtVerify(token, keys, {
          algorithms: ALGORITHMS,
          typ: 'at+jwt',
          issuer: provider.issuer,
          audience: resource,
          requiredClaims: ['exp', 'iat', 'sub', 'jti', 'client_id'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(now()),
        });
        return payload.client_id === provider.clientId ? payload : undefined;
      } catch (error) {
        if (unavailable(error)) {
          throw new HttpError(503, 'temporarily_unavailable', "The OpenID Provider's keys cannot be fetched; try again later.", {
            'Retry-After': '5',
          });
        }
        return undefined;
      }
    },
  };
}
