import { createStore, type UseStore } from 'idb-keyval';

/** The worker's IndexedDB store (database `token-broker`, store `session`), opened on first use. */
export function lazyIdbStore(dbName = 'token-broker', storeName = 'session'): () => UseStore {
  let store: UseStore | undefined;
  return () => (store ??= createStore(dbName, storeName));
}
