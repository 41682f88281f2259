import { allowInsecureRequests, discoveryRequest, processDiscoveryResponse } from 'oauth4webapi';
import type { ProviderSetting, TrustedProvider } from './config.ts';

/**
 * Reads an OpenID Provider's discovery document (OpenID Connect Discovery 1.0, with oauth4webapi's
 * checks: the issuer must match) and returns what the API needs to trust it: its key set's URL and
 * the origins of the endpoints the service worker calls (token, revocation, key set, discovery).
 * Plain http is allowed, for a provider on this machine.
 */
export async function discoverProvider({ issuer, clientId }: ProviderSetting): Promise<TrustedProvider> {
  const issuerUrl = new URL(issuer);
  const metadata = await discoveryRequest(issuerUrl, { [allowInsecureRequests]: issuerUrl.protocol === 'http:' })
    .then((response) => processDiscoveryResponse(issuerUrl, response))
    .catch((cause: Error) => {
      throw new Error(`the OpenID Provider ${issuer} cannot be discovered: ${cause.message}`, { cause });
    });
  if (!metadata.jwks_uri) throw new Error(`${issuer} publishes no jwks_uri: its access tokens cannot be verified`);
  const endpoints = [issuer, metadata.jwks_uri, metadata.token_endpoint, metadata.revocation_endpoint];
  const origins = new Set(endpoints.flatMap((endpoint) => (endpoint ? [new URL(endpoint).origin] : [])));
  return { issuer: metadata.issuer, clientId, jwksUri: metadata.jwks_uri, origins: [...origins] };
}
