import { None, processRefreshTokenResponse, processRevocationResponse, refreshTokenGrantRequest, revocationRequest } from 'oauth4webapi';
import { BrokerError } from '../../errors.ts';
import { RefreshTokenLostError, type RefreshedGrant } from '../adapters/redirect-adapter.ts';
import { bareUrl, type Log } from '../log.ts';
import type { IdTokenClaims, OidcSettings } from './oidc-options.ts';
import type { Provider } from './provider.ts';
import { tokenCallError } from './provider-errors.ts';
import type { HeldRefreshToken, RefreshTokenStore } from './refresh-token-store.ts';
import { exchange, lifetimeOf } from './token-exchange.ts';

/** What the session's token calls need. */
export interface SessionTokenDeps {
  readonly settings: OidcSettings;
  readonly provider: Provider;
  readonly refreshTokens: RefreshTokenStore;
  readonly log: Log;
  readonly bound: (tokenType: string) => boolean;
  readonly userOf: (claims: IdTokenClaims) => unknown;
}

/**
 * The signed-in session's calls to the provider: refresh (with rotation) and sign-out
 * (revocation, RP-initiated logout). The ID token, needed only as `id_token_hint`, stays in
 * this worker's memory.
 */
export class SessionTokens {
  readonly #deps: SessionTokenDeps;
  #idToken: string | undefined;
  /** Whether the sign-in came without a refresh token (offline_access not granted). */
  #noRefreshToken = false;
  /** Refreshes one after another, whatever their resource: each rotates the one refresh token. */
  #refreshing: Promise<unknown> = Promise.resolve();

  constructor(deps: SessionTokenDeps) {
    this.#deps = deps;
  }

  /** Takes the tokens of a sign-in the broker accepted. */
  async adopt(refreshToken: HeldRefreshToken | undefined, idToken: string): Promise<void> {
    this.#idToken = idToken;
    this.#noRefreshToken = refreshToken === undefined;
    await this.#deps.refreshTokens.reset(refreshToken);
  }

  /**
   * Exchanges the refresh token for a new access token for `resource` (default: the session's own),
   * one refresh at a time: the broker runs each resource's single-flight and under its Web Lock,
   * and refreshes of two resources must not present one refresh token twice either. A rotated
   * refresh token is kept before the grant is returned.
   */
  refresh(resource?: string): Promise<RefreshedGrant> {
    const run = this.#refreshing.then(
      () => this.#refresh(resource),
      () => this.#refresh(resource),
    );
    this.#refreshing = run.catch(() => undefined);
    return run;
  }

  async #refresh(forResource: string | undefined): Promise<RefreshedGrant> {
    const { provider, refreshTokens, settings } = this.#deps;
    const held = await refreshTokens.current();
    if (!held) {
      throw this.#noRefreshToken
        ? new RefreshTokenLostError('The provider issued no refresh token (was offline_access granted?); sign in again.')
        : new RefreshTokenLostError(
            'The refresh token was kept in worker memory only (the provider does not bind it to the key) and went with the stopped worker; sign in again.',
          );
    }
    const generation = refreshTokens.generation;
    const metadata = await provider.metadata();
    const target = forResource ?? settings.resource;
    const resource = target === undefined ? {} : { additionalParameters: { resource: target } };
    const { result, claims } = await exchange(
      provider,
      metadata,
      (options) => refreshTokenGrantRequest(metadata, provider.client, None(), held.token, { ...options, ...resource }),
      (response) => processRefreshTokenResponse(metadata, provider.client, response),
    ).catch((error: unknown) => {
      throw tokenCallError('refresh', error);
    });
    if (claims && claims.sub !== held.sub)
      throw new BrokerError('bad_response', "refresh: the new ID token names another user than the session's (OpenID Connect Core 12.2).");
    // No refresh_token in the answer: the provider does not rotate, and the one held stays good.
    const next = { token: result.refresh_token ?? held.token, sub: held.sub, bound: this.#deps.bound(result.token_type) };
    if (!(await refreshTokens.keep(next, generation))) throw new BrokerError('invalid_grant', 'The session has ended; sign in again.');
    if (result.id_token !== undefined) this.#idToken = result.id_token;
    const grant = { accessToken: result.access_token, expiresIn: lifetimeOf(result, 'refresh'), tokenType: result.token_type };
    return claims ? { ...grant, user: this.#deps.userOf(claims) } : grant;
  }

  /** Revokes the refresh token (RFC 7009) where the provider can; returns the RP-initiated logout URL where it has one. */
  async signOut(): Promise<{ endSessionUrl?: string }> {
    const { provider, settings, log } = this.#deps;
    const held = await this.#deps.refreshTokens.current();
    const idToken = this.#idToken;
    let metadata;
    try {
      metadata = await provider.metadata();
    } catch (error) {
      log(`logout: signed out here only (${error instanceof Error ? error.message : String(error)})`);
      return {};
    }
    const revocation = metadata.revocation_endpoint;
    if (held && revocation) {
      try {
        await provider.bounded(async (signal) => {
          const options = { ...provider.http(signal), additionalParameters: { token_type_hint: 'refresh_token' } };
          await processRevocationResponse(await revocationRequest(metadata, provider.client, None(), held.token, options));
        });
      } catch (error) {
        const reason = tokenCallError('logout', error).message;
        log(`logout: the refresh token could not be revoked at ${bareUrl(revocation)} (${reason}); it ends when it expires`);
      }
    }
    if (!metadata.end_session_endpoint) return {};
    const url = new URL(metadata.end_session_endpoint);
    url.searchParams.set('client_id', settings.clientId);
    if (idToken !== undefined) url.searchParams.set('id_token_hint', idToken);
    if (settings.postLogoutRedirectUri !== undefined) url.searchParams.set('post_logout_redirect_uri', settings.postLogoutRedirectUri);
    return { endSessionUrl: url.href };
  }

  /** Forgets the session's tokens. */
  async forget(): Promise<void> {
    this.#idToken = undefined;
    this.#noRefreshToken = false;
    await this.#deps.refreshTokens.reset();
  }
}
