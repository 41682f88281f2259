import { join } from 'node:path';
import { mockApiConfig, type MockApiConfig, type ProviderSetting } from './config.ts';

/** The repository's dist/ folder: the built app `npm run serve` serves unless DIST_DIR says otherwise. */
export const DIST = join(import.meta.dirname, '..', 'dist');

/** A whole-number variable of `env` between `min` and `max`, or `fallback` when unset; throws naming it. */
export function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new Error(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** The client id the demo registers at an OpenID Provider unless OIDC_CLIENT_ID says otherwise. */
export const DEFAULT_CLIENT_ID = 'demo-spa';

/** OIDC_ISSUER (an http or https URL) and OIDC_CLIENT_ID; undefined without an issuer. */
export function providerFromEnv(env: NodeJS.ProcessEnv): ProviderSetting | undefined {
  const issuer = env.OIDC_ISSUER ?? '';
  if (issuer === '') return undefined;
  const url = URL.parse(issuer);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new Error(`OIDC_ISSUER must be an http or https URL without query or fragment, got "${issuer}"`);
  }
  return { issuer, clientId: env.OIDC_CLIENT_ID || DEFAULT_CLIENT_ID };
}

/** The server's settings from its environment (docs/contract.md); throws naming a bad variable. */
export function configFromEnv(env: NodeJS.ProcessEnv): MockApiConfig & { port: number; provider: ProviderSetting | undefined } {
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
    provider: providerFromEnv(env),
  };
}
