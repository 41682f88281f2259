/** One resolved URL rule: an exact origin and an exact path, or a path prefix ending in `/`. */
export interface UrlRule {
  readonly origin: string;
  readonly path: string;
  /** True when `path` ends in `/` and everything under it matches. */
  readonly prefix: boolean;
}

// Encoded slashes, backslashes and dots can be decoded by a server or proxy into path
// separators or dot segments the URL parser never saw ("/api/..%2Fauth/refresh"), so a
// path containing them never matches a rule.
const AMBIGUOUS_ENCODING = /%(2f|5c|2e)/i;

/**
 * Parses `value` (an absolute http(s) URL, or a path starting with `/` on `origin`) into a
 * rule, or throws a TypeError that names `what` and the mistake.
 */
export function parseUrlRule(value: unknown, origin: string, what: string): UrlRule {
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`${what}: expected a URL or a path starting with "/", got ${JSON.stringify(value)}`);
  const relative = value.startsWith('/');
  if (relative && value.startsWith('//')) throw new TypeError(`${what}: "${value}" is protocol-relative; write the full URL`);
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    throw new TypeError(`${what}: "${value}" is neither an absolute URL nor a path starting with "/"`);
  }
  if (!relative && !/^https?:\/\//i.test(value))
    throw new TypeError(`${what}: "${value}" must be an http(s) URL or a path starting with "/"`);
  if (url.hostname.includes('*') || url.pathname.includes('*'))
    throw new TypeError(`${what}: "${value}" has a wildcard; list each exact origin and path instead`);
  if (url.username !== '' || url.password !== '') throw new TypeError(`${what}: "${value}" must not carry credentials`);
  if (value.includes('?') || value.includes('#')) throw new TypeError(`${what}: "${value}" must not have a query or a fragment`);
  const written = relative ? url.pathname : `${url.origin}${url.pathname}`;
  if (written !== value) throw new TypeError(`${what}: "${value}" is not in normal form; write "${written}"`);
  if (AMBIGUOUS_ENCODING.test(url.pathname)) throw new TypeError(`${what}: "${value}" has an encoded "/", "\\" or "."`);
  return Object.freeze({ origin: url.origin, path: url.pathname, prefix: url.pathname.endsWith('/') });
}

/** Whether `url` falls under `rule`: the same origin, and the exact path or a path under the prefix. */
export function matchesRule(rule: UrlRule, url: URL): boolean {
  if (url.origin !== rule.origin) return false;
  const inside = rule.prefix ? url.pathname.startsWith(rule.path) : url.pathname === rule.path;
  return inside && !AMBIGUOUS_ENCODING.test(url.pathname);
}

/** A matcher for a list of rules. */
export function createMatcher(rules: readonly UrlRule[]): (url: URL) => boolean {
  return (url) => rules.some((rule) => matchesRule(rule, url));
}

/** The rule as a URL again (for logs and messages). */
export function ruleUrl(rule: UrlRule): string {
  return `${rule.origin}${rule.path}`;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Patterns for a navigation fallback's denylist (Workbox's NavigationRoute tests them against
 * path + query): the rules on `origin`, so the app shell is never served for an API or token URL.
 */
export function navigationDenylist(rules: readonly UrlRule[], origin: string): RegExp[] {
  return rules
    .filter((rule) => rule.origin === origin)
    .map((rule) => new RegExp(`^${escapeRegExp(rule.path)}${rule.prefix ? '' : '(?:[?#]|$)'}`));
}
