import { calculatePKCECodeChallenge, generateRandomCodeVerifier, generateRandomNonce, generateRandomState } from 'oauth4webapi';
import type { Clock } from '../token-broker.ts';
import type { OidcSettings } from './oidc-options.ts';
import type { PendingAuthorizations } from './pending-authorizations.ts';
import type { Provider } from './provider.ts';

/** What starting a sign-in needs. */
export interface AuthorizeDeps {
  readonly settings: OidcSettings;
  readonly provider: Provider;
  readonly pending: PendingAuthorizations;
  readonly clock: Clock;
  /** The redirect URI as an absolute URL on the worker's origin. */
  readonly redirectUri: string;
  /** Every RFC 8707 resource the session will ask tokens for: the adapter's own first, then the allowlist's. */
  readonly resources: readonly string[];
}

/**
 * Starts an authorization code flow (RFC 6749 4.1 with PKCE S256, OpenID Connect `nonce`): makes
 * a fresh verifier, state and nonce, keeps them for the callback, and returns the provider's
 * authorization URL. With DPoP the code is bound to the worker's key (`dpop_jkt`, RFC 9449 10),
 * so a code that leaks cannot be redeemed with another key.
 */
export async function authorizationUrl(deps: AuthorizeDeps, returnUrl: string): Promise<string> {
  const { settings, provider } = deps;
  const metadata = await provider.metadata();
  const codeVerifier = generateRandomCodeVerifier();
  const state = generateRandomState();
  const nonce = generateRandomNonce();
  const url = new URL(metadata.authorization_endpoint as string); // discovery made sure it is there
  const params = url.searchParams;
  params.set('client_id', settings.clientId);
  params.set('redirect_uri', deps.redirectUri);
  params.set('response_type', 'code');
  params.set('scope', settings.scope);
  params.set('code_challenge', await calculatePKCECodeChallenge(codeVerifier));
  params.set('code_challenge_method', 'S256');
  params.set('state', state);
  params.set('nonce', nonce);
  for (const resource of deps.resources) params.append('resource', resource);
  if (settings.prompt !== undefined) params.set('prompt', settings.prompt);
  const dpop = await provider.dpop();
  if (dpop) params.set('dpop_jkt', await dpop.calculateThumbprint());
  await deps.pending.add({ state, codeVerifier, nonce, returnUrl, issuer: metadata.issuer, createdAt: deps.clock.now() });
  return url.href;
}
