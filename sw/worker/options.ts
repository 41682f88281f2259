import { anyUser, type UserParser, type UserRecord } from '../protocol.ts';
import type { AuthAdapter, AuthEndpoints } from './adapters/auth-adapter.ts';
import { cookieSession } from './adapters/cookie-session.ts';
import { isRedirectAdapter, type RedirectAuthAdapter } from './adapters/redirect-adapter.ts';
import { createQueueMatcher, parseQueueRule, type QueueRule } from './offline-queue/queue-rules.ts';
import { parseAllowlist, type ResourceEntry } from './resource-rules.ts';
import { createMatcher, matchesRule, navigationDenylist, parseUrlRule, ruleUrl, type UrlRule } from './url-rules.ts';

/**
 * How a broker is set up: one object, fixed when the worker starts, never changed by a message.
 * Every URL is absolute or a path on the worker's own origin.
 */
export interface TokenBrokerOptions<User = UserRecord> {
  /** Knows the token server. Default `cookieSession()`; `oidc({...})` signs in at an OpenID Provider by redirect. */
  adapter?: AuthAdapter | RedirectAuthAdapter;
  /**
   * Where the access token may go: each entry an exact origin plus an exact path (`/users`) or a
   * path prefix ending in `/` (`/api/`). Default `['/api/']`. With an adapter that asks for a
   * token per resource (`oidc`), an entry may be `{ url, resource }`: its requests get a token
   * for that RFC 8707 resource (the most specific entry decides).
   */
  allowlist?: readonly (string | ResourceEntry)[];
  /**
   * Requests from pages that the worker refuses with 403 `broker_only` (exact URLs, or prefixes
   * ending in `/`): only the worker talks to the token endpoints. Default: the adapter's endpoints.
   * Must cover every endpoint.
   */
  brokerOnly?: readonly string[];
  /**
   * Bind every token to a non-extractable key of this browser with DPoP proofs (RFC 9449), so a
   * token that leaks is useless elsewhere. Default: what the adapter says its server supports.
   */
  dpop?: boolean;
  /** Narrows the user a token server describes; what it returns reaches pages and IndexedDB. Default: any object. */
  parseUser?: UserParser<User>;
  /**
   * Writes to keep for later when the network fails, as `"METHOD url"` (`"POST /api/todos"`; the
   * URL an exact path or a prefix ending in `/`, inside the allowlist). The page gets `202` with
   * `{ queued: true, write }`; the worker sends the write with a fresh token once the network is
   * back, only for the user who made it. Default: none.
   */
  offlineQueue?: readonly string[];
  /** Upper bound of the refresh-ahead window, ms: refresh at min(this, a third of the lifetime) before expiry. Default 30000. */
  refreshSkewMs?: number;
  /** How long a token-endpoint call may take before it counts as a network failure, ms. Default 10000. */
  authTimeoutMs?: number;
  /** `Retry-After`, seconds, on the 503 a page gets while the token endpoint is unreachable. Default 5. */
  retryAfterSeconds?: number;
  /** Where one-line reasons for failures go (never a token or a password). Default `console.warn`; `false`: nowhere. */
  log?: false | ((line: string) => void);
  /** The worker's origin, for paths. Default: the worker's own (`self.location.origin`). */
  origin?: string;
}

/** The options checked and resolved: what the broker core runs on. */
export interface BrokerConfig<User = UserRecord> {
  readonly origin: string;
  readonly adapter: AuthAdapter | RedirectAuthAdapter;
  /** The adapter's endpoints as absolute URLs (a redirect adapter's server, for log lines, as login and refresh). */
  readonly endpoints: Readonly<Record<keyof AuthEndpoints, string | undefined>> & { readonly login: string; readonly refresh: string };
  readonly allowlist: readonly UrlRule[];
  /** The RFC 8707 resources allowlist entries name, besides the session's own token's. */
  readonly resources: readonly string[];
  /** Which token a request gets: the resource its most specific allowlist entry names, or `''` (the session's). */
  readonly resourceOf: (url: URL) => string;
  readonly brokerOnly: readonly UrlRule[];
  readonly isAllowed: (url: URL) => boolean;
  readonly isBrokerOnly: (url: URL) => boolean;
  readonly offlineQueue: readonly QueueRule[];
  /** Whether a request that failed on the network may be queued (see `offlineQueue`). */
  readonly isQueueable: (method: string, url: URL) => boolean;
  readonly parseUser: UserParser<User>;
  /** Whether calls carry DPoP proofs. */
  readonly dpop: boolean;
  readonly refreshSkewMs: number;
  readonly authTimeoutMs: number;
  readonly retryAfterSeconds: number;
}

