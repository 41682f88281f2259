import type { Page } from '@playwright/test';
import type { IdbRecord } from '../../mock-api/in-browser/idb-stores.ts';

/**
 * Reads one IndexedDB record of the page's origin, as JSON (CryptoKeys left out), or undefined
 * when the database, store or record does not exist (a missing database is not created).
 */
export function readRecord(page: Page, record: IdbRecord): Promise<unknown> {
  return page.evaluate(async ({ database, store, key }) => {
    const db = await new Promise<IDBDatabase | undefined>((resolve, reject) => {
      const request = indexedDB.open(database);
      // The database does not exist: take nothing of it, and leave nothing behind for the worker.
      request.onupgradeneeded = () => request.transaction?.abort();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () =>
        request.error?.name === 'AbortError' ? resolve(undefined) : reject(request.error ?? new Error('open failed'));
    });
    if (!db) return undefined;
    try {
      if (!db.objectStoreNames.contains(store)) return undefined;
      const value = await new Promise<unknown>((resolve, reject) => {
        const request = db.transaction(store, 'readonly').objectStore(store).get(key);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error ?? new Error('get failed'));
      });
      const text = JSON.stringify(value, (_, member: unknown) => (member instanceof CryptoKey ? undefined : member));
      return text === undefined ? undefined : (JSON.parse(text) as unknown);
    } finally {
      db.close();
    }
  }, record);
}

/** Writes one IndexedDB record of the page's origin; its database and store must exist. */
export function writeRecord(page: Page, record: IdbRecord, value: unknown): Promise<void> {
  return page.evaluate(
    async ({ record: { database, store, key }, value }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(database);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error ?? new Error('open failed'));
      });
      try {
        await new Promise<void>((resolve, reject) => {
          const transaction = db.transaction(store, 'readwrite');
          transaction.objectStore(store).put(value, key);
          transaction.oncomplete = () => resolve();
          transaction.onerror = () => reject(transaction.error ?? new Error('put failed'));
        });
      } finally {
        db.close();
      }
    },
    { record, value },
  );
}
