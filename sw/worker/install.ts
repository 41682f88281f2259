import { isClaimMessage, isSkipWaitingMessage, type Session, type SessionChangedMessage, type WritesChangedMessage } from '../protocol.ts';
import { answer } from './answer.ts';
import type { TokenBroker } from './token-broker.ts';

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
}

const isPrecache = (name: string): boolean => name.includes('precache');

/** The Background Sync tag under which queued writes ask to be replayed. */
export const SYNC_TAG = 'token-broker-offline-writes';

// Background Sync is not in TypeScript's WebWorker library (it is a WICG draft, Chromium only).
type SyncRegistration = ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } };
type SyncEvent = ExtendableEvent & { tag?: string };

/**
 * The one function that touches the service-worker global: the fetch listener (token for
 * allowlisted requests, 403 for pages calling the token endpoints), the message listener (the
 * page protocol, same-origin windows only), `clients.claim()`, `session-changed` and
 * `writes-changed` broadcasts, the cache purge on sign-out and, for queued writes, Background Sync.
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

  if (options.claim !== false) scope.addEventListener('activate', (event) => event.waitUntil(scope.clients.claim()));
  // While the worker script still runs: a worker woken by a request reads its session meanwhile.
  broker.warm();
  return broker;
}