const KNOWN: readonly string[] = [
  'adapter',
  'allowlist',
  'brokerOnly',
  'dpop',
  'parseUser',
  'offlineQueue',
  'refreshSkewMs',
  'authTimeoutMs',
  'retryAfterSeconds',
  'log',
  'origin',
];

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

function rules(values: readonly string[] | undefined, fallback: readonly string[], name: string, origin: string): UrlRule[] {
  const list = values ?? fallback;
  if (!Array.isArray(list)) throw new TypeError(`${name} must be an array of URLs or paths`);
  return list.map((value: unknown, index) => parseUrlRule(value, origin, `${name}[${index}]`));
}

function checkAdapter(adapter: AuthAdapter): void {
  if (typeof adapter !== 'object' || adapter === null)
    throw new TypeError('adapter must be an auth adapter, e.g. cookieSession() or jsonApi({...})');
  for (const method of ['login', 'refresh', 'logout', 'readGrant', 'tokenRejected'] as const) {
    if (typeof adapter[method] !== 'function') throw new TypeError(`adapter.${method} must be a function`);
  }
  if (typeof adapter.endpoints !== 'object' || adapter.endpoints === null)
    throw new TypeError('adapter.endpoints must name login and refresh');
}

/** A redirect adapter's rule for its redirect URI, which must be on the worker's origin (the worker sees no other navigations). */
function redirectRule(adapter: RedirectAuthAdapter, origin: string): UrlRule {
  if (typeof adapter.connect !== 'function') throw new TypeError('adapter.connect must be a function');
  const rule = parseUrlRule(adapter.redirectUri, origin, 'adapter.redirectUri');
  if (rule.origin !== origin)
    throw new TypeError(
      `adapter.redirectUri (${ruleUrl(rule)}) must be on the worker's origin (${origin}): the worker only sees navigations to it`,
    );
  return rule;
}

function endpoint(adapter: AuthAdapter, name: keyof AuthEndpoints, origin: string): UrlRule | undefined {
  const value = adapter.endpoints[name];
  if (value === undefined && name === 'logout') return undefined;
  return parseUrlRule(value, origin, `adapter.endpoints.${name}`);
}

function checkOrigin(origin: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof origin === 'string' ? new URL(origin) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.origin !== origin || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new TypeError(
      `origin must be an http(s) origin such as https://app.example.com, got ${JSON.stringify(origin)} (outside a service worker, pass options.origin)`,
    );
  }
  return url.origin;
}

