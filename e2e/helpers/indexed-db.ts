import type { Page } from '@playwright/test';

/** One object store of the page's origin, with every key and value it holds, in key order. */
export interface StoreDump {
  database: string;
  store: string;
  keys: unknown[];
  values: unknown[];
}

/**
 * Reads every object store of every IndexedDB database the page's origin has. Binary values
 * (an ArrayBuffer or a view of one, such as a queued request's body) come back as UTF-8 text, so
 * a search of the dump sees what they hold.
 */
export function dumpIndexedDb(page: Page): Promise<StoreDump[]> {
  return page.evaluate(async () => {
    const readable = (value: unknown): unknown => {
      if (value instanceof ArrayBuffer) return new TextDecoder().decode(value);
      if (ArrayBuffer.isView(value)) return new TextDecoder().decode(value);
      if (Array.isArray(value)) return value.map(readable);
      if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype)
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, readable(inner)]));
      return value;
    };
    const settle = <T>(request: IDBRequest<T>): Promise<T> =>
      new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
      });
    const dump: StoreDump[] = [];
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await settle(indexedDB.open(info.name));
      try {
        for (const store of Array.from(db.objectStoreNames)) {
          const objectStore = db.transaction(store, 'readonly').objectStore(store);
          const [keys, values] = await Promise.all([settle(objectStore.getAllKeys()), settle(objectStore.getAll())]);
          dump.push({ database: info.name, store, keys, values: values.map(readable) });
        }
      } finally {
        db.close();
      }
    }
    return dump;
  });
}
