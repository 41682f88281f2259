import { createStore, get, set, type UseStore } from 'idb-keyval';
import type { CookieStore } from './cookie-jar.ts';
import type { StateStore } from './persist-state.ts';

/** An idb-keyval store of its own database, opened on first use (idb-keyval makes one object store per database). */
function lazyStore(database: string, store: string): () => UseStore {
  let opened: UseStore | undefined;
  return () => (opened ??= createStore(database, store));
}

/** The in-browser API's state in IndexedDB: database `in-browser-api`, one record. */
export function idbStateStore(): StateStore {
  const open = lazyStore('in-browser-api', 'state');
  return {
    load: () => get('services', open()),
    save: (snapshot) => set('services', snapshot, open()),
  };
}

/** The in-browser API's cookie jar in IndexedDB: database `in-browser-api-cookies`, one record. */
export function idbCookieStore(): CookieStore {
  const open = lazyStore('in-browser-api-cookies', 'cookies');
  return {
    load: () => get('cookies', open()),
    save: (cookies) => set('cookies', cookies, open()),
  };
}
