import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { createAccessTokens, type AccessTokens } from './access-tokens.ts';
import { authenticate } from './authenticate.ts';
import { AVATAR_HEADERS, avatarSvg } from './avatar.ts';
import type { MockApiConfig } from './config.ts';
import { createDpopServer, nonceHeader, tokenRequestKey, type DpopServer } from './dpop-http.ts';
import { HttpError, SERVER_ERROR } from './errors.ts';
import { EventHub } from './event-hub.ts';
import { Faults } from './faults.ts';
import { LiveConnections } from './live-connections.ts';
import { routeLive, type LiveRuntime } from './live-routes.ts';
import { LoginThrottle } from './login-throttle.ts';
import { createProviderTokens, type ProviderTokens } from './provider-tokens.ts';
import { RefreshTokens, type IssuedRefreshToken } from './refresh-tokens.ts';
import type { ServicesSnapshot } from './snapshot.ts';
import { securityHeaders, workerSecurityHeaders } from './security-headers.ts';
import { zeroStats, type Stats } from './stats.ts';
import { Todos } from './todos.ts';
import { CSV_HEADERS, todosCsv } from './todos-csv.ts';
import { Users, type User } from './users.ts';
import { WsTickets } from './ws-tickets.ts';

/** Where an OpenID Provider sends the browser back (the demo worker's `oidc` redirect URI). */
const OIDC_CALLBACK = '/auth/callback';

/** A request body: always a JSON object, read once at the edge. */
export type JsonObject = Record<string, unknown>;

/** The Hono environment of the mock API. */
export interface MockApiEnv {
  // The runtime's own (node-server's sockets); the API itself reads none of them.
  Bindings: object;
  Variables: { body: JsonObject | undefined };
}

/** The mock API: a Hono app (`app.fetch`, `app.request`). */
export type MockApi = Hono<MockApiEnv>;

/** What the runtime an API runs in adds to it (node-app.ts for Node); the API itself is the same everywhere. */
export interface MockApiOptions extends LiveRuntime {
  /** The client's address, for the per-address sign-in limit; by default every request is one client. */
  clientAddress?: (c: Context) => string;
  /** The runtime's middleware, run ahead of the API's own on every request. */
  middleware?: MiddlewareHandler<MockApiEnv>[];
  /** Answers what no route of the API answers (the Node server: the built app's files); by default a 404. */
  fallback?: MiddlewareHandler<MockApiEnv>;
}

/** The mock API's state: its keys, the demo users, sessions, todos, counters, limits and faults. */
export interface Services {
  config: MockApiConfig;
  users: Users;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  todos: Todos;
  stats: Stats;
  throttle: LoginThrottle;
  dpop: DpopServer;
  faults: Faults;
  /** Each user's changes, for the live endpoints. */
  events: EventHub;
  /** The open live connections (event streams, WebSockets). */
  live: LiveConnections;
  wsTickets: WsTickets;
  /** The trusted OpenID Provider's access tokens (config.oidc), when there is one. */
  providerTokens?: ProviderTokens | undefined;
}

type ApiContext = Context<MockApiEnv>;

/** The paths the mock API answers; everything else is the built app's. */
export const API_PATH = /^\/(auth|api|__mock|\.well-known)(\/|$)/;

/** The service worker script of the built app (docs/contract.md: built to /sw.js, scope /). */
export const WORKER_SCRIPT = '/sw.js';

/** The refresh-token cookie's name; its path keeps it off every request but the token endpoints. */
export const REFRESH_COOKIE = 'refresh_token';
const REFRESH_COOKIE_PATH = '/auth';
// RFC 6265bis caps a cookie's lifetime at 400 days (and hono/cookie refuses more); REFRESH_TTL may ask for longer.
const MAX_COOKIE_AGE = 400 * 24 * 60 * 60;

