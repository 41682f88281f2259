import type { BrokerConfig } from './options.ts';
import type { RouterRule } from './static-routing-api.ts';
import type { UrlRule } from './url-rules.ts';

/**
 * The most rules one worker can register. Chromium refuses 256 or more, counted over all of a
 * worker's `addRoutes` calls (`kServiceWorkerMaxRouterSize` in blink's
 * service_worker_router_rule.h: "Too many router rules."). The spec's limits, 1024 conditions and
 * a nesting depth of 10 (w3c/ServiceWorker#1752), are not reached first: each rule here is one
 * condition, never nested.
 */
export const MAX_ROUTER_RULES = 255;

// URLPattern's syntax characters (https://urlpattern.spec.whatwg.org/#escape-a-pattern-string):
// a path like "/v1/items:search" or "/(legacy)/" must be matched as written.
const escapePattern = (text: string): string => text.replace(/[+*?:{}()\\]/g, '\\$&');

/** Any URL, on any origin. Every field is given: a missing one would be taken from the worker's URL. */
const ANY_URL: URLPatternInit = { protocol: '*', hostname: '*', port: '*', pathname: '*', search: '*', hash: '*' };

/** The rule's exact origin, and its exact path or everything under its prefix, with any query and fragment. */
function urlPatternOf(rule: UrlRule): URLPatternInit {
  const origin = new URL(rule.origin);
  return {
    protocol: origin.protocol.slice(0, -1),
    hostname: escapePattern(origin.hostname),
    port: origin.port,
    pathname: `${escapePattern(rule.path)}${rule.prefix ? '*' : ''}`,
    search: '*',
    hash: '*',
  };
}

/** Whether every URL under `inner` is also under `outer`. */
const covers = (outer: UrlRule, inner: UrlRule): boolean =>
  outer.origin === inner.origin && (outer.prefix ? inner.path.startsWith(outer.path) : !inner.prefix && inner.path === outer.path);

/**
 * The Static Routing API rules for a broker: its allowlist, its brokerOnly URLs and `workerHandles`
 * (what else the worker answers, e.g. its precache) go to the worker's fetch event whatever their
 * method or mode, so do navigations; anything else, on any origin, goes to the network without
 * waking the worker. Each pattern matches a superset of its rule's URLs (the broker also refuses
 * some of those, e.g. an encoded "/"; the fetch listener then leaves them to the network, as it
 * does without static routing), so the broker sees every request it must handle. A rule that
 * another already covers is left out.
 *
 * @example
 * staticRoutes(resolveOptions({ allowlist: ['/api/'] }, 'https://app.example.com'));
 * // [{ condition: { urlPattern: { protocol: 'https', hostname: 'app.example.com', port: '', pathname: '/api/*', ... } }, source: 'fetch-event' },
 * //  ... the token endpoints, { condition: { requestMode: 'navigate' }, source: 'fetch-event' }, { condition: { urlPattern: <any URL> }, source: 'network' }]
 */
export function staticRoutes(config: BrokerConfig<unknown>, workerHandles: readonly UrlRule[] = []): RouterRule[] {
  const handled = [...config.allowlist, ...config.brokerOnly, ...workerHandles];
  // Of rules that cover each other (the same rule twice), the first stays.
  const needed = handled.filter(
    (rule, index) => !handled.some((other, at) => at !== index && covers(other, rule) && (at < index || !covers(rule, other))),
  );
  return [
    ...needed.map((rule): RouterRule => ({ condition: { urlPattern: urlPatternOf(rule) }, source: 'fetch-event' })),
    { condition: { requestMode: 'navigate' }, source: 'fetch-event' },
    { condition: { urlPattern: ANY_URL }, source: 'network' },
  ];
}

/** Why Chromium would refuse these rules, or undefined when it takes them. */
export function routerLimitProblem(rules: readonly RouterRule[]): string | undefined {
  if (rules.length <= MAX_ROUTER_RULES) return undefined;
  return `${rules.length} router rules, more than the ${MAX_ROUTER_RULES} Chromium takes`;
}
