import { matchesRule, parseUrlRule, type UrlRule } from '../url-rules.ts';

/** One `offlineQueue` entry resolved: a method and the URL rule it applies to. */
export interface QueueRule {
  readonly method: string;
  readonly url: UrlRule;
}

// Reads are answered from the network or not at all; only writes are worth keeping for later.
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Parses `"POST /api/todos"` (a write method, a space, then a URL or path as in the allowlist)
 * into a rule, or throws a TypeError that names `what` and the mistake.
 */
export function parseQueueRule(value: unknown, origin: string, what: string): QueueRule {
  if (typeof value !== 'string')
    throw new TypeError(`${what}: expected "METHOD url", e.g. "POST /api/todos", got ${JSON.stringify(value)}`);
  const [method = '', url, ...rest] = value.split(' ');
  if (url === undefined || rest.length > 0)
    throw new TypeError(`${what}: "${value}" must be a method, one space and a URL, e.g. "POST /api/todos"`);
  if (!WRITE_METHODS.includes(method))
    throw new TypeError(`${what}: "${method}" is not one of ${WRITE_METHODS.join(', ')} (only writes are queued)`);
  return Object.freeze({ method, url: parseUrlRule(url, origin, what) });
}

/** A matcher for a list of rules: whether a request's method and URL may be queued. */
export function createQueueMatcher(rules: readonly QueueRule[]): (method: string, url: URL) => boolean {
  return (method, url) => rules.some((rule) => rule.method === method && matchesRule(rule.url, url));
}
