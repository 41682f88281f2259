import { join } from 'node:path';

/** The repository's dist/ folder: the built app `npm run serve` serves unless DIST_DIR says otherwise. */
export const DIST = join(import.meta.dirname, '..', 'dist');

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

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new Error(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** The server's settings from its environment (docs/contract.md); throws naming a bad variable. */
export function configFromEnv(env: NodeJS.ProcessEnv): MockApiConfig & { port: number } {
  const controls = env.MOCK_CONTROLS ?? '';
  if (controls !== '' && controls !== '0' && controls !== '1') throw new Error(`MOCK_CONTROLS must be 1 or unset, got "${controls}"`);
  const dpop = env.DPOP ?? 'optional';
  if (dpop !== 'optional' && dpop !== 'required' && dpop !== 'off')
    throw new Error(`DPOP must be optional, required or off, got "${dpop}"`);
  const dpopNonce = env.DPOP_NONCE ?? '';
  if (dpopNonce !== '' && dpopNonce !== '0' && dpopNonce !== '1') throw new Error(`DPOP_NONCE must be 1 or unset, got "${dpopNonce}"`);
  return {
    ...mockApiConfig({
      accessTtl: integer(env, 'ACCESS_TTL', 300, 1),
      refreshTtl: integer(env, 'REFRESH_TTL', 604_800, 1),
      reuseGrace: integer(env, 'REUSE_GRACE', 2, 0),
      controls: controls === '1',
      dpop,
      dpopNonce: dpopNonce === '1',
    }),
    port: integer(env, 'PORT', 4173, 0, 65_535),
  };
}
