// The Service Worker Static Routing API (`InstallEvent.addRoutes`, https://w3c.github.io/ServiceWorker/#dom-installevent-addroutes,
// Chromium 123+) is not in TypeScript's WebWorker library. These are the parts of it the broker uses.

/**
 * Where a request that matches a rule is answered from: the worker's `fetch` listener, or the network
 * without the worker (the API also has `cache` and `race-network-and-fetch-handler`).
 */
export type RouterSource = 'fetch-event' | 'network';

/**
 * What a request must match; every field given must. A `urlPattern` dictionary is completed from the
 * worker's URL for the fields it leaves out, so the broker always gives protocol, hostname, port,
 * pathname, search and hash. (The API also has `or`, `not`, `requestMethod`, `requestDestination`
 * and `runningStatus`.)
 */
export interface RouterCondition {
  readonly urlPattern?: URLPatternInit;
  readonly requestMode?: RequestMode;
}

/** One rule; the first that matches a request decides, and a request no rule matches goes to the `fetch` listener. */
export interface RouterRule {
  readonly condition: RouterCondition;
  readonly source: RouterSource;
}

/** The install event, with `addRoutes` where the browser has static routing. */
export type RoutableInstallEvent = ExtendableEvent & {
  addRoutes?: (rules: RouterRule[]) => Promise<void>;
};
