import {
  getValidatedIdTokenClaims,
  isDPoPNonceError,
  OperationProcessingError,
  RESPONSE_IS_NOT_CONFORM,
  validateApplicationLevelSignature,
  type AuthorizationServer,
  type TokenEndpointRequestOptions,
  type TokenEndpointResponse,
} from 'oauth4webapi';
import { BrokerError } from '../../errors.ts';
import { lifetimeFromJwt } from '../adapters/read-response.ts';
import type { IdTokenClaims } from './oidc-options.ts';
import type { Provider } from './provider.ts';

/** The ID token's signature does not verify against the provider's keys. */
export class IdTokenSignatureError extends Error {
  override readonly name = 'IdTokenSignatureError';
}

/** Checks the ID token's signature (the JWKS is fetched through the transport, kept for 5 minutes by oauth4webapi). */
async function checkSignature(metadata: AuthorizationServer, response: Response, provider: Provider, signal: AbortSignal): Promise<void> {
  try {
    await validateApplicationLevelSignature(metadata, response, provider.http(signal));
  } catch (error) {
    // The JWKS could not be had: the provider is unavailable, which says nothing about the token.
    if (error instanceof BrokerError || (error instanceof OperationProcessingError && error.code === RESPONSE_IS_NOT_CONFORM)) throw error;
    throw new IdTokenSignatureError(`the ID token's signature was refused (${error instanceof Error ? error.message : String(error)})`, {
      cause: error,
    });
  }
}

/** A token response oauth4webapi has checked, with its ID token's claims when it had one (signature checked too). */
export interface Exchanged {
  readonly result: TokenEndpointResponse;
  readonly claims: IdTokenClaims | undefined;
}

/**
 * One call to the token endpoint, bounded by the broker's timeout: with a DPoP proof over the
 * broker's key when tokens are bound, sent once more when the provider asks for a nonce (RFC 9449
 * 8: `use_dpop_nonce`; the handle keeps the nonce). An ID token in the answer is checked by
 * oauth4webapi in `read` (iss, aud, exp, and nonce where asked), then its signature against the
 * provider's JWKS here.
 */
export function exchange(
  provider: Provider,
  metadata: AuthorizationServer,
  send: (options: TokenEndpointRequestOptions) => Promise<Response>,
  read: (response: Response) => Promise<TokenEndpointResponse>,
): Promise<Exchanged> {
  return provider.bounded(async (signal) => {
    const DPoP = await provider.dpop();
    const options: TokenEndpointRequestOptions = { ...provider.http(signal), ...(DPoP ? { DPoP } : {}) };
    const attempt = async (): Promise<{ response: Response; result: TokenEndpointResponse }> => {
      const response = await send(options);
      return { response, result: await read(response) };
    };
    let done: { response: Response; result: TokenEndpointResponse };
    try {
      done = await attempt();
    } catch (error) {
      if (!DPoP || !isDPoPNonceError(error)) throw error;
      done = await attempt();
    }
    const claims = getValidatedIdTokenClaims(done.result);
    if (claims) await checkSignature(metadata, done.response, provider, signal);
    return { result: done.result, claims };
  });
}

/** The access token's lifetime in seconds: `expires_in`, or the JWT's `exp - iat` when the provider sent none. */
export function lifetimeOf(result: TokenEndpointResponse, step: 'login' | 'refresh'): number {
  const seconds = result.expires_in;
  if (seconds === undefined) return lifetimeFromJwt(result.access_token, step);
  if (!(seconds > 0)) throw new BrokerError('bad_response', `${step}: the provider's expires_in is not a positive number.`);
  return seconds;
}
