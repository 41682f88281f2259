import { get, promisifyRequest } from 'idb-keyval';
import { lazyIdbStore } from '../idb.ts';
import type { StoredWrite } from './queued-write.ts';

/** Where queued writes wait: IndexedDB through idb-keyval in the worker, a variable in tests. */
export interface QueueStore {
  /** The stored list, raw (the queue checks every entry). */
  load(): Promise<unknown>;
  /**
   * Replaces the list with what `change` makes of the stored value, in one transaction, so two
   * workers (an old and a new one during an update) never lose each other's changes; an empty
   * list leaves nothing behind. `change` is synchronous, as an IndexedDB transaction requires.
   */
  update(change: (stored: unknown) => StoredWrite[]): Promise<void>;
}

const KEY = 'offline-writes';

/** The worker's queue: one list under its own key in the broker's IndexedDB store, opened on first use. */
export function createIdbQueueStore(open = lazyIdbStore()): QueueStore {
  return {
    load: () => get(KEY, open()),
    update: (change) =>
      open()('readwrite', (store) => {
        const read = store.get(KEY);
        read.onsuccess = () => {
          const next = change(read.result);
          if (next.length > 0) store.put(next, KEY);
          else store.delete(KEY);
        };
        return promisifyRequest(store.transaction);
      }),
  };
}