const MAX_USERNAME = 256;
const MAX_PASSWORD = 1024;
/** Methods that change nothing (RFC 9110 9.2.1): no CSRF check, and nothing to persist after them. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

// What is left of a body after an early answer (413, 403, ...) is read and dropped, so that a
// keep-alive connection stays in step; past this much or this long the answer closes it instead.
const UNREAD_BODY_LIMIT = 1024 * 1024;
const UNREAD_BODY_MS = 5_000;

/** The one shape of every failure: `{ error, message }` with the error's own headers. */
function errorResponse(c: Context, error: HttpError): Response {
  return c.json({ error: error.code, message: error.message }, error.status, error.headers);
}

/** `app.onError`: an HttpError as itself; anything else as a 500 that never shows the exception's text. */
function answerError(error: Error, c: Context): Response {
  return errorResponse(c, error instanceof HttpError ? error : SERVER_ERROR);
}

/**
 * The answer to a request that never reached the app (a Host or request target node-server cannot
 * make a URL of, a request the HTTP parser refused, a CONNECT), built by the same middleware and
 * error helper as every other answer.
 */
export async function answerOutsideApp(error: HttpError): Promise<Response> {
  const edge = new Hono();
  edge.use(securityHeaders);
  edge.all('*', () => {
    throw error;
  });
  edge.onError(answerError);
  return edge.request('/');
}

/** A target that starts with `//` reads as another host to URL parsers; no path of this server has one. */
const pathTargetsOnly: MiddlewareHandler = async (c, next) => {
  if (c.req.path.startsWith('//')) throw new HttpError(400, 'invalid_request', 'The request target must be a path.');
  await next();
};

/** `Cache-Control: no-store`, unless the handler chose a policy of its own (the avatar's). */
const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
};

/**
 * CSRF: refuses a state-changing request that the browser marks as coming from anywhere but this
 * origin. SameSite=Strict keeps the refresh cookie off cross-site requests, not off same-site
 * ones (another port, a sibling subdomain). A request with neither header is not from a browser.
 */
const sameOriginOnly: MiddlewareHandler = async (c, next) => {
  if (!SAFE_METHODS.has(c.req.method)) {
    const site = c.req.header('Sec-Fetch-Site');
    const origin = c.req.header('Origin');
    const ownOrigin = URL.canParse(c.req.url) ? new URL(c.req.url).origin : undefined;
    if ((site !== undefined && site !== 'same-origin') || (origin !== undefined && origin !== ownOrigin)) {
      throw new HttpError(403, 'cross_site_request', 'The token endpoints answer only requests from this origin.');
    }
  }
  await next();
};

/** Reads and drops the rest of a body; false when it did not end within the byte or time budget. */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<boolean> {
  const signal = AbortSignal.timeout(UNREAD_BODY_MS);
  const late = new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined), { once: true }));
  try {
    for (let bytes = 0; bytes <= UNREAD_BODY_LIMIT;) {
      const chunk = await Promise.race([reader.read(), late]);
      if (!chunk) return false;
      if (chunk.done) return true;
      bytes += chunk.value.byteLength;
    }
    return false;
  } catch {
    return false;
  }
}

/**
 * Keeps a keep-alive connection in step after an answer given before the body was read (a 413 on a
 * declared or a streamed size, a 403, ...): the rest of that body would otherwise wait on the socket
 * and be parsed as the next request. The body is passed on through a stream whose source stays
 * here, so that whatever the app did not read is read and dropped after it answered; a body too
 * large or too slow for that gets `Connection: close` instead.
 */
