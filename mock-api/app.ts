import { createAccessTokens, type AccessTokens } from './access-tokens.ts';
import { clearedRefreshCookie, readRefreshCookie, refreshCookie } from './cookies.ts';
import type { MockApiConfig } from './config.ts';
import { errorResponse, HttpError, json, readJsonObject } from './http.ts';
import { Faults } from './faults.ts';
import { LoginThrottle } from './login-throttle.ts';
import { RefreshTokens, type IssuedRefreshToken } from './refresh-tokens.ts';
import { zeroStats, type Stats } from './stats.ts';
import { Todos } from './todos.ts';
import { Users, type User } from './users.ts';

/** The mock API: a Web-standard fetch handler (Request in, Response out). */
export interface MockApi {
  handle(request: Request, info?: { clientAddress?: string }): Promise<Response>;
}

interface Services {
  config: MockApiConfig;
  users: Users;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  todos: Todos;
  stats: Stats;
  throttle: LoginThrottle;
  faults: Faults;
}

type Handler = (request: Request, services: Services, clientAddress: string) => Promise<Response>;

const NO_STORE_PREFIXES = ['/auth/', '/api/', '/__mock/'];
const MAX_USERNAME = 256;
const MAX_PASSWORD = 1024;

function isSecure(request: Request): boolean {
  return new URL(request.url).protocol === 'https:';
}

async function grant(services: Services, user: User, refresh: IssuedRefreshToken, secure: boolean): Promise<Response> {
  const accessToken = await services.accessTokens.issue(String(user.id), refresh.family);
  return json({ access_token: accessToken, token_type: 'Bearer', expires_in: services.config.accessTtl, user }, 200, {
    'Set-Cookie': refreshCookie(refresh.token, refresh.persistent ? refresh.maxAge : undefined, secure),
  });
}

const login: Handler = async (request, services, clientAddress) => {
  const body = await readJsonObject(request, services.config.maxBodyBytes);
  const username = body?.username;
  const password = body?.password;
  const remember = body?.remember ?? true;
  if (
    typeof username !== 'string' ||
    username === '' ||
    username.length > MAX_USERNAME ||
    typeof password !== 'string' ||
    password === '' ||
    password.length > MAX_PASSWORD
  ) {
    throw new HttpError(400, 'invalid_request', 'username and password must be non-empty strings.');
  }
  if (typeof remember !== 'boolean') throw new HttpError(400, 'invalid_request', 'remember must be a boolean.');
  const wait = services.throttle.retryAfter(username, clientAddress);
  if (wait > 0) throw new HttpError(429, 'rate_limited', 'Too many failed sign-in attempts.', { 'Retry-After': String(wait) });
  const user = await services.users.authenticate(username, password);
  if (!user) {
    services.throttle.failed(username, clientAddress);
    throw new HttpError(401, 'invalid_credentials', 'Username or password is incorrect.');
  }
  services.throttle.succeeded(username, clientAddress);
  services.stats.logins += 1;
  return grant(services, user, await services.refreshTokens.issue(user.id, remember), isSecure(request));
};

const refresh: Handler = async (request, services) => {
  await readJsonObject(request, services.config.maxBodyBytes);
  await services.faults.refresh();
  const secure = isSecure(request);
  const presented = readRefreshCookie(request);
  const result = presented ? await services.refreshTokens.rotate(presented) : undefined;
  const user = result?.ok ? services.users.byId(result.userId) : undefined;
  if (!result?.ok || !user) {
    services.stats.refreshFailures += 1;
    if (result && !result.ok && result.reason === 'reused') services.stats.reuseDetected += 1;
    // RFC 6749 5.2: a refresh token that is missing, unknown, expired, revoked or reused is invalid_grant.
    throw new HttpError(400, 'invalid_grant', 'The refresh token is not valid; sign in again.', {
      'Set-Cookie': clearedRefreshCookie(secure),
    });
  }
  services.stats.refreshes += 1;
  return grant(services, user, result, secure);
};

const logout: Handler = async (request, services) => {
  await readJsonObject(request, services.config.maxBodyBytes);
  const presented = readRefreshCookie(request);
  if (presented) await services.refreshTokens.revoke(presented);
  return new Response(null, { status: 204, headers: { 'Set-Cookie': clearedRefreshCookie(isSecure(request)) } });
};

// RFC 6750 2.1: exactly one "Bearer <token68>"; two joined headers or another scheme are malformed.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

