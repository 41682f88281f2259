/** Every error code a reply, a thrown BrokerError or a synthesized response can carry. */
export type BrokerErrorCode =
  /** The page sent something the protocol does not accept. */
  | 'bad_request'
  /** The token server refused the username or password. */
  | 'invalid_credentials'
  /** The token server refused the refresh: the session is over. */
  | 'invalid_grant'
  /** The token server asked to slow down (`retryAfter` says how long). */
  | 'rate_limited'
  /** The token server answered, but not usably (5xx, or an unexpected status): the session is kept. */
  | 'auth_unavailable'
  /** The token server answered in a shape the adapter cannot read: a configuration mistake. */
  | 'bad_response'
  /** Nothing came back: offline, DNS, CORS or a Content-Security-Policy blocked the call. */
  | 'network'
  /** The token server or the service worker did not answer in time. */
  | 'timeout'
  /** No service worker controls this page, so nobody can broker a token. */
  | 'not_controlled'
  /** A bug: something threw that nobody expected. The worker logs it. */
  | 'internal';

/** Every code, for validating what crosses a boundary. */
export const BROKER_ERROR_CODES: readonly BrokerErrorCode[] = /* @__PURE__ */ Object.freeze([
  'bad_request',
  'invalid_credentials',
  'invalid_grant',
  'rate_limited',
  'auth_unavailable',
  'bad_response',
  'network',
  'timeout',
  'not_controlled',
  'internal',
]);

/** The error part of a failed reply. `retryAfter` is in seconds, where the server gave one. */
export interface BrokerErrorBody {
  code: BrokerErrorCode;
  message: string;
  retryAfter?: number;
}

/**
 * The one error type of the library, on both sides of the postMessage boundary. Its code is
 * a wire code; its message says what went wrong and never contains a token or a password.
 *
 * @example
 * try {
 *   await client.login({ username, password });
 * } catch (error) {
 *   if (error instanceof BrokerError && error.code === 'invalid_credentials') showWrongPassword();
 * }
 */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';

  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    readonly retryAfter?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The error as it crosses postMessage (no stack, no cause). */
  toBody(): BrokerErrorBody {
    return this.retryAfter === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfter: this.retryAfter };
  }

  /** The error a reply body describes. */
  static fromBody(body: BrokerErrorBody): BrokerError {
    return new BrokerError(body.code, body.message, body.retryAfter);
  }
}

/** Any thrown value as a BrokerError: an unexpected one is a bug, so it becomes `internal`. */
export function toBrokerError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  return new BrokerError('internal', 'The service worker failed unexpectedly; its console says why.', undefined, { cause: error });
}
