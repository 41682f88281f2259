import { BrokerError } from '../../errors.ts';
import type { AuthAdapter, AuthEndpoints } from './auth-adapter.ts';
import { RFC6749 } from './error-semantics.ts';
import { failureOf, readJsonObject, requireLifetime, requireString } from './read-response.ts';

/** Options of the `cookieSession` preset. */
export interface CookieSessionOptions {
  /** Default `/auth/login`, `/auth/refresh` and `/auth/logout` on the worker's origin. */
  endpoints?: Partial<AuthEndpoints>;
  /** Whether the server binds tokens with DPoP (RFC 9449), as this contract's server does. Default true. */
  dpop?: boolean;
}

/**
 * The broker's own token contract (docs/contract.md): `POST /auth/login` with
 * `{username, password, remember?}` answers `{access_token, token_type: "Bearer", expires_in, user}`
 * and sets the refresh token as an HttpOnly cookie; `POST /auth/refresh` rotates it; a dead one is
 * `400 {"error": "invalid_grant"}`; the API refuses a token with
 * `401` + `WWW-Authenticate: Bearer error="invalid_token"`.
 *
 * @example
 * createTokenBroker({ adapter: cookieSession({ endpoints: { login: 'https://id.example.com/auth/login' } }) });
 */
export function cookieSession(options: CookieSessionOptions = {}): AuthAdapter {
  const endpoints: AuthEndpoints = { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout', ...options.endpoints };
  return {
    name: 'cookieSession',
    endpoints,
    dpop: options.dpop ?? true,
    login: ({ username, password, remember }) => ({
      json: remember === undefined ? { username, password } : { username, password, remember },
    }),
    refresh: () => ({}),
    logout: () => ({}),
    async readGrant(response, step) {
      if (!response.ok) throw await failureOf(response, step, RFC6749);
      const body = await readJsonObject(response, step);
      const accessToken = requireString(body, 'access_token', step);
      const type = requireString(body, 'token_type', step);
      if (!/^(bearer|dpop)$/i.test(type))
        throw new BrokerError('bad_response', `${step}: token_type "${type}" is neither Bearer nor DPoP.`);
      return { accessToken, expiresIn: requireLifetime(body.expires_in, 'expires_in', step), user: body.user, tokenType: type };
    },
    tokenRejected: RFC6749.tokenRejected,
  };
}
