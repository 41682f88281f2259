import type { BrokerErrorBody, BrokerErrorCode } from './protocol';

/**
 * The one error type the broker throws at runtime. Its code is a wire code (protocol.ts);
 * its message never contains a token.
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

  /** The error as a reply body for a page. */
  toBody(): BrokerErrorBody {
    return this.retryAfter === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfter: this.retryAfter };
  }
}

/** Any thrown value as a BrokerError (unexpected ones become a generic network error). */
export function toBrokerError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  return new BrokerError('network', 'The sign-in service could not be reached.', undefined, { cause: error });
}
