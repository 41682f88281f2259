/** The OpenID Provider a server is told to trust (OIDC_ISSUER, OIDC_CLIENT_ID), before its discovery. */
export interface ProviderSetting {
  issuer: string;
  clientId: string;
}

/**
 * An OpenID Provider whose access tokens /api/* accepts besides the API's own: RFC 9068 JWTs it
 * issued to `clientId` for the resource `<the API's origin>/api/`, checked against its key set.
 */
export interface TrustedProvider {
  issuer: string;
  clientId: string;
  /** The provider's `jwks_uri` (from its discovery document). */
  jwksUri: string;
  /** The origins of the provider's endpoints the service worker calls: the worker script's `connect-src`. */
  origins: readonly string[];
}

/** Everything the mock API can be told; times are seconds unless named otherwise. */
export interface MockApiConfig {
  accessTtl: number;
  refreshTtl: number;
  reuseGrace: number;
  /** Enables the /__mock/* endpoints. */
  controls: boolean;
  issuer: string;
  audience: string;
  pbkdf2Iterations: number;
  maxBodyBytes: number;
  /** Failed sign-ins: per (username, client) before backoff starts, and per client within the window. */
  rateLimit: { windowSeconds: number; perUsernameAndClient: number; perClient: number };
  /**
   * DPoP (RFC 9449): `optional` binds tokens to the key of a valid proof and still serves Bearer
   * tokens to requests without one; `required` refuses every token request and API call without
   * a proof; `off` ignores proofs (Bearer only).
   */
  dpop: 'optional' | 'required' | 'off';
  /** Demand a rotating server nonce in every proof (RFC 9449 8 and 9). */
  dpopNonce: boolean;
  /** How old (or how far ahead) a proof's `iat` may be, seconds; also how long a `jti` is remembered. */
  dpopWindowSeconds: number;
  /** The clock, epoch ms (injectable for tests). */
  now: () => number;
  /** An OpenID Provider whose access tokens are accepted too (`npm run start:oidc`); none by default. */
  oidc?: TrustedProvider | undefined;
}

/** Defaults for everything; `overrides` wins. */
export function mockApiConfig(overrides: Partial<MockApiConfig> = {}): MockApiConfig {
  return {
    accessTtl: 300,
    refreshTtl: 604_800,
    reuseGrace: 2,
    controls: false,
    issuer: 'urn:token-broker:mock-api',
    audience: 'urn:token-broker:api',
    // OWASP Password Storage Cheat Sheet: PBKDF2-HMAC-SHA256 with 600,000 iterations.
    pbkdf2Iterations: 600_000,
    maxBodyBytes: 16 * 1024,
    rateLimit: { windowSeconds: 300, perUsernameAndClient: 5, perClient: 30 },
    dpop: 'optional',
    dpopNonce: false,
    dpopWindowSeconds: 60,
    now: () => Date.now(),
    ...overrides,
  };
}
