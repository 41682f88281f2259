import { createStore, get, set, type UseStore } from 'idb-keyval';
import type { CookieStore } from './cookie-jar.ts';
import type { StateStore } from './persist-state.ts';

/** Where one record lives in IndexedDB: its database, object store and key. */
export interface IdbRecord {
  database: string;
  store: string;
  key: string;
}

/** The in-browser API's state (a ServicesSnapshot). */
export const STATE_RECORD: IdbRecord = { database: 'in-browser-api', store: 'state', key: 'services' };
/** The in-browser API's cookie jar (StoredCookie[]), in a database of its own. */
export const COOKIE_RECORD: IdbRecord = { database: 'in-browser-api-cookies', store: 'cookies', key: 'cookies' };

/** One record through idb-keyval, its database opened on first use (idb-keyval makes one object store per database). */
function idbRecord<T>({ database, store, key }: IdbRecord): { load(): Promise<unknown>; save(value: T): Promise<void> } {
  let opened: UseStore | undefined;
  const open = (): UseStore => (opened ??= createStore(database, store));
  return { load: () => get(key, open()), save: (value) => set(key, value, open()) };
}

/** The in-browser API's state in IndexedDB. */
export const idbStateStore = (): StateStore => idbRecord(STATE_RECORD);

/** The in-browser API's cookie jar in IndexedDB. */
export const idbCookieStore = (): CookieStore => idbRecord(COOKIE_RECORD);
