import type { LiveEvent } from './event-hub.ts';

/**
 * At most this many messages wait, unsent, for one live connection (a replay from the hub's log
 * counts too, and fits: REPLAY_LOG_SIZE is the same). One more and the client, which has stopped
 * reading, is disconnected: a connection is never buffered without bound.
 */
export const LIVE_QUEUE_LIMIT = 100;

/** What a live connection sends. */
export type LiveMessage =
  /** A connection opened without a last id is live from `lastId` on: where the client stands. */
  | { type: 'ready'; lastId: number }
  | { type: 'todo'; event: LiveEvent }
  /** The changes the client asked for are gone: it must fetch the list again; `lastId` is where the log stands. */
  | { type: 'reset'; lastId: number }
  | { type: 'heartbeat' };

/**
 * Why a live connection ended: its access token `expired`, its session ended (signed out,
 * revoked, over its lifetime), it fell too far behind (`overflow`), or the client went away.
 */
export type LiveEnd = 'expired' | 'session_ended' | 'overflow' | 'gone';

/** A transport (an event stream, a WebSocket) as a feed sends through it. */
export interface LiveSink {
  /** Sends one message; resolves once the transport has taken it (its backpressure), rejects when it is gone. */
  write(message: LiveMessage): Promise<void>;
  /** Ends the transport (called once): cleanly, or at once for `overflow`. */
  end(reason: LiveEnd): void;
}

/**
 * One live connection's queue: messages wait here in order, and go to the transport one at a
 * time, each when the one before has been taken.
 */
export class LiveFeed {
  readonly #queue: LiveMessage[] = [];
  readonly #endListeners: ((reason: LiveEnd) => void)[] = [];
  #sink: LiveSink | undefined;
  #sending = false;
  #ended: LiveEnd | undefined;

  /** Why the feed ended, or undefined while it runs. */
  get ended(): LiveEnd | undefined {
    return this.#ended;
  }

  /** Queues a message; one past LIVE_QUEUE_LIMIT ends the feed instead. */
  push(message: LiveMessage): void {
    if (this.#ended) return;
    if (this.#queue.length >= LIVE_QUEUE_LIMIT) return this.end('overflow');
    this.#queue.push(message);
    void this.#flush();
  }

  /** Queues a heartbeat if nothing is waiting or being sent: a busy feed needs none, a stalled one must not pile them up. */
  heartbeat(): void {
    if (!this.#sending && this.#queue.length === 0) this.push({ type: 'heartbeat' });
  }

  /** Starts sending what is queued, and what comes, to `sink`. */
  attach(sink: LiveSink): void {
    this.#sink = sink;
    if (this.#ended) sink.end(this.#ended);
    else void this.#flush();
  }

  /** Ends the feed (once): what waits is dropped, the transport ends, and the end listeners are told. */
  end(reason: LiveEnd): void {
    if (this.#ended) return;
    this.#ended = reason;
    this.#queue.length = 0;
    this.#sink?.end(reason);
    for (const listener of this.#endListeners) listener(reason);
  }

  /** Calls `listener` when the feed ends, or at once if it has. */
  onEnd(listener: (reason: LiveEnd) => void): void {
    if (this.#ended) listener(this.#ended);
    else this.#endListeners.push(listener);
  }

  async #flush(): Promise<void> {
    if (this.#sending || !this.#sink) return;
    this.#sending = true;
    try {
      for (let message = this.#queue.shift(); message && !this.#ended; message = this.#queue.shift()) await this.#sink.write(message);
    } catch {
      this.end('gone');
    } finally {
      this.#sending = false;
    }
  }
}
