import type { Credentials } from '../../protocol.ts';

/** The token endpoints an adapter talks to: absolute URLs, or paths on the worker's origin. */
export interface AuthEndpoints {
  readonly login: string;
  readonly refresh: string;
  /** Where sign-out revokes the refresh token; without one, sign-out is local only. */
  readonly logout?: string;
}

/** A call to a token endpoint as an adapter describes it; the broker sends it. */
export interface AuthRequest {
  /** Default `POST`. */
  readonly method?: 'POST' | 'GET';
  /** A JSON body, serialised by the broker (which also sets Content-Type). */
  readonly json?: unknown;
  /** A form body (`application/x-www-form-urlencoded`). */
  readonly form?: URLSearchParams;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Send the held access token too, as an API call would (a revoke endpoint behind the API's auth). */
  readonly withAccessToken?: boolean;
}

/** A token server's answer to a sign-in or a refresh, read by an adapter. */
export interface Grant {
  readonly accessToken: string;
  /** Lifetime in seconds, from the server's clock (the broker never compares `exp` with its own). */
  readonly expiresIn: number;
  /** The user as the server described it; the broker's `parseUser` narrows it. */
  readonly user: unknown;
  /** `token_type` as the server gave it: `Bearer` (the default) or `DPoP` (RFC 9449 5). */
  readonly tokenType?: string;
}

/**
 * The one seam that knows a token server: it builds the sign-in, refresh and sign-out calls
 * and reads their answers. Readers throw a BrokerError whose code says what happened:
 * `invalid_credentials`, `rate_limited`, `invalid_grant` (the session is over),
 * `auth_unavailable` (try later; the session is kept) or `bad_response` (misconfigured).
 *
 * @example
 * const adapter = jsonApi({ endpoints: { login: '/users/authenticate', refresh: '/users/refresh-token' }, tokenField: 'jwtToken' });
 */
export interface AuthAdapter {
  /** A name for log lines, e.g. `cookieSession`. */
  readonly name: string;
  /** Whether the server binds tokens to a DPoP key (RFC 9449); the default of the broker's `dpop` option. */
  readonly dpop?: boolean;
  readonly endpoints: AuthEndpoints;
  /** The sign-in call for what the page sent. */
  login(credentials: Credentials): AuthRequest;
  /** The refresh call (the refresh token travels as an HttpOnly cookie). */
  refresh(): AuthRequest;
  /** The sign-out call (only made when `endpoints.logout` is set). */
  logout(): AuthRequest;
  /** Reads the answer to a sign-in or a refresh: a grant, or a thrown BrokerError. */
  readGrant(response: Response, step: 'login' | 'refresh'): Promise<Grant>;
  /** Whether an API answer says the access token was refused (the broker refreshes once and retries). */
  tokenRejected(response: Response): boolean;
}
