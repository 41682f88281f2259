import * as oauth from 'oauth4webapi';
import { DEMO_CLIENT } from './provider-config.ts';
import { signInHeadless, type HeadlessCredentials } from './sign-in-headless.ts';

/** A signed-in session of the test client: its DPoP key and what the token endpoint answered. */
export interface TestSession {
  dpop: oauth.DPoPHandle;
  tokens: oauth.TokenEndpointResponse;
  /** Whether the code exchange was first answered `use_dpop_nonce` (RFC 9449 8) and sent again. */
  neededNonce: boolean;
}

/** The demo's client as an OAuth client in Node: oauth4webapi against a provider, for tests. */
export interface TestClient {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  /**
   * Authorization code + PKCE (S256) + DPoP for `resources`, exchanged for a token for the first of
   * them; `extra` adds authorization request parameters (`prompt`, ...).
   */
  signIn(credentials: HeadlessCredentials, resources: readonly string[], extra?: Record<string, string>): Promise<TestSession>;
  /** A refresh (DPoP-bound, with the key of `session`) for `resource`. */
  refresh(session: TestSession, refreshToken: string, resource: string): Promise<oauth.TokenEndpointResponse>;
  /** RFC 7009 revocation of a refresh token. */
  revoke(refreshToken: string): Promise<void>;
}

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** Runs a token request; once more when the provider asks for its DPoP nonce, which the handle has kept by then. */
async function withNonce<T>(request: () => Promise<T>): Promise<{ result: T; neededNonce: boolean }> {
  try {
    return { result: await request(), neededNonce: false };
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error;
    return { result: await request(), neededNonce: true };
  }
}

/** Discovers the provider at `issuer` and returns the demo client (`clientId`, redirect URI on `appOrigin`). */
export async function testClient(issuer: string, clientId: string, appOrigin: string): Promise<TestClient> {
  const issuerUrl = new URL(issuer);
  const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, insecure));
  const client: oauth.Client = { client_id: clientId, id_token_signed_response_alg: 'ES256' };
  const auth = oauth.None();
  const redirectUri = `${appOrigin}${DEMO_CLIENT.redirectPath}`;
  return {
    as,
    client,
    async signIn(credentials, resources, extra = {}) {
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const nonce = oauth.generateRandomNonce();
      const url = new URL(as.authorization_endpoint ?? '');
      url.search = new URLSearchParams([
        ['client_id', clientId],
        ['redirect_uri', redirectUri],
        ['response_type', 'code'],
        ['scope', DEMO_CLIENT.scope],
        ['code_challenge', await oauth.calculatePKCECodeChallenge(verifier)],
        ['code_challenge_method', 'S256'],
        ['state', state],
        ['nonce', nonce],
        ...resources.map((resource): [string, string] => ['resource', resource]),
        ...Object.entries(extra),
      ]).toString();
      const params = oauth.validateAuthResponse(as, client, await signInHeadless(url, credentials), state);
      const dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
      const { result, neededNonce } = await withNonce(async () => {
        const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, {
          ...insecure,
          DPoP: dpop,
          additionalParameters: resources[0] ? { resource: resources[0] } : {},
        });
        return oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true });
      });
      return { dpop, tokens: result, neededNonce };
    },
    async refresh(session, refreshToken, resource) {
      const { result } = await withNonce(async () => {
        const response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, {
          ...insecure,
          DPoP: session.dpop,
          additionalParameters: { resource },
        });
        return oauth.processRefreshTokenResponse(as, client, response);
      });
      return result;
    },
    async revoke(refreshToken) {
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, refreshToken, insecure));
    },
  };
}
