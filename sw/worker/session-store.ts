import { del, get, set } from 'idb-keyval';
import { isPlainObject, type UserParser } from '../protocol.ts';
import { lazyIdbStore } from './idb.ts';

/**
 * What survives a worker restart: who is signed in and until when the last access token was
 * good. Never a token (IndexedDB is shared with every page of the origin).
 */
export interface StoredSession<User> {
  user: User;
  accessExpiresAt?: number;
}

/** Where the broker keeps its StoredSession: idb-keyval in the worker, a Map in tests. */
export interface SessionStore {
  /** The raw record (the broker validates it), or undefined. */
  load(): Promise<unknown>;
  save(session: StoredSession<unknown>): Promise<void>;
  clear(): Promise<void>;
}

const KEY = 'session';

/** Validates what was read back: a damaged or foreign record counts as no session. */
export function parseStoredSession<User>(value: unknown, parseUser: UserParser<User>): StoredSession<User> | undefined {
  if (!isPlainObject(value)) return undefined;
  const user = parseUser(value.user);
  if (user === undefined) return undefined;
  const expiresAt = value.accessExpiresAt;
  return typeof expiresAt === 'number' && Number.isFinite(expiresAt) ? { user, accessExpiresAt: expiresAt } : { user };
}

/** The worker's store: one record in its own IndexedDB database through idb-keyval, opened on first use. */
export function createIdbSessionStore(open = lazyIdbStore()): SessionStore {
  return {
    load: () => get(KEY, open()),
    save: (session) => set(KEY, { user: session.user, accessExpiresAt: session.accessExpiresAt }, open()),
    clear: () => del(KEY, open()),
  };
}
