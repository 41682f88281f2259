import { randomBytes } from 'node:crypto';
import { errors, type ClientMetadata, type Configuration, type JWK, type ResourceServer } from 'oidc-provider';
import type { Users } from '../mock-api/users.ts';
import { ACCOUNT_CLAIMS, findDemoAccount } from './accounts.ts';

/** The demo's client, the scopes it asks for and the paths of its pages on the app's origin (docs/contract.md). */
export const DEMO_CLIENT = {
  scope: 'openid profile offline_access',
  redirectPath: '/auth/callback',
  postLogoutPaths: ['/login', '/'],
} as const;

/** The provider's key-set path (oidc-provider's `routes.jwks`), pinned so the API can be told it before the provider runs. */
export const JWKS_PATH = '/jwks';

/** How long an ID token is good for, and how long a sign-in on the provider's pages may take; seconds. */
const ID_TOKEN_TTL = 3600;
const INTERACTION_TTL = 600;

/** Both tokens' algorithm: the ID token's and the JWT access tokens'. */
const SIGNING_ALG = 'ES256';

/** What the provider is configured with; times are seconds. */
export interface ProviderSettings {
  /** The app's origin: where the client's redirect URIs and the default resources are. */
  appOrigin: string;
  clientId: string;
  /** The resource indicators (RFC 8707) it issues JWT access tokens for, each with itself as `aud`. */
  resources: readonly string[];
  accessTtl: number;
  refreshTtl: number;
  users: Users;
  /** The private signing key (a JWK with `d`). */
  signingKey: JWK;
}

function demoClient({ appOrigin, clientId }: ProviderSettings): ClientMetadata {
  return {
    client_id: clientId,
    client_name: 'Token Broker Demo',
    application_type: 'web',
    // A public client: it proves nothing at the token endpoint but its PKCE verifier and DPoP key.
    token_endpoint_auth_method: 'none',
    redirect_uris: [`${appOrigin}${DEMO_CLIENT.redirectPath}`],
    post_logout_redirect_uris: DEMO_CLIENT.postLogoutPaths.map((path) => `${appOrigin}${path}`),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: DEMO_CLIENT.scope,
    dpop_bound_access_tokens: true,
    id_token_signed_response_alg: SIGNING_ALG,
  };
}

/** An RFC 9068 JWT access token for each known resource, whose audience is the resource itself. */
function resourceServer({ resources, accessTtl }: ProviderSettings, resource: string): ResourceServer {
  // oidc-provider answers a token request for any other resource with invalid_target.
  if (!resources.includes(resource)) throw new errors.InvalidTarget();
  // The APIs define no scopes of their own: the token carries none, and the consent lists none.
  return { scope: '', audience: resource, accessTokenTTL: accessTtl, accessTokenFormat: 'jwt', jwt: { sign: { alg: SIGNING_ALG } } };
}

/**
 * The oidc-provider 9 configuration of the demo's provider: one public client (PKCE S256, DPoP
 * with server nonces, refresh tokens that rotate), the demo users, JWT access tokens per
 * resource, revocation, RP-initiated logout and the development interaction pages.
 */
export function providerConfiguration(settings: ProviderSettings): Configuration {
  const { appOrigin, clientId, accessTtl, refreshTtl, users, signingKey } = settings;
  return {
    clients: [demoClient(settings)],
    jwks: { keys: [signingKey] },
    findAccount: findDemoAccount(users),
    claims: ACCOUNT_CLAIMS,
    // The profile claims go into the ID token too, so the worker needs no userinfo call for a name.
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: { jwks: JWKS_PATH },
    // The code flow and public clients only: nothing else is advertised.
    responseTypes: ['code'],
    clientAuthMethods: ['none'],
    // Only the demo's pages may call the token, revocation and userinfo endpoints from a browser.
    clientBasedCORS: (_ctx, origin, client) => origin === appOrigin && client.clientId === clientId,
    // oidc-provider supports S256 only; require PKCE of every client, not only of public ones.
    pkce: { required: () => true },
    // oidc-provider keeps offline_access only in a request with prompt=consent (OIDC Core 11) and by
    // default issues refresh tokens only for it. The demo's client gets one either way: with
    // offline_access it outlives the provider's session, without it ends with it (expiresWithSession).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Every use rotates; a used one presented again revokes the grant (RFC 9700 4.14.2). Without
    // `true` oidc-provider does not rotate sender-constrained (DPoP-bound) refresh tokens.
    rotateRefreshToken: true,
    // The grant and the session live as long as the first refresh token: rotation does not extend them.
    ttl: {
      AccessToken: accessTtl,
      RefreshToken: refreshTtl,
      Grant: refreshTtl,
      Session: refreshTtl,
      IdToken: ID_TOKEN_TTL,
      Interaction: INTERACTION_TTL,
    },
    features: {
      devInteractions: { enabled: true },
      // RFC 9449: every token request needs a proof with the provider's current nonce (section 8).
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: async (_ctx, resource) => resourceServer(settings, resource),
      },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      userinfo: { enabled: true },
    },
  };
}
