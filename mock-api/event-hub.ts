import type { Todo, TodoChangeKind } from './todos.ts';

/** How many of each user's changes the hub keeps, for a client that reconnects with Last-Event-ID. */
export const REPLAY_LOG_SIZE = 100;

/** One change as the live endpoints send it: its id (per user, increasing), what happened, and the todo. */
export interface LiveEvent {
  id: number;
  change: TodoChangeKind;
  todo: Todo;
}

/** Each user's last event id, as plain structured-cloneable data. */
export type EventHubSnapshot = [number, number][];

type Listener = (event: LiveEvent) => void;

interface UserLog {
  lastId: number;
  /** The last changes, oldest first: ids `lastId - events.length + 1` to `lastId`. */
  events: LiveEvent[];
}

/**
 * Each user's changes, numbered 1, 2, 3, ... per user and told to that user's live connections
 * as they happen. The last REPLAY_LOG_SIZE are kept, so that a client that reconnects gets
 * exactly what it missed, or learns that it cannot.
 */
export class EventHub {
  readonly #logs = new Map<number, UserLog>();
  readonly #listeners = new Map<number, Set<Listener>>();

  constructor(private readonly logSize = REPLAY_LOG_SIZE) {}

  /** Numbers a change, keeps it, and tells the user's listeners. */
  publish(userId: number, change: TodoChangeKind, todo: Todo): LiveEvent {
    const log = this.#log(userId);
    const event: LiveEvent = { id: log.lastId + 1, change, todo: { ...todo } };
    log.lastId = event.id;
    log.events.push(event);
    if (log.events.length > this.logSize) log.events.shift();
    for (const listener of [...(this.#listeners.get(userId) ?? [])]) listener(event);
    return event;
  }

  /** Calls `listener` with each of the user's changes from now on; returns the unsubscribe function. */
  subscribe(userId: number, listener: Listener): () => void {
    const listeners = this.#listeners.get(userId) ?? new Set();
    this.#listeners.set(userId, listeners.add(listener));
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(userId);
    };
  }

  /** The id of the user's last change (0 before the first). */
  lastId(userId: number): number {
    return this.#logs.get(userId)?.lastId ?? 0;
  }

  /**
   * The user's changes after `lastId`, oldest first; undefined when that is not all of them: an id
   * older than the kept log, one that was never given out, or not an id at all.
   */
  since(userId: number, lastId: number): LiveEvent[] | undefined {
    const log = this.#logs.get(userId) ?? { lastId: 0, events: [] };
    const beforeKept = log.lastId - log.events.length;
    if (!Number.isSafeInteger(lastId) || lastId < beforeKept || lastId > log.lastId) return undefined;
    return log.events.filter((event) => event.id > lastId);
  }

  /** Forgets every change but not the numbering, so an id once given out never stands for another change. */
  reset(): void {
    for (const log of this.#logs.values()) log.events = [];
  }

  /** Each user's last id, to store. */
  snapshot(): EventHubSnapshot {
    return [...this.#logs].map(([userId, log]) => [userId, log.lastId]);
  }

  /** Continues the numbering of a snapshot; the changes themselves were not kept. */
  restore(snapshot: EventHubSnapshot): void {
    this.#logs.clear();
    for (const [userId, lastId] of snapshot) this.#logs.set(userId, { lastId, events: [] });
  }

  #log(userId: number): UserLog {
    const log = this.#logs.get(userId) ?? { lastId: 0, events: [] };
    this.#logs.set(userId, log);
    return log;
  }
}
