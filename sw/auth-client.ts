import type { BrokerConfig } from './config';
import { BrokerError } from './errors';
import { isUser, type User } from './protocol';
import { withTimeout } from './timeout';

/** Sends a request and returns the response: `fetch`, or a fake in tests. */
export type Transport = (request: Request) => Promise<Response>;

/** A token response, parsed once at the edge (RFC 6749 5.1). */
export interface TokenGrant {
  accessToken: string;
  /** Lifetime in seconds as the server gave it; the worker never reads `exp` from the token. */
  expiresIn: number;
  user: User;
}

/** Talks to the token endpoints; only the worker ever calls these. */
export interface AuthClient {
  /** `remember: false` asks for a refresh cookie that ends with the browser session. */
  login(username: string, password: string, remember: boolean): Promise<TokenGrant>;
  refresh(): Promise<TokenGrant>;
  logout(): Promise<void>;
}

const JSON_HEADERS = { Accept: 'application/json' };

function parseGrant(body: unknown): TokenGrant | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { access_token: token, token_type: type, expires_in: expiresIn, user } = body as Record<string, unknown>;
  if (typeof token !== 'string' || token.length === 0) return undefined;
  if (typeof type !== 'string' || type.toLowerCase() !== 'bearer') return undefined;
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) return undefined;
  if (!isUser(user)) return undefined;
  return { accessToken: token, expiresIn, user: { id: user.id, username: user.username, firstName: user.firstName, lastName: user.lastName } };
}

async function readErrorCode(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.json();
    if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string') {
      return (body as { error: string }).error;
    }
  } catch {
    // Not JSON: the status alone decides.
  }
  return undefined;
}

function retryAfterSeconds(response: Response): number | undefined {
  const value = Number(response.headers.get('Retry-After'));
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

const unavailable = (detail: string): BrokerError => new BrokerError('auth_unavailable', `The sign-in service is unavailable (${detail}).`);

/** Creates the client for the configured token endpoints over an injected transport. */
export function createAuthClient(transport: Transport, config: Pick<BrokerConfig, 'endpoints' | 'authTimeoutMs'>): AuthClient {
  async function call(url: string, body?: unknown): Promise<Response> {
    return withTimeout(config.authTimeoutMs, async (signal) => {
      const init: RequestInit = { method: 'POST', credentials: 'include', cache: 'no-store', redirect: 'error', signal, headers: JSON_HEADERS };
      if (body !== undefined) init.headers = { ...JSON_HEADERS, 'Content-Type': 'application/json' };
      if (body !== undefined) init.body = JSON.stringify(body);
      try {
        return await transport(new Request(url, init));
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw new BrokerError('network', 'The sign-in service could not be reached.', undefined, { cause: error });
      }
    });
  }

  async function grantFrom(response: Response): Promise<TokenGrant> {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw unavailable('malformed response');
    }
    const grant = parseGrant(body);
    if (!grant) throw unavailable('unexpected response');
    return grant;
  }

  return {
    async login(username, password, remember) {
      const response = await call(config.endpoints.login, { username, password, remember });
      if (response.ok) return grantFrom(response);
      const code = await readErrorCode(response);
      if (response.status === 401) throw new BrokerError('invalid_credentials', 'Username or password is incorrect.');
      if (response.status === 429) {
        throw new BrokerError('rate_limited', 'Too many sign-in attempts; try again later.', retryAfterSeconds(response));
      }
      if (response.status === 400) throw new BrokerError('bad_request', `The sign-in request was refused (${code ?? 'invalid_request'}).`);
      throw unavailable(`status ${response.status}`);
    },

    async refresh() {
      const response = await call(config.endpoints.refresh);
      if (response.ok) return grantFrom(response);
      const code = await readErrorCode(response);
      // RFC 6749 5.2: only invalid_grant says the refresh token itself is dead.
      if ((response.status === 400 || response.status === 401) && code === 'invalid_grant') {
        throw new BrokerError('invalid_grant', 'The session has ended; sign in again.');
      }
      throw unavailable(`status ${response.status}`);
    },

    async logout() {
      const response = await call(config.endpoints.logout);
      if (!response.ok) throw unavailable(`status ${response.status}`);
    },
  };
}
