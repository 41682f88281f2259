import { isPlainObject, type DropReason, type DroppedWrite, type QueuedWrite } from '../../protocol.ts';

/**
 * A queued write as kept in IndexedDB: the page's request as the page made it, before the worker
 * added anything, and whose it was. Never a token: IndexedDB is shared with every page of the origin.
 */
export interface StoredWrite {
  id: string;
  /** Whose write it is (see `ownerOf`): it is only ever sent for that user. */
  owner: string;
  method: string;
  url: string;
  /** The page's headers, minus every credential header. */
  headers: [string, string][];
  body: ArrayBuffer | undefined;
  credentials: RequestCredentials;
  queuedAt: number;
}

// The worker adds Authorization and DPoP itself when it sends; a stored copy of either would be
// a token (or a proof) readable by any page of the origin. Cookies never reach a request object.
const NEVER_STORED = new Set(['authorization', 'dpop', 'proxy-authorization', 'cookie']);
const CREDENTIALS: readonly string[] = ['omit', 'same-origin', 'include'];

/**
 * Who a queued write belongs to: the user's `id` (or `sub`) when it has one, else the whole
 * user as the broker's `parseUser` gave it. Compared with the session when the write is sent.
 */
export function ownerOf(user: unknown): string {
  if (isPlainObject(user)) {
    for (const key of ['id', 'sub']) {
      const value = user[key];
      if (typeof value === 'string' || typeof value === 'number') return `${key}:${String(value)}`;
    }
  }
  return `user:${JSON.stringify(user)}`;
}

/** The page's request (whose body was read into `body`) as a StoredWrite, without credentials. */
export function captureWrite(request: Request, body: ArrayBuffer | undefined, owner: string, id: string, now: number): StoredWrite {
  const headers: [string, string][] = [];
  request.headers.forEach((value, name) => {
    if (!NEVER_STORED.has(name.toLowerCase())) headers.push([name, value]);
  });
  return { id, owner, method: request.method, url: request.url, headers, body, credentials: request.credentials, queuedAt: now };
}

/** The request to send again, as the page made it; the broker adds the token and proof. */
export function replayRequest(write: StoredWrite): Request {
  const init: RequestInit = { method: write.method, headers: write.headers, credentials: write.credentials };
  if (write.body !== undefined) init.body = write.body;
  return new Request(write.url, init);
}

/** What pages may see of a stored write. */
export function describeWrite(write: StoredWrite): QueuedWrite {
  const body = write.body === undefined ? '' : new TextDecoder().decode(write.body);
  return { id: write.id, method: write.method, url: write.url, body, queuedAt: write.queuedAt };
}

/** A stored write as a notice that it was dropped; another user's write is named without its body. */
export function droppedWrite(write: StoredWrite, reason: DropReason, status?: number): DroppedWrite {
  const { body, ...rest } = describeWrite(write);
  return { ...rest, ...(reason === 'other-user' ? {} : { body }), reason, ...(status === undefined ? {} : { status }) };
}

function isHeaderList(value: unknown): value is [string, string][] {
  return (
    Array.isArray(value) &&
    value.every(
      (pair) =>
        Array.isArray(pair) &&
        pair.length === 2 &&
        typeof pair[0] === 'string' &&
        typeof pair[1] === 'string' &&
        !NEVER_STORED.has(pair[0].toLowerCase()),
    )
  );
}

function parseStoredWrite(value: unknown): StoredWrite | undefined {
  if (!isPlainObject(value)) return undefined;
  const { id, owner, method, url, headers, body, credentials, queuedAt } = value;
  if (typeof id !== 'string' || typeof owner !== 'string' || typeof method !== 'string' || typeof url !== 'string') return undefined;
  if (!isHeaderList(headers) || (body !== undefined && !(body instanceof ArrayBuffer))) return undefined;
  if (typeof credentials !== 'string' || !CREDENTIALS.includes(credentials)) return undefined;
  if (typeof queuedAt !== 'number' || !Number.isFinite(queuedAt) || !URL.canParse(url)) return undefined;
  return { id, owner, method, url, headers, body, credentials: credentials as RequestCredentials, queuedAt };
}

/**
 * Reads the stored list back. IndexedDB is writable by every page of the origin, so each entry is
 * checked like any untrusted input; what does not pass is left out (and so removed by the next write).
 */
export function parseStoredWrites(value: unknown): { writes: StoredWrite[]; discarded: number } {
  if (!Array.isArray(value)) return { writes: [], discarded: value === undefined ? 0 : 1 };
  const writes = value.map(parseStoredWrite).filter((write): write is StoredWrite => write !== undefined);
  return { writes, discarded: value.length - writes.length };
}