const keepConnectionInStep: MiddlewareHandler = async (c, next) => {
  // undici's types leave a body's chunk type open; a request body streams bytes.
  const body = c.req.raw.body as ReadableStream<Uint8Array> | null;
  if (!body) return next();
  if (Number(c.req.header('Content-Length')) > UNREAD_BODY_LIMIT) {
    await next();
    c.header('Connection', 'close');
    return;
  }
  const source = body.getReader();
  let ended = false;
  const passOn = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await source.read();
        if (chunk.done) {
          ended = true;
          controller.close();
        } else {
          controller.enqueue(chunk.value);
        }
      },
    },
    // Nothing is read ahead of the app, so what it leaves is still at the source.
    { highWaterMark: 0 },
  );
  // Node's fetch needs `duplex` for a streamed body; not every lib's RequestInit declares it.
  const init: RequestInit & { duplex: 'half' } = { body: passOn, duplex: 'half' };
  c.req.raw = new Request(c.req.raw, init);
  await next();
  if (!ended && !(await discardRest(source))) c.header('Connection', 'close');
};

/** The body as a JSON object, or undefined for none; 415 for another content type, 400 for anything but an object. */
function jsonObjectOf(bytes: Uint8Array, type: string | undefined): JsonObject | undefined {
  const isJson = type !== undefined && JSON_TYPE.test(type.trim());
  // An empty body is no body, also when the client labelled it JSON.
  if (bytes.byteLength === 0 && (type === undefined || isJson)) return undefined;
  if (!isJson) throw new HttpError(415, 'unsupported_media_type', 'Request bodies must be application/json.');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError(400, 'invalid_request', 'The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_request', 'The body must be a JSON object.');
  }
  return value as JsonObject;
}

const jsonBodies: MiddlewareHandler<MockApiEnv> = async (c, next) => {
  const bytes = c.req.raw.body ? new Uint8Array(await c.req.arrayBuffer()) : new Uint8Array();
  c.set('body', jsonObjectOf(bytes, c.req.header('Content-Type')));
  await next();
};

function tooLarge(maxBytes: number): never {
  throw new HttpError(413, 'payload_too_large', `The body may be at most ${maxBytes} bytes.`);
}

/** Without a runtime that knows addresses (app.request() in the unit tests), every request is one client. */
const oneClient = (): string => 'unknown';

function isSecure(c: Context): boolean {
  return c.req.url.startsWith('https:');
}

function clearRefreshCookie(c: Context): void {
  deleteCookie(c, REFRESH_COOKIE, { path: REFRESH_COOKIE_PATH, httpOnly: true, sameSite: 'Strict', secure: isSecure(c) });
}

/** The token response, with the refresh cookie: a session cookie unless the family is persistent; DPoP-bound with `jkt`. */
async function grant(
  c: ApiContext,
  services: Services,
  user: User,
  refresh: IssuedRefreshToken,
  jkt: string | undefined,
): Promise<Response> {
  setCookie(c, REFRESH_COOKIE, refresh.token, {
    path: REFRESH_COOKIE_PATH,
    httpOnly: true,
    sameSite: 'Strict',
    secure: isSecure(c),
    ...(refresh.persistent ? { maxAge: Math.min(refresh.maxAge, MAX_COOKIE_AGE) } : {}),
  });
  const accessToken = await services.accessTokens.issue(String(user.id), refresh.family, jkt);
  const tokenType = jkt === undefined ? 'Bearer' : 'DPoP';
  return c.json({ access_token: accessToken, token_type: tokenType, expires_in: services.config.accessTtl, user });
}

