import { isClaimMessage, isSkipWaitingMessage, type Session, type SessionChangedMessage } from '../protocol.ts';
import { answer } from './answer.ts';
import type { TokenBroker } from './token-broker.ts';

/** What `install` wires; everything is on unless turned off. */
export interface InstallOptions {
  /** Answer the broker's requests from a `fetch` listener. `false` when you route with Workbox (`broker.match`, `broker.handle`). */
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
}

const isPrecache = (name: string): boolean => name.includes('precache');

/**
 * The one function that touches the service-worker global: the fetch listener (token for
 * allowlisted requests, 403 for pages calling the token endpoints), the message listener (the
 * page protocol, same-origin windows only), `clients.claim()`, `session-changed` broadcasts and
 * the cache purge on sign-out.
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
  broker.attach({
    broadcast: (session: Session<User>) => {
      const message: SessionChangedMessage<User> = { type: 'session-changed', session };
      void scope.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((clients) => {
        for (const client of clients) client.postMessage(message);
      });
    },
    purge: async () => {
      const names = await scope.caches.keys();
      await Promise.all(names.filter((name) => !keepCache(name)).map((name) => scope.caches.delete(name)));
    },
  });

  if (options.fetch !== false) {
    scope.addEventListener('fetch', (event) => {
      const response = broker.route(event.request);
      if (response) event.respondWith(response);
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

  if (options.claim !== false) scope.addEventListener('activate', (event) => event.waitUntil(scope.clients.claim()));
  return broker;
}
