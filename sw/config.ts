/** One allowlist entry: requests to this exact origin under this path prefix get the bearer. */
export interface AllowRule {
  /** An exact origin, e.g. `https://api.example.com` (scheme, host and port). */
  origin: string;
  /** A path prefix that starts and ends with `/`, e.g. `/api/`. */
  pathPrefix: string;
}

/** How the broker is set up; fixed when the worker is built, never changed by a message. */
export interface BrokerConfig {
  /** Where the bearer may go. */
  allowlist: readonly AllowRule[];
  /** The token endpoints (absolute URLs). */
  endpoints: { login: string; refresh: string; logout: string };
  /** Page requests under this origin + prefix are refused: only the worker talks to them. */
  authScope: AllowRule;
  /** Upper bound of the refresh-ahead window, ms (the window is min(this, a third of the lifetime)). */
  maxRefreshSkewMs: number;
  /** How long a call to a token endpoint may take before it counts as a network failure, ms. */
  authTimeoutMs: number;
  /** Retry-After, seconds, on the 503 a page gets when the token endpoint is unreachable. */
  unavailableRetryAfterSeconds: number;
}

/** The defaults: the API under `/api/` and the token endpoints under `/auth/`, both on `origin`. */
export function defaultConfig(origin: string): BrokerConfig {
  return validateConfig({
    allowlist: [{ origin, pathPrefix: '/api/' }],
    endpoints: {
      login: `${origin}/auth/login`,
      refresh: `${origin}/auth/refresh`,
      logout: `${origin}/auth/logout`,
    },
    authScope: { origin, pathPrefix: '/auth/' },
    maxRefreshSkewMs: 30_000,
    authTimeoutMs: 10_000,
    unavailableRetryAfterSeconds: 5,
  });
}

function validateRule(rule: AllowRule, what: string): void {
  let parsed: URL;
  try {
    parsed = new URL(rule.origin);
  } catch {
    throw new TypeError(`${what}: "${rule.origin}" is not an origin`);
  }
  if (parsed.origin !== rule.origin || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new TypeError(`${what}: "${rule.origin}" must be exactly an http(s) origin, like https://api.example.com`);
  }
  if (!rule.pathPrefix.startsWith('/') || !rule.pathPrefix.endsWith('/')) {
    throw new TypeError(`${what}: path prefix "${rule.pathPrefix}" must start and end with "/"`);
  }
  if (new URL(rule.pathPrefix, rule.origin).pathname !== rule.pathPrefix) {
    throw new TypeError(`${what}: path prefix "${rule.pathPrefix}" must be a normalized, unencoded path`);
  }
}

/** Checks a configuration at start-up and throws a TypeError naming the first mistake. */
export function validateConfig(config: BrokerConfig): BrokerConfig {
  if (config.allowlist.length === 0) throw new TypeError('allowlist: at least one rule is needed');
  config.allowlist.forEach((rule, index) => validateRule(rule, `allowlist[${index}]`));
  validateRule(config.authScope, 'authScope');
  for (const [name, url] of Object.entries(config.endpoints)) {
    if (!URL.canParse(url)) throw new TypeError(`endpoints.${name}: "${url}" is not an absolute URL`);
  }
  for (const name of ['maxRefreshSkewMs', 'authTimeoutMs', 'unavailableRetryAfterSeconds'] as const) {
    if (!Number.isFinite(config[name]) || config[name] <= 0) throw new TypeError(`${name} must be a positive number`);
  }
  return Object.freeze({ ...config, allowlist: Object.freeze([...config.allowlist]) });
}
