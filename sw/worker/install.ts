import { isClaimMessage, isSkipWaitingMessage, type Session, type SessionChangedMessage, type WritesChangedMessage } from '../protocol.ts';
import { answer } from './answer.ts';
import type { RoutableInstallEvent, RouterRule } from './static-routing-api.ts';
import { routerLimitProblem, staticRoutes } from './static-routes.ts';
import type { TokenBroker } from './token-broker.ts';
import { parseUrlRule } from './url-rules.ts';

/** What `install` wires; everything is on unless turned off. */
export interface InstallOptions {
  /**
   * Answer the broker's requests from a `fetch` listener, ahead of the fetch listeners added after
   * it (install before a router's routes and they never see the broker's requests). `false` when
   * you route with Workbox (`broker.match`, `broker.handle`).
   */
  fetch?: boolean;
  /**
   * Take control of open pages on activation (`clients.claim()`), so a first visit is protected
   * without a reload, and of a page that asks (`{ type: 'CLAIM' }`, after a hard reload).
   */
  claim?: boolean;
  /** Activate a waiting worker when a page posts `{ type: 'SKIP_WAITING' }` (Workbox's update convention). */
  skipWaitingMessage?: boolean;
  /** Which caches survive a sign-out; any other could hold user data. Default: Workbox precaches (names containing "precache"). */
  keepCache?: (name: string) => boolean;
  /** Replay queued writes (`offlineQueue`, when it lists any) on a Background Sync event, where the browser has it. */
  backgroundSync?: boolean;
  /**
   * Static routing (the Service Worker Static Routing API, `InstallEvent.addRoutes`; Chromium 123+,
   * ignored where the browser lacks it): on install, tell the browser which requests this worker
   * must see, so that the others never wake it. The worker keeps every request under the allowlist
   * and brokerOnly (the token, the 403), every navigation, and the URLs in `workerHandles`; anything
   * else, on any origin, goes straight to the network. List in `workerHandles` everything else your
   * worker answers (precached files, runtime caching), as exact URLs or prefixes ending in `/`
   * (the allowlist's syntax; paths are on the worker's origin). If the browser refuses the rules
   * (too many: Chromium takes 255), the worker logs one line and handles every request, as without
   * static routing; the install goes on. `true`: on, with no `workerHandles`. Default: off, since
   * with it on, whatever else your worker answers and is not listed goes to the network instead.
   *
   * @example
   * broker.install(self, { staticRouting: { workerHandles: ['/index.html', '/assets/'] } });
   */
  staticRouting?: boolean | { workerHandles?: readonly string[] };
}

const isPrecache = (name: string): boolean => name.includes('precache');

/** The router rules that `staticRouting` asks for, checked at once (a TypeError names the mistake); undefined when it is off. */
function routerRules<User>(broker: TokenBroker<User>, option: InstallOptions['staticRouting']): RouterRule[] | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (typeof option !== 'object' || option === null))
    throw new TypeError('staticRouting must be true, false or { workerHandles: [...] }');
  const handles: unknown = option === true ? [] : (option.workerHandles ?? []);
  if (!Array.isArray(handles)) throw new TypeError('staticRouting.workerHandles must be an array of URLs or paths');
  const origin = broker.config.origin;
  return staticRoutes(
    broker.config,
    handles.map((value: unknown, index) => parseUrlRule(value, origin, `staticRouting.workerHandles[${index}]`)),
  );
}

/** Registers the rules on the install event where the browser can; a refusal is logged and never fails the install. */
function addRoutes(event: RoutableInstallEvent, rules: RouterRule[], log: (line: string) => void): void {
  const add = event.addRoutes;
  if (typeof add !== 'function') return;
  const off = 'static routing is off, every request goes through the worker';
  const problem = routerLimitProblem(rules);
  if (problem) return log(`${off}: ${problem}`);
  // The executor runs at once, so addRoutes is called while the event is dispatched; a throw becomes a rejection.
  const added = new Promise<void>((resolve) => resolve(add.call(event, rules)));
  event.waitUntil(added.catch((error: unknown) => log(`${off}: addRoutes refused the rules (${String(error)})`)));
}