function routeAuth(app: MockApi, services: Services, clientAddress: (c: ApiContext) => string): void {
  app.post('/auth/login', async (c) => {
    const body = c.get('body');
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
    // The proof first: a request that must come again with a nonce costs no password check.
    const jkt = await tokenRequestKey(c, services.dpop);
    const address = clientAddress(c);
    const wait = services.throttle.retryAfter(username, address);
    if (wait > 0) throw new HttpError(429, 'rate_limited', 'Too many failed sign-in attempts.', { 'Retry-After': String(wait) });
    const user = await services.users.authenticate(username, password);
    if (!user) {
      services.throttle.failed(username, address);
      throw new HttpError(401, 'invalid_credentials', 'Username or password is incorrect.');
    }
    services.throttle.succeeded(username, address);
    services.stats.logins += 1;
    return grant(c, services, user, await services.refreshTokens.issue(user.id, remember, jkt), jkt);
  });

  app.post('/auth/refresh', async (c) => {
    await services.faults.refresh();
    const jkt = await tokenRequestKey(c, services.dpop);
    const presented = getCookie(c, REFRESH_COOKIE);
    const result = presented ? await services.refreshTokens.rotate(presented, jkt) : undefined;
    const user = result?.ok ? services.users.byId(result.userId) : undefined;
    if (!result?.ok || !user) {
      services.stats.refreshFailures += 1;
      if (result && !result.ok && result.reason === 'reused') services.stats.reuseDetected += 1;
      clearRefreshCookie(c);
      // RFC 6749 5.2: a refresh token that is missing, unknown, expired, revoked or reused is invalid_grant.
      throw new HttpError(400, 'invalid_grant', 'The refresh token is not valid; sign in again.');
    }
    services.stats.refreshes += 1;
    return grant(c, services, user, result, services.refreshTokens.boundKey(result.family));
  });

  app.post('/auth/logout', async (c) => {
    const presented = getCookie(c, REFRESH_COOKIE);
    if (presented) await services.refreshTokens.revoke(presented);
    clearRefreshCookie(c);
    return c.body(null, 204);
  });
}

function routeApi(app: MockApi, services: Services): void {
  app.get('/api/me', async (c) => c.json(await authenticate(c, services)));
  app.get('/api/users', async (c) => {
    await authenticate(c, services);
    return c.json(services.users.all());
  });
  app.get('/api/todos', async (c) => c.json(services.todos.list((await authenticate(c, services)).id)));
  app.post('/api/todos', async (c) => {
    const user = await authenticate(c, services);
    return c.json(services.todos.add(user.id, c.get('body')), 201);
  });
  app.get('/api/todos.csv', async (c) => c.body(todosCsv(services.todos.list((await authenticate(c, services)).id)), 200, CSV_HEADERS));
  // Digits only: no other path under /api/todos/ (nor /api/todos.csv) is a todo.
  app.patch('/api/todos/:id{[0-9]+}', async (c) => {
    const user = await authenticate(c, services);
    return c.json(services.todos.update(user.id, Number(c.req.param('id')), c.get('body')));
  });
  app.delete('/api/todos/:id{[0-9]+}', async (c) => {
    services.todos.remove((await authenticate(c, services)).id, Number(c.req.param('id')));
    return c.body(null, 204);
  });
  app.get('/api/avatar', async (c) => c.body(await avatarSvg(await authenticate(c, services)), 200, AVATAR_HEADERS));
  app.get('/.well-known/jwks.json', (c) => c.json(services.accessTokens.jwks()));
}

function routeControls(app: MockApi, services: Services): void {
  app.get('/__mock/stats', (c) => c.json({ ...services.stats, liveConnections: services.live.count }));
  app.post('/__mock/reset', (c) => {
    // Ends every session, and with them every live connection.
    services.refreshTokens.reset();
    services.todos.reset();
    services.events.reset();
    services.wsTickets.reset();
    services.throttle.reset();
    services.faults.clear();
    services.dpop.proofs.reset();
    services.dpop.demandNonce = services.config.dpopNonce;
    Object.assign(services.stats, zeroStats());
    return c.body(null, 204);
  });
  app.post('/__mock/faults', (c) => {
    services.faults.set(c.get('body'));
    return c.body(null, 204);
  });
  app.post('/__mock/dpop', (c) => {
    const nonce = c.get('body')?.nonce;
    if (typeof nonce !== 'boolean') throw new HttpError(400, 'invalid_request', 'Expected {"nonce": true | false}.');
    services.dpop.demandNonce = nonce;
    return c.body(null, 204);
  });
  app.post('/__mock/rotate-keys', async (c) => {
    await services.accessTokens.rotate();
    return c.body(null, 204);
  });
}

/**
 * Creates the mock API's state: the demo users, and fresh keys and nothing else, or the keys,
 * sessions and todos of a stored `snapshot` (see snapshot.ts).
 */
