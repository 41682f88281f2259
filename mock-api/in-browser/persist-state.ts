import type { MiddlewareHandler } from 'hono';
import { SAFE_METHODS, type Services } from '../app.ts';
import { snapshotOf, type ServicesSnapshot } from '../snapshot.ts';

/** Where the in-browser API keeps its state between worker starts: IndexedDB in the worker, a variable in tests. */
export interface StateStore {
  /** The stored snapshot, unchecked, or undefined. */
  load(): Promise<unknown>;
  save(snapshot: ServicesSnapshot): Promise<void>;
}

/**
 * Stores a snapshot of `services` after every request that may have changed them (every method
 * but GET, HEAD and OPTIONS), before the answer leaves: the browser may stop the worker as soon
 * as it has answered, and its memory goes with it.
 */
export function persistState(services: Services, store: StateStore): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!SAFE_METHODS.has(c.req.method)) await store.save(snapshotOf(services));
  };
}
