import { get, promisifyRequest } from 'idb-keyval';
import { lazyIdbStore } from './idb.ts';

/**
 * Where an adapter keeps its own records between worker starts (the `oidc` preset: sign-ins
 * waiting for the provider, a refresh token bound to the DPoP key): IndexedDB in the worker, a Map
 * in tests. Pages of the origin can read IndexedDB, so nothing usable elsewhere may go there.
 */
export interface AdapterStore {
  /** The raw value under `key` (the adapter checks it), or undefined. */
  get(key: string): Promise<unknown>;
  /**
   * Replaces the value under `key` with what `change` makes of it, in one transaction, so two
   * workers never both take the same record; `undefined` deletes it. `change` is synchronous, as
   * an IndexedDB transaction requires.
   */
  update(key: string, change: (stored: unknown) => unknown): Promise<void>;
}

/** The worker's adapter store: keys in the broker's IndexedDB store through idb-keyval, opened on first use. */
export function createIdbAdapterStore(open = lazyIdbStore()): AdapterStore {
  return {
    get: (key) => get(key, open()),
    update: (key, change) =>
      open()('readwrite', (store) => {
        const read = store.get(key);
        read.onsuccess = () => {
          const next = change(read.result);
          if (next === undefined) store.delete(key);
          else store.put(next, key);
        };
        return promisifyRequest(store.transaction);
      }),
  };
}

/** An adapter store in a Map, structured-cloned as IndexedDB would: for tests, and for a broker given no store (nothing outlives it). */
export function createMemoryAdapterStore(): AdapterStore {
  const map = new Map<string, unknown>();
  return {
    get: async (key) => structuredClone(map.get(key)),
    update: async (key, change) => {
      const next = change(structuredClone(map.get(key)));
      if (next === undefined) map.delete(key);
      else map.set(key, structuredClone(next));
    },
  };
}
