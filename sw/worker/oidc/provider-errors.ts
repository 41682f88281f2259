import {
  AuthorizationResponseError,
  JWT_CLAIM_COMPARISON,
  JWT_TIMESTAMP_CHECK,
  KEY_SELECTION,
  OperationProcessingError,
  PARSE_ERROR,
  ResponseBodyError,
  RESPONSE_IS_NOT_CONFORM,
  WWWAuthenticateChallengeError,
} from 'oauth4webapi';
import { BrokerError, toBrokerError } from '../../errors.ts';
import type { SignInErrorCode } from '../../protocol.ts';
import { retryAfterOf } from '../adapters/read-response.ts';
import { reasonOf } from './provider.ts';
import { IdTokenSignatureError } from './token-exchange.ts';

/** A failed sign-in at the callback, with the code the app's sign-in page gets. Its message is for the log. */
export class SignInError extends Error {
  override readonly name = 'SignInError';
  constructor(
    readonly code: SignInErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const TRANSIENT = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/**
 * What a failed token-endpoint call means for the broker: `invalid_grant` ends the session,
 * `auth_unavailable` (5xx, 408, 429) and `network`/`timeout` keep it, anything else is `bad_response`.
 */
export function tokenCallError(step: string, error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  if (error instanceof ResponseBodyError) {
    if (error.error === 'invalid_grant') return new BrokerError('invalid_grant', 'The session has ended; sign in again.');
    if (TRANSIENT(error.status))
      return new BrokerError('auth_unavailable', `${step}: the OpenID Provider answered ${error.status} (${error.error}).`);
    return new BrokerError('bad_response', `${step}: the OpenID Provider refused the request (${error.status} ${error.error}).`);
  }
  if (error instanceof OperationProcessingError && error.code === RESPONSE_IS_NOT_CONFORM && error.cause instanceof Response) {
    const status = error.cause.status;
    if (TRANSIENT(status))
      return new BrokerError('auth_unavailable', `${step}: the OpenID Provider answered ${status}.`, retryAfterOf(error.cause));
    return new BrokerError('bad_response', `${step}: the OpenID Provider answered with an unexpected status ${status}.`);
  }
  if (error instanceof WWWAuthenticateChallengeError)
    return new BrokerError('bad_response', `${step}: the OpenID Provider refused the client (${error.status}); check clientId.`);
  if (error instanceof Error) return new BrokerError('bad_response', `${step}: ${error.message}`, undefined, { cause: error });
  return toBrokerError(error);
}

const ID_TOKEN_CODES = new Set<string | undefined>([JWT_CLAIM_COMPARISON, JWT_TIMESTAMP_CHECK, KEY_SELECTION, PARSE_ERROR]);

/** Whether an oauth4webapi error is about the ID token's claims, and which check failed. */
function idTokenProblem(error: unknown): 'nonce' | 'claims' | undefined {
  if (!(error instanceof OperationProcessingError) || !ID_TOKEN_CODES.has(error.code)) return undefined;
  const claim = (error.cause as { claim?: unknown } | undefined)?.claim;
  return claim === 'nonce' ? 'nonce' : 'claims';
}

const BROKER_TO_SIGN_IN: Partial<Record<BrokerError['code'], SignInErrorCode>> = {
  invalid_grant: 'invalid_grant',
  auth_unavailable: 'auth_unavailable',
  network: 'auth_unavailable',
  timeout: 'auth_unavailable',
};

/** The SignInError for what went wrong while the code was exchanged and the ID token read. */
export function exchangeError(error: unknown): SignInError {
  if (error instanceof SignInError) return error;
  const problem = idTokenProblem(error);
  if (problem === 'nonce') return new SignInError('nonce_mismatch', "the ID token's nonce is not this sign-in's", { cause: error });
  if (error instanceof IdTokenSignatureError) return new SignInError('invalid_id_token', error.message, { cause: error });
  if (problem === 'claims') return new SignInError('invalid_id_token', `the ID token was refused: ${reasonOf(error)}`, { cause: error });
  const broker = tokenCallError('sign-in', error);
  const code = BROKER_TO_SIGN_IN[broker.code] ?? 'bad_response';
  return new SignInError(code, broker.message, { cause: error });
}

/** The SignInError for an authorization response oauth4webapi refused (its `iss`, or the provider's `error`). */
export function authorizationResponseError(error: unknown): SignInError {
  if (error instanceof AuthorizationResponseError) {
    const code =
      error.error === 'access_denied'
        ? 'access_denied'
        : /^(server_error|temporarily_unavailable)$/.test(error.error)
          ? 'auth_unavailable'
          : 'provider_error';
    const said = error.error.slice(0, 64); // the callback's query is anyone's to write
    return new SignInError(code, `the provider answered the authorization request with "${said}"`, { cause: error });
  }
  const issuer = error instanceof OperationProcessingError && /"iss"/.test(error.message);
  return new SignInError(issuer ? 'issuer_mismatch' : 'bad_response', `the authorization response was refused: ${reasonOf(error)}`, {
    cause: error,
  });
}

/** The SignInError any failure at the callback comes to. */
export function signInErrorOf(error: unknown): SignInError {
  return error instanceof SignInError ? error : exchangeError(error);
}
