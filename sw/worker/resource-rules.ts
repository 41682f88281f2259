import { isPlainObject } from '../protocol.ts';
import { matchesRule, parseUrlRule, type UrlRule } from './url-rules.ts';

/** An allowlist entry whose requests need an access token for one RFC 8707 resource (its audience). */
export interface ResourceEntry {
  /** An exact URL or a prefix ending in `/`, as a plain allowlist entry. */
  url: string;
  /** The resource indicator the token is asked for, an absolute URI (RFC 8707 2). */
  resource: string;
}

/** The allowlist resolved: its rules, the resources they name, and which token a URL gets. */
export interface ResolvedAllowlist {
  readonly rules: readonly UrlRule[];
  /** Every resource a rule names, besides the session's own token's. */
  readonly resources: readonly string[];
  /** The resource whose token a URL gets (its most specific rule's), or `''`: the session's own token. */
  readonly resourceOf: (url: URL) => string;
}

function resourceOfEntry(value: Record<string, unknown>, what: string): string {
  const resource = value.resource;
  let url: URL | undefined;
  try {
    url = typeof resource === 'string' ? new URL(resource) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || typeof resource !== 'string' || resource.includes('#'))
    throw new TypeError(`${what}.resource must be an absolute URI without a fragment (RFC 8707), got ${JSON.stringify(resource)}`);
  return resource;
}

/**
 * Parses allowlist entries: URL strings, or `{ url, resource }` where the adapter asks for one
 * token per resource (`perResource`; else a TypeError). A resource equal to `sessionResource`
 * (the adapter's own) is the session's token.
 */
export function parseAllowlist(
  values: readonly unknown[],
  origin: string,
  perResource: boolean,
  sessionResource: string | undefined,
): ResolvedAllowlist {
  const named: { rule: UrlRule; resource: string }[] = [];
  const rules = values.map((value, index) => {
    const what = `allowlist[${index}]`;
    if (!isPlainObject(value)) return parseUrlRule(value, origin, what);
    const keys = Object.keys(value);
    if (keys.some((key) => key !== 'url' && key !== 'resource')) throw new TypeError(`${what} takes only url and resource`);
    if (!perResource) throw new TypeError(`${what}.resource needs an adapter that asks for a token per resource (oidc)`);
    const rule = parseUrlRule(value.url, origin, `${what}.url`);
    const resource = resourceOfEntry(value, what);
    if (resource !== sessionResource) named.push({ rule, resource });
    return rule;
  });
  return {
    rules,
    resources: [...new Set(named.map((entry) => entry.resource))],
    resourceOf(url) {
      if (named.length === 0) return '';
      // The most specific rule decides: `/api/v2/` with a resource inside `/api/` without one.
      const best = rules.filter((rule) => matchesRule(rule, url)).sort((a, b) => b.path.length - a.path.length)[0];
      return named.find((entry) => entry.rule === best)?.resource ?? '';
    },
  };
}
