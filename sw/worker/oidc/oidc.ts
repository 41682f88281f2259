import type { RedirectAuthAdapter, RedirectContext } from '../adapters/redirect-adapter.ts';
import { connectOidc } from './oidc-client.ts';
import { resolveOidcOptions, type OidcOptions } from './oidc-options.ts';

/**
 * OpenID Connect, run by the worker with oauth4webapi: discovery, authorization code with PKCE
 * (S256), `state` and `nonce`. The page asks for the authorization URL (`authorize`, the page
 * client's `loginWithRedirect`) and navigates there; the worker catches the navigation back to
 * the redirect URI, checks `state` and `iss` (RFC 9207), exchanges the code with DPoP proofs
 * over its own key, checks the ID token (signature, iss, aud, exp, nonce) and redirects to the
 * return URL: the code, the verifier and every token stay in the worker. A refresh token bound
 * to the key (DPoP, public client) is kept in IndexedDB so sessions outlive worker stops; an
 * unbound one lives in worker memory only. Sign-out revokes it (RFC 7009) and hands the page the
 * provider's end-session URL. Options are checked at once: a TypeError names the mistake.
 *
 * @example
 * createTokenBroker({
 *   adapter: oidc({ issuer: 'https://id.example.com', clientId: 'my-spa', resource: 'https://app.example.com/api/' }),
 *   allowlist: ['/api/'],
 *   brokerOnly: ['/auth/'], // the redirect URI (default /auth/callback) is caught before this 403
 * }).install(self);
 */
export function oidc(options: OidcOptions): RedirectAuthAdapter {
  const settings = resolveOidcOptions(options);
  const issuer = settings.issuer.href;
  return Object.freeze({
    kind: 'redirect',
    name: 'oidc',
    dpop: settings.dpop,
    server: issuer,
    probeUrl: `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    redirectUri: settings.redirectUri,
    ...(settings.resource === undefined ? {} : { resource: settings.resource }),
    connect: (context: RedirectContext) => connectOidc(settings, context),
  });
}
