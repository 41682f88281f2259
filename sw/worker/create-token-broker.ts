import type { UserRecord } from '../protocol.ts';
import { installBroker, type InstallOptions } from './install.ts';
import { consoleLog, silentLog } from './log.ts';
import { resolveOptions, type TokenBrokerOptions } from './options.ts';
import { createDpop } from './dpop/dpop.ts';
import { createIdbKeyStore } from './dpop/key-store.ts';
import { createIdbAdapterStore } from './adapter-store.ts';
import { lazyIdbStore } from './idb.ts';
import { createIdbQueueStore } from './offline-queue/queue-store.ts';
import { createIdbSessionStore } from './session-store.ts';
import { TokenBroker, type BrokerDeps } from './token-broker.ts';

/** A TokenBroker that can wire itself into a service worker. */
export class ServiceWorkerTokenBroker<User = UserRecord> extends TokenBroker<User> {
  /** Wires the broker into the service worker: fetch, message and activate listeners (see InstallOptions). */
  install(scope: ServiceWorkerGlobalScope, options?: InstallOptions): this {
    installBroker(this, scope, options);
    return this;
  }
}

/**
 * Sets a broker up from one options object, checked at once (a TypeError names the mistake),
 * with the worker's defaults: `fetch`, `Date`, IndexedDB through idb-keyval for the session, the
 * offline queue and a redirect adapter's records (never a token usable elsewhere), Web Locks and `navigator.onLine`. Importing registers nothing; `install(self)` does.
 *
 * @example
 * import { createTokenBroker, cookieSession } from 'sw-token-broker/worker';
 * declare const self: ServiceWorkerGlobalScope;
 * createTokenBroker({ adapter: cookieSession(), allowlist: ['/api/'] }).install(self);
 */
export function createTokenBroker<User = UserRecord>(
  options: TokenBrokerOptions<User> = {},
  deps: Partial<BrokerDeps<User>> = {},
): ServiceWorkerTokenBroker<User> {
  const config = resolveOptions(options, options.origin ?? globalThis.location?.origin);
  const navigator = globalThis.navigator as WorkerNavigator | undefined;
  const idb = lazyIdbStore();
  return new ServiceWorkerTokenBroker<User>(config, {
    transport: (request) => fetch(request),
    clock: Date,
    store: createIdbSessionStore(idb),
    queueStore: createIdbQueueStore(idb),
    adapterStore: createIdbAdapterStore(idb),
    log: options.log === false ? silentLog : (options.log ?? consoleLog),
    lock: (task, signal) => (navigator?.locks ? navigator.locks.request('token-broker-refresh', { signal }, task) : task()),
    online: () => navigator?.onLine !== false,
    ...(config.dpop ? { dpop: createDpop({ store: createIdbKeyStore(idb), clock: Date }) } : {}),
    ...deps,
  });
}
