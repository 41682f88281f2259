import type { Credentials } from '../../protocol.ts';
import { isPlainObject } from '../../protocol.ts';
import type { AuthAdapter, AuthEndpoints } from './auth-adapter.ts';
import { LENIENT, RFC6749 } from './error-semantics.ts';
import { failureOf, lifetimeFromJwt, readJsonObject, requireLifetime, requireString } from './read-response.ts';

/** How to read an ad-hoc JSON token API: field names, and what its statuses mean. */
export interface JsonApiOptions {
  /** The token endpoints (absolute URLs, or paths on the worker's origin). */
  endpoints: AuthEndpoints;
  /** The field of the sign-in and refresh answers that holds the access token. Default `access_token`. */
  tokenField?: string;
  /**
   * The token's lifetime: a field holding seconds, or a fixed number of seconds. Default: the
   * `expires_in` field when present, else the JWT's `exp - iat`.
   */
  expiresIn?: string | number;
  /**
   * Where the user is: a field name, or a function of the answer. Default: the `user` field when it
   * is an object, else the answer without the token, its lifetime and any field whose name
   * contains "token", "secret" or "password" (the user reaches pages and IndexedDB).
   */
  user?: string | ((body: Record<string, unknown>) => unknown);
  /** The sign-in body. Default `{ username, password }`, plus `remember` when the page gave it. */
  loginBody?: (credentials: Credentials) => unknown;
  /** Whether the logout endpoint needs the access token as Authorization (a revoke behind the API's auth). Default false. */
  logoutWithAccessToken?: boolean;
  /** The logout body. Default none. */
  logoutBody?: () => unknown;
  /**
   * How failures read: `lenient` (default) by status codes alone, `rfc6749` by RFC 6749 5.2
   * `error` codes and RFC 6750 challenges (see LENIENT and RFC6749).
   */
  errors?: 'lenient' | 'rfc6749';
}

const SECRET_FIELD = /token|secret|password/i;

function defaultUser(body: Record<string, unknown>, skip: readonly string[]): unknown {
  if (isPlainObject(body.user)) return body.user;
  return Object.fromEntries(Object.entries(body).filter(([key]) => !skip.includes(key) && !SECRET_FIELD.test(key)));
}

/**
 * A preset for JSON token APIs in their own shape, such as the widely copied "JWT with refresh
 * tokens" tutorial: name the token field, and the rest is read sensibly. By default failures are
 * read by status (LENIENT): a failed sign-in (400/401/403) is wrong credentials, a refused refresh
 * (400/401/403) ends the session, a plain 401 from the API refuses the token; `errors: 'rfc6749'`
 * reads them by the RFCs instead.
 *
 * @example
 * jsonApi({
 *   endpoints: { login: 'https://api.example.com/users/authenticate', refresh: 'https://api.example.com/users/refresh-token' },
 *   tokenField: 'jwtToken', // lifetime read from the JWT; the user is the rest of the answer
 * });
 */
export function jsonApi(options: JsonApiOptions): AuthAdapter {
  const tokenField = options.tokenField ?? 'access_token';
  const lifetimeField = typeof options.expiresIn === 'string' ? options.expiresIn : 'expires_in';
  const pickUser = options.user;
  const semantics = options.errors === 'rfc6749' ? RFC6749 : LENIENT;
  return {
    name: 'jsonApi',
    endpoints: options.endpoints,
    login: (credentials) => ({
      json:
        options.loginBody?.(credentials) ??
        (credentials.remember === undefined
          ? { username: credentials.username, password: credentials.password }
          : { username: credentials.username, password: credentials.password, remember: credentials.remember }),
    }),
    refresh: () => ({}),
    logout: () => ({
      withAccessToken: options.logoutWithAccessToken === true,
      ...(options.logoutBody ? { json: options.logoutBody() } : {}),
    }),
    async readGrant(response, step) {
      if (!response.ok) throw await failureOf(response, step, semantics);
      const body = await readJsonObject(response, step);
      const accessToken = requireString(body, tokenField, step);
      let expiresIn: number;
      if (typeof options.expiresIn === 'number') expiresIn = requireLifetime(options.expiresIn, 'expiresIn option', step);
      else if (body[lifetimeField] !== undefined || typeof options.expiresIn === 'string')
        expiresIn = requireLifetime(body[lifetimeField], lifetimeField, step);
      else expiresIn = lifetimeFromJwt(accessToken, step);
      let user: unknown;
      if (typeof pickUser === 'function') user = pickUser(body);
      else if (typeof pickUser === 'string') user = body[pickUser];
      else user = defaultUser(body, [tokenField, lifetimeField]);
      return typeof body.token_type === 'string'
        ? { accessToken, expiresIn, user, tokenType: body.token_type }
        : { accessToken, expiresIn, user };
    },
    tokenRejected: semantics.tokenRejected,
  };
}
