import type { DropReason, DroppedWrite, QueuedWrite } from '../../protocol.ts';
import type { Log } from '../log.ts';
import { SingleFlight } from '../single-flight.ts';
import type { QueueStore } from './queue-store.ts';
import { captureWrite, describeWrite, droppedWrite, parseStoredWrites, replayRequest, type StoredWrite } from './queued-write.ts';

/** What a replay of one write came to: the server's answer, or why there was none. */
export type SendOutcome =
  | Response
  /** Nothing reached the server (offline, token endpoint unreachable): keep it and stop for now. */
  | 'later'
  /** The session ended while sending: whatever ended it has dealt with the queue. */
  | 'ended';

/** What the queue needs from the broker to send its writes. */
export interface ReplayContext {
  /** The signed-in user's owner key (see `ownerOf`), or undefined when nobody is signed in. */
  owner(): string | undefined;
  /** Whether the current options still queue this method and URL. */
  isQueueable(method: string, url: URL): boolean;
  /** Sends one write through the broker: the current token (refreshed if needed) and proof. */
  send(request: Request): Promise<SendOutcome>;
}

/** One replay round: what was sent, what was dropped, and whether some had to stay for later. */
export interface ReplayReport {
  sent: QueuedWrite[];
  dropped: DroppedWrite[];
  /** True when the network (or the token endpoint) failed and writes are still waiting. */
  retryLater: boolean;
}

/** The most writes that may wait at once: a page cannot fill the origin's storage through the queue. */
export const MAX_QUEUED_WRITES = 100;
/** The largest body a queued write may have, bytes; a bigger write fails as it would without the queue. */
export const MAX_QUEUED_BODY_BYTES = 64 * 1024;

/**
 * Writes that failed on the network, kept in order until they can be sent: each as the page made
 * it (never a token), with the user it belongs to. A replay sends them one at a time, oldest
 * first; a server answer ends an entry (2xx/3xx sent, 4xx/5xx dropped), a network failure keeps
 * it and everything after it.
 */
export class OfflineQueue {
  readonly #store: QueueStore;
  readonly #log: Log;
  readonly #replay = new SingleFlight<ReplayReport>();
  /** Whether the store held anything when last seen; unknown (undefined) until it is read. */
  #nonEmpty: boolean | undefined;

  constructor(store: QueueStore, log: Log) {
    this.#store = store;
    this.#log = log;
  }

  /** False only when the queue is known to be empty, so the request path needs no IndexedDB read. */
  get maybePending(): boolean {
    return this.#nonEmpty !== false;
  }

  /** Whether any write waits, whoever it belongs to. */
  async hasEntries(): Promise<boolean> {
    if (this.#nonEmpty === false) return false;
    return (await this.#entries()).length > 0;
  }

  /** Queues a page's request (its body already read) for `owner`; returns it and the owner's queue after it. */
  async add(
    request: Request,
    body: ArrayBuffer | undefined,
    owner: string,
    now: number,
  ): Promise<{ write: QueuedWrite; pending: QueuedWrite[] }> {
    if ((body?.byteLength ?? 0) > MAX_QUEUED_BODY_BYTES)
      throw new RangeError(`its body is larger than ${MAX_QUEUED_BODY_BYTES} bytes, the most a queued write may carry`);
    const write = captureWrite(request, body, owner, crypto.randomUUID(), now);
    const all = await this.#change((entries) => {
      if (entries.length >= MAX_QUEUED_WRITES) throw new RangeError(`${MAX_QUEUED_WRITES} writes already wait, the most the queue holds`);
      return [...entries, write];
    });
    return { write: describeWrite(write), pending: mine(all, owner) };
  }

  /** The writes waiting for `owner`, oldest first. */
  async pending(owner: string | undefined): Promise<QueuedWrite[]> {
    return owner === undefined ? [] : mine(await this.#entries(), owner);
  }

  /** Drops every write that is not `keepOwner`'s (every write, without one), and says which. */
  async drop(reason: DropReason, keepOwner?: string): Promise<DroppedWrite[]> {
    if (this.#nonEmpty === false) return [];
    let dropped: StoredWrite[] = [];
    await this.#change((entries) => {
      dropped = entries.filter((entry) => entry.owner !== keepOwner);
      return entries.filter((entry) => entry.owner === keepOwner);
    });
    return dropped.map((entry) => droppedWrite(entry, reason));
  }

  /** Sends what waits, one at a time and in order; concurrent callers share one round. */
  replay(context: ReplayContext): Promise<ReplayReport> {
    return this.#replay.run(() => this.#round(context));
  }

  async #round(context: ReplayContext): Promise<ReplayReport> {
    const report: ReplayReport = { sent: [], dropped: [], retryLater: false };
    // The head is read again each time: a write queued during the round joins it at the end.
    for (let entry = (await this.#entries())[0]; entry; entry = (await this.#entries())[0]) {
      const owner = context.owner();
      const reason: DropReason | undefined =
        owner === undefined
          ? 'session-ended'
          : entry.owner !== owner
            ? 'other-user'
            : context.isQueueable(entry.method, new URL(entry.url))
              ? undefined
              : 'not-queueable';
      if (reason) {
        await this.#remove(entry.id);
        report.dropped.push(droppedWrite(entry, reason));
        continue;
      }
      const outcome = await context.send(replayRequest(entry));
      if (outcome === 'later') {
        report.retryLater = true;
        break;
      }
      if (outcome === 'ended' || context.owner() !== owner) break;
      await this.#remove(entry.id);
      if (outcome.status < 400) report.sent.push(describeWrite(entry));
      else report.dropped.push(droppedWrite(entry, 'refused', outcome.status));
    }
    return report;
  }

  #remove(id: string): Promise<StoredWrite[]> {
    return this.#change((entries) => entries.filter((entry) => entry.id !== id));
  }

  async #entries(): Promise<StoredWrite[]> {
    const entries = this.#parse(await this.#store.load());
    this.#nonEmpty = entries.length > 0;
    return entries;
  }

  /** Applies `change` to the stored list in one transaction; resolves with the list as written. */
  async #change(change: (entries: StoredWrite[]) => StoredWrite[]): Promise<StoredWrite[]> {
    let written: StoredWrite[] = [];
    await this.#store.update((stored) => (written = change(this.#parse(stored))));
    this.#nonEmpty = written.length > 0;
    return written;
  }

  #parse(stored: unknown): StoredWrite[] {
    const { writes, discarded } = parseStoredWrites(stored);
    if (discarded > 0) this.#log(`${discarded} malformed queued write(s) were discarded`);
    return writes;
  }
}

function mine(entries: StoredWrite[], owner: string): QueuedWrite[] {
  return entries.filter((entry) => entry.owner === owner).map(describeWrite);
}
