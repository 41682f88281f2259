// How the demo's worker signs in: with this origin's cookie contract, or, in a build for an OpenID
// Provider (VITE_OIDC_ISSUER, as `npm run start:oidc` makes), at that provider.
import { cookieSession, oidc, type AuthAdapter, type IdTokenClaims, type RedirectAuthAdapter } from 'sw-token-broker/worker';

/** The provider's claims as the demo's user (`{ id, username, firstName, lastName }`, narrowed by parseUser). */
function demoUser(claims: IdTokenClaims): unknown {
  return { id: Number(claims.sub), username: claims.preferred_username, firstName: claims.given_name, lastName: claims.family_name };
}

/** The adapter for this build; `origin` is the worker's. */
export function demoAdapter(origin: string): AuthAdapter | RedirectAuthAdapter {
  const issuer = import.meta.env.VITE_OIDC_ISSUER;
  if (!issuer) return cookieSession(); // POST /auth/login, /auth/refresh, /auth/logout on this origin
  return oidc({
    issuer,
    clientId: import.meta.env.VITE_OIDC_CLIENT_ID ?? 'demo-spa',
    resource: `${origin}/api/`, // the API's RFC 8707 resource indicator: its tokens are JWTs for it alone
    postLogoutRedirectUri: '/login',
    user: demoUser,
  });
}
