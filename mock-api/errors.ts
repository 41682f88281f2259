import type { ClientErrorStatusCode, ServerErrorStatusCode } from 'hono/utils/http-status';

/** The error codes the mock API answers with. */
export type ApiErrorCode =
  | 'invalid_request'
  | 'invalid_credentials'
  | 'invalid_grant'
  | 'invalid_token'
  | 'invalid_ticket'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'rate_limited'
  | 'too_many_streams'
  | 'cross_site_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'upgrade_required'
  | 'request_header_fields_too_large'
  | 'request_timeout'
  | 'not_supported'
  | 'temporarily_unavailable'
  | 'server_error';

/** A failure that becomes a JSON error response `{ error, message }`; thrown anywhere inside a handler. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: ClientErrorStatusCode | ServerErrorStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The answer to anything unexpected: a 500 that never shows the exception's text. */
export const SERVER_ERROR = new HttpError(500, 'server_error', 'Something went wrong.');