export async function createServices(config: MockApiConfig, snapshot?: ServicesSnapshot): Promise<Services> {
  const { issuer, audience, accessTtl: ttl, now } = config;
  const stats = zeroStats();
  const events = new EventHub();
  const refreshTokens = new RefreshTokens({ ttl: config.refreshTtl, grace: config.reuseGrace, now, onEnd: (sid) => live.endSession(sid) });
  const live = new LiveConnections({ events, stats, now, sessionEndsAt: (sid) => refreshTokens.activeUntil(sid) });
  const services: Services = {
    config,
    users: await Users.create(config.pbkdf2Iterations),
    accessTokens: await createAccessTokens({ issuer, audience, ttl, now }, snapshot?.signingKey),
    refreshTokens,
    todos: new Todos((userId, change, todo) => events.publish(userId, change, todo)),
    stats,
    throttle: new LoginThrottle({ ...config.rateLimit, now }),
    dpop: createDpopServer(config),
    faults: new Faults(),
    events,
    live,
    wsTickets: new WsTickets(now),
    providerTokens: config.oidc ? createProviderTokens(config.oidc, now) : undefined,
  };
  if (snapshot) {
    services.refreshTokens.restore(snapshot.refreshTokens);
    services.todos.restore(snapshot.todos);
    if (snapshot.events) services.events.restore(snapshot.events);
  }
  return services;
}

/** The Hono app over `services`, with what its runtime adds (one state can serve several origins). */
export function mockApiApp(services: Services, options: MockApiOptions = {}): MockApi {
  const { config } = services;
  const app: MockApi = new Hono<MockApiEnv>();
  for (const middleware of options.middleware ?? []) app.use(middleware);
  app.use(securityHeaders);
  if (config.oidc) app.use(WORKER_SCRIPT, workerSecurityHeaders(config.oidc.origins));
  app.use(pathTargetsOnly);
  app.use('/auth/*', noStore);
  app.use('/api/*', noStore);
  app.use('/__mock/*', noStore);
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        errorResponse(c, new HttpError(405, 'method_not_allowed', 'Method not allowed.', { Allow: methods.join(', ') })),
    }),
  );
  app.use('/api/*', async (c, next) => {
    services.stats.apiRequests += 1;
    await next();
    if (c.res.status === 401) services.stats.apiUnauthorized += 1;
  });
  // The provider's redirect to the app's callback is the worker's to answer. One that reaches the
  // server (no worker controls the origin: site data cleared while the user was at the provider)
  // cannot finish the sign-in here; it goes to the sign-in page, never to a page with the code in its address.
  if (config.oidc) app.get(OIDC_CALLBACK, (c) => c.redirect('/login?signInError=state_mismatch#', 303));
  app.use('/auth/*', sameOriginOnly);
  app.use('/auth/*', nonceHeader(services.dpop));
  app.use('/api/*', nonceHeader(services.dpop));
  for (const path of ['/auth/*', '/api/*', '/__mock/*']) {
    app.use(
      path,
      keepConnectionInStep,
      bodyLimit({ maxSize: config.maxBodyBytes, onError: () => tooLarge(config.maxBodyBytes) }),
      jsonBodies,
    );
  }

  routeAuth(app, services, options.clientAddress ?? oneClient);
  routeApi(app, services);
  routeLive(app, services, options);
  if (config.controls) routeControls(app, services);
  if (options.fallback) app.use(options.fallback);

  app.notFound((c) => errorResponse(c, new HttpError(404, 'not_found', API_PATH.test(c.req.path) ? 'No such endpoint.' : 'No such file.')));
  app.onError(answerError);
  return app;
}

/** Builds the mock API (its keys, the demo users and empty state) as a Hono app, with what its runtime adds. */
export async function createMockApi(config: MockApiConfig, options: MockApiOptions = {}): Promise<MockApi> {
  return mockApiApp(await createServices(config), options);
}