/** Checks options once, at start, and throws a TypeError naming the first mistake. */
export function resolveOptions<User = UserRecord>(options: TokenBrokerOptions<User>, origin: string): BrokerConfig<User> {
  if (typeof options !== 'object' || options === null) throw new TypeError('createTokenBroker needs an options object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      const near = KNOWN.find((name) => name.toLowerCase() === key.toLowerCase());
      throw new TypeError(`unknown option "${key}"${near ? ` (did you mean "${near}"?)` : ''}; known: ${KNOWN.join(', ')}`);
    }
  }
  const base = { origin: checkOrigin(origin) };
  const adapter = options.adapter ?? cookieSession();
  let endpoints: BrokerConfig['endpoints'];
  let endpointRules: Record<string, UrlRule | undefined>;
  if (isRedirectAdapter(adapter)) {
    // Its token endpoints are the provider's, found by discovery; pages may not fetch its redirect URI.
    endpointRules = { redirectUri: redirectRule(adapter, base.origin) };
    endpoints = { login: adapter.server, refresh: adapter.server, logout: undefined };
  } else {
    checkAdapter(adapter);
    const login = endpoint(adapter, 'login', base.origin) as UrlRule;
    const refresh = endpoint(adapter, 'refresh', base.origin) as UrlRule;
    const logout = endpoint(adapter, 'logout', base.origin);
    endpointRules = { login, refresh, logout };
    endpoints = { login: ruleUrl(login), refresh: ruleUrl(refresh), logout: logout && ruleUrl(logout) };
  }
  const entries: unknown = options.allowlist ?? ['/api/'];
  if (!Array.isArray(entries)) throw new TypeError('allowlist must be an array of URLs or paths');
  const resolved = parseAllowlist(
    entries,
    base.origin,
    isRedirectAdapter(adapter),
    isRedirectAdapter(adapter) ? adapter.resource : undefined,
  );
  const allowlist = [...resolved.rules];
  if (allowlist.length === 0) throw new TypeError('allowlist: at least one URL is needed, or the broker has nothing to do');
  const defaultBrokerOnly = Object.values(endpointRules).flatMap((rule) => (rule ? [ruleUrl(rule)] : []));
  const brokerOnly = rules(options.brokerOnly, defaultBrokerOnly, 'brokerOnly', base.origin);
  if (!isRedirectAdapter(adapter)) {
    for (const [name, rule] of Object.entries(endpointRules)) {
      if (rule && !brokerOnly.some((only) => matchesRule(only, new URL(ruleUrl(rule))))) {
        throw new TypeError(`brokerOnly must cover adapter.endpoints.${name} (${ruleUrl(rule)}): pages must not call the token endpoints`);
      }
    }
  }
  if (options.offlineQueue !== undefined && !Array.isArray(options.offlineQueue))
    throw new TypeError('offlineQueue must be an array of "METHOD url" strings, e.g. ["POST /api/todos"]');
  const offlineQueue = (options.offlineQueue ?? []).map((value: unknown, index) => {
    const rule = parseQueueRule(value, base.origin, `offlineQueue[${index}]`);
    // A queued write is sent with the token, so it must be somewhere the token may go.
    if (!allowlist.some((allowed) => matchesRule(allowed, new URL(ruleUrl(rule.url)))))
      throw new TypeError(`offlineQueue[${index}]: ${ruleUrl(rule.url)} is not covered by the allowlist`);
    return rule;
  });
  if (options.parseUser !== undefined && typeof options.parseUser !== 'function') throw new TypeError('parseUser must be a function');
  if (options.dpop !== undefined && typeof options.dpop !== 'boolean') throw new TypeError('dpop must be true or false');
  return Object.freeze({
    origin: base.origin,
    adapter,
    endpoints: Object.freeze(endpoints),
    allowlist: Object.freeze(allowlist),
    resources: Object.freeze(resolved.resources),
    resourceOf: resolved.resourceOf,
    brokerOnly: Object.freeze(brokerOnly),
    isAllowed: createMatcher(allowlist),
    isBrokerOnly: createMatcher(brokerOnly),
    offlineQueue: Object.freeze(offlineQueue),
    isQueueable: createQueueMatcher(offlineQueue),
    parseUser: options.parseUser ?? (anyUser as UserParser<User>),
    dpop: options.dpop ?? adapter.dpop ?? false,
    refreshSkewMs: positive(options.refreshSkewMs, 'refreshSkewMs', 30_000),
    authTimeoutMs: positive(options.authTimeoutMs, 'authTimeoutMs', 10_000),
    retryAfterSeconds: positive(options.retryAfterSeconds, 'retryAfterSeconds', 5),
  });
}

/** Paths of the worker's origin that an app-shell navigation fallback must not answer. */
export function denylistFor(config: BrokerConfig<unknown>): RegExp[] {
  return navigationDenylist([...config.brokerOnly, ...config.allowlist], config.origin);
}