async function authenticate(request: Request, services: Services): Promise<User> {
  const header = request.headers.get('Authorization');
  if (header === null) {
    // RFC 6750 3.1: no error code when the request carried no credentials.
    throw new HttpError(401, 'invalid_token', 'A bearer token is required.', { 'WWW-Authenticate': 'Bearer realm="api"' });
  }
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new HttpError(400, 'invalid_request', 'Authorization must be a single Bearer token.');
  const payload = await services.accessTokens.verify(match[1]);
  // A token lives no longer than its session: sign-out, reuse detection or expiry of the
  // refresh-token family (its sid) ends it too.
  const live = typeof payload?.sid === 'string' && services.refreshTokens.isActive(payload.sid);
  const user = live && payload?.sub && /^\d+$/.test(payload.sub) ? services.users.byId(Number(payload.sub)) : undefined;
  if (!user) {
    throw new HttpError(401, 'invalid_token', 'The access token is invalid or expired.', {
      'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="The access token is invalid or expired"',
    });
  }
  return user;
}

function api(handler: (request: Request, services: Services, user: User) => Promise<Response>): Handler {
  return async (request, services) => handler(request, services, await authenticate(request, services));
}

const authRoutes: Record<string, Record<string, Handler>> = {
  '/auth/login': { POST: login },
  '/auth/refresh': { POST: refresh },
  '/auth/logout': { POST: logout },
  '/api/me': { GET: api(async (_, __, user) => json(user)) },
  '/api/users': { GET: api(async (_, services) => json(services.users.all())) },
  '/api/todos': {
    GET: api(async (_, services, user) => json(services.todos.list(user.id))),
    POST: api(async (request, services, user) =>
      json(services.todos.add(user.id, await readJsonObject(request, services.config.maxBodyBytes)), 201),
    ),
  },
  '/.well-known/jwks.json': { GET: async (_, services) => json(services.accessTokens.jwks()) },
};

const controlRoutes: Record<string, Record<string, Handler>> = {
  '/__mock/stats': { GET: async (_, services) => json(services.stats) },
  '/__mock/reset': {
    POST: async (_, services) => {
      services.refreshTokens.reset();
      services.todos.reset();
      services.throttle.reset();
      services.faults.clear();
      Object.assign(services.stats, zeroStats());
      return new Response(null, { status: 204 });
    },
  },
  '/__mock/faults': {
    POST: async (request, services) => {
      services.faults.set(await readJsonObject(request, services.config.maxBodyBytes));
      return new Response(null, { status: 204 });
    },
  },
  '/__mock/rotate-keys': {
    POST: async (_, services) => {
      await services.accessTokens.rotate();
      return new Response(null, { status: 204 });
    },
  },
};

/** Builds the mock API: its keys, the demo users and empty state. */
export async function createMockApi(config: MockApiConfig): Promise<MockApi> {
  const services: Services = {
    config,
    users: await Users.create(config.pbkdf2Iterations),
    accessTokens: await createAccessTokens({ issuer: config.issuer, audience: config.audience, ttl: config.accessTtl, now: config.now }),
    refreshTokens: new RefreshTokens({ ttl: config.refreshTtl, grace: config.reuseGrace, now: config.now }),
    todos: new Todos(),
    stats: zeroStats(),
    throttle: new LoginThrottle({ ...config.rateLimit, now: config.now }),
    faults: new Faults(),
  };
  const routes = config.controls ? { ...authRoutes, ...controlRoutes } : authRoutes;

  return {
    async handle(request, info = {}) {
      const path = new URL(request.url).pathname;
      let response: Response;
      try {
        const methods = routes[path];
        if (path.startsWith('/api/')) services.stats.apiRequests += 1;
        if (!methods) throw new HttpError(404, 'not_found', 'No such endpoint.');
        const handler = methods[request.method];
        if (!handler) throw new HttpError(405, 'method_not_allowed', 'Method not allowed.', { Allow: Object.keys(methods).join(', ') });
        response = await handler(request, services, info.clientAddress ?? 'unknown');
      } catch (error) {
        // Never a stack trace or an exception's text in a response.
        response = errorResponse(error instanceof HttpError ? error : new HttpError(500, 'server_error', 'Something went wrong.'));
      }
      if (path.startsWith('/api/') && response.status === 401) services.stats.apiUnauthorized += 1;
      if (NO_STORE_PREFIXES.some((prefix) => path.startsWith(prefix))) response.headers.set('Cache-Control', 'no-store');
      response.headers.set('X-Content-Type-Options', 'nosniff');
      return response;
    },
  };
}
