import { createStore, del, get, set } from 'idb-keyval';
import { isUser, type User } from './protocol';

/**
 * What survives a worker restart: who is signed in and until when the last access token was
 * good. Never a token (IndexedDB is shared with every page of the origin).
 */
export interface StoredSession {
  user: User;
  accessExpiresAt?: number;
}

/** Where the broker keeps its StoredSession; idb-keyval in the worker, a Map in tests. */
export interface SessionStore {
  load(): Promise<StoredSession | undefined>;
  save(session: StoredSession): Promise<void>;
  clear(): Promise<void>;
}

const KEY = 'session';

/** Validates what was read back: a damaged or foreign record counts as no session. */
export function parseStoredSession(value: unknown): StoredSession | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { user, accessExpiresAt } = value as Record<string, unknown>;
  if (!isUser(user)) return undefined;
  return typeof accessExpiresAt === 'number' && Number.isFinite(accessExpiresAt) ? { user, accessExpiresAt } : { user };
}

/** The worker's store: one record in its own IndexedDB database through idb-keyval. */
export function createIdbSessionStore(dbName = 'token-broker', storeName = 'session'): SessionStore {
  const store = createStore(dbName, storeName);
  return {
    load: async () => parseStoredSession(await get(KEY, store)),
    save: (session) => set(KEY, { user: session.user, accessExpiresAt: session.accessExpiresAt }, store),
    clear: () => del(KEY, store),
  };
}
