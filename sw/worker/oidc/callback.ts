import { authorizationCodeGrantRequest, None, processAuthorizationCodeResponse, validateAuthResponse } from 'oauth4webapi';
import type { RedirectSignIn } from '../adapters/redirect-adapter.ts';
import type { AuthorizeDeps } from './authorize.ts';
import type { IdTokenClaims } from './oidc-options.ts';
import { authorizationResponseError, exchangeError, SignInError } from './provider-errors.ts';
import { lifetimeOf, exchange } from './token-exchange.ts';
import type { HeldRefreshToken } from './refresh-token-store.ts';
import { safeReturnPath } from './return-url.ts';

/** What completing a sign-in needs besides what starting one did. */
export interface CallbackDeps extends AuthorizeDeps {
  readonly origin: string;
  /** Whether the provider's answer binds the refresh token (DPoP on, `token_type` DPoP). */
  readonly bound: (tokenType: string) => boolean;
  /** The user for pages and IndexedDB, from the ID token's claims. */
  readonly userOf: (claims: IdTokenClaims) => unknown;
  /** Adopts the session's tokens once the broker accepts the sign-in. */
  readonly adopt: (refreshToken: HeldRefreshToken | undefined, idToken: string) => Promise<void>;
}

/**
 * Completes a sign-in from the URL the provider sent the browser back to: takes the pending
 * authorization its `state` names (once; unknown, used or expired is `state_mismatch`), lets
 * oauth4webapi check the response (`state`, `iss` per RFC 9207, the provider's `error`),
 * exchanges the code with the PKCE verifier, and checks the ID token (signature, iss, aud, exp,
 * nonce). Nothing is sent to the token endpoint before `state` matched. Failures are SignInErrors.
 */
export async function completeSignIn(deps: CallbackDeps, url: URL): Promise<RedirectSignIn> {
  const state = url.searchParams.get('state');
  if (state === null || state === '') throw new SignInError('state_mismatch', 'the callback carries no state');
  const metadata = await deps.provider.metadata();
  const pending = await deps.pending.take(state);
  if (!pending || pending.issuer !== metadata.issuer)
    throw new SignInError('state_mismatch', 'the callback names a sign-in that is unknown, used already or expired');

  let params: URLSearchParams;
  try {
    params = validateAuthResponse(metadata, deps.provider.client, url.searchParams, pending.state);
  } catch (error) {
    throw authorizationResponseError(error);
  }
  const resource = deps.settings.resource === undefined ? {} : { additionalParameters: { resource: deps.settings.resource } };
  const { result, claims } = await exchange(
    deps.provider,
    metadata,
    (options) =>
      authorizationCodeGrantRequest(metadata, deps.provider.client, None(), params, deps.redirectUri, pending.codeVerifier, {
        ...options,
        ...resource,
      }),
    (response) =>
      processAuthorizationCodeResponse(metadata, deps.provider.client, response, { expectedNonce: pending.nonce, requireIdToken: true }),
  ).catch((error: unknown) => {
    throw exchangeError(error);
  });
  if (!claims || result.id_token === undefined) throw new SignInError('invalid_id_token', 'the provider sent no ID token');
  const refreshToken = result.refresh_token;
  const held = refreshToken === undefined ? undefined : { token: refreshToken, sub: claims.sub, bound: deps.bound(result.token_type) };
  const idToken = result.id_token;
  let expiresIn: number;
  try {
    expiresIn = lifetimeOf(result, 'login');
  } catch (error) {
    throw exchangeError(error);
  }
  return {
    grant: { accessToken: result.access_token, expiresIn, tokenType: result.token_type, user: deps.userOf(claims) },
    returnUrl: safeReturnPath(pending.returnUrl, deps.origin, [new URL(deps.redirectUri).pathname]),
    commit: () => deps.adopt(held, idToken),
  };
}