/** The Background Sync tag under which queued writes ask to be replayed. */
export const SYNC_TAG = 'token-broker-offline-writes';

// Background Sync is not in TypeScript's WebWorker library (it is a WICG draft, Chromium only).
type SyncRegistration = ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } };
type SyncEvent = ExtendableEvent & { tag?: string };

/**
 * The one function that touches the service-worker global: the fetch listener (token for
 * allowlisted requests, 403 for pages calling the token endpoints), the message listener (the
 * page protocol, same-origin windows only), `clients.claim()`, `session-changed` and
 * `writes-changed` broadcasts, the cache purge on sign-out, static routing on install and, for
 * queued writes, Background Sync.
 *
 * @example
 * declare const self: ServiceWorkerGlobalScope;
 * createTokenBroker({ allowlist: ['/api/'] }).install(self);
 */
export function installBroker<User>(
  broker: TokenBroker<User>,
  scope: ServiceWorkerGlobalScope,
  options: InstallOptions = {},
): TokenBroker<User> {
  const keepCache = options.keepCache ?? isPrecache;
  const rules = routerRules(broker, options.staticRouting);
  const backgroundSync = options.backgroundSync !== false && broker.config.offlineQueue.length > 0;
  const toWindows = (message: SessionChangedMessage<User> | WritesChangedMessage): void =>
    void scope.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((clients) => {
      for (const client of clients) client.postMessage(message);
    });
  broker.attach({
    broadcast: (session: Session<User>) => toWindows({ type: 'session-changed', session }),
    broadcastWrites: toWindows,
    // Without Background Sync (or permission for it) the page's `online` event and the next
    // successful API call replay the queue instead.
    ...(backgroundSync
      ? { requestSync: () => void (scope.registration as SyncRegistration).sync?.register(SYNC_TAG).catch(() => undefined) }
      : {}),
    purge: async () => {
      const names = await scope.caches.keys();
      await Promise.all(names.filter((name) => !keepCache(name)).map((name) => scope.caches.delete(name)));
    },
  });

  if (options.fetch !== false) {
    scope.addEventListener('fetch', (event) => {
      const response = broker.route(event.request);
      if (!response) return;
      event.respondWith(response);
      // Answered: fetch listeners registered after this one (a router's) need not look at it.
      event.stopImmediatePropagation();
    });
  }

  scope.addEventListener('message', (event) => {
    // Only this origin's own windows may talk to the broker.
    const source = event.source;
    if (!(source instanceof WindowClient) || new URL(source.url).origin !== scope.location.origin) return;
    if (isSkipWaitingMessage(event.data)) {
      if (options.skipWaitingMessage !== false) event.waitUntil(scope.skipWaiting());
      return;
    }
    if (isClaimMessage(event.data)) {
      if (options.claim !== false) event.waitUntil(scope.clients.claim());
      return;
    }
    const port = event.ports[0];
    if (port) event.waitUntil(answer(broker, event.data).then((reply) => port.postMessage(reply)));
  });

  if (backgroundSync) {
    scope.addEventListener('sync', (event: Event) => {
      const sync = event as SyncEvent;
      if (sync.tag !== SYNC_TAG) return;
      // A rejected sync is retried by the browser later, with backoff: reject while writes wait for
      // the network. The rejection is for the browser alone; handled here, it is not logged as an error.
      const replayed = broker.replayWrites().then(({ retryLater }) => {
        if (retryLater) throw new Error('queued writes wait for the network');
      });
      replayed.catch(() => undefined);
      sync.waitUntil(replayed);
    });
  }

  if (rules) scope.addEventListener('install', (event: RoutableInstallEvent) => addRoutes(event, rules, (line) => broker.log(line)));
  if (options.claim !== false) scope.addEventListener('activate', (event) => event.waitUntil(scope.clients.claim()));
  // While the worker script still runs: a worker woken by a request reads its session meanwhile.
  broker.warm();
  return broker;
}
