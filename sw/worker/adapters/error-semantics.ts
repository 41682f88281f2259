import { bearerErrorOf, type FailureRules } from './read-response.ts';

/** How a token server says "no": by the RFCs, or by status codes alone. */
export interface ErrorSemantics extends FailureRules {
  /** Whether an API answer says the access token was refused. */
  readonly tokenRejected: (response: Response) => boolean;
}

/**
 * RFC 6749 5.2 and RFC 6750 3.1, strictly: a sign-in is refused with 401; only `invalid_grant`
 * ends a session; only a `401` with `WWW-Authenticate: Bearer error="invalid_token"` refuses a token.
 */
export const RFC6749: ErrorSemantics = Object.freeze({
  invalidCredentials: (status: number) => status === 401,
  sessionEnded: (status: number, error: string | undefined) => (status === 400 || status === 401) && error === 'invalid_grant',
  tokenRejected: (response: Response) => response.status === 401 && bearerErrorOf(response) === 'invalid_token',
});

/**
 * For servers that speak no RFC: any 400/401/403 to a sign-in is a wrong password, to a refresh a
 * dead refresh token; any 401 from the API refuses the token, unless its challenge names another
 * error than `invalid_token`. 408, 429 and 5xx keep the session either way.
 */
export const LENIENT: ErrorSemantics = Object.freeze({
  invalidCredentials: (status: number) => status === 400 || status === 401 || status === 403,
  sessionEnded: (status: number) => status === 400 || status === 401 || status === 403,
  tokenRejected: (response: Response) => {
    if (response.status !== 401) return false;
    const error = bearerErrorOf(response);
    return error === undefined || error === '' || error === 'invalid_token';
  },
});
