import type { EventHub } from './event-hub.ts';
import { HttpError } from './errors.ts';
import { LiveFeed, type LiveEnd } from './live-feed.ts';
import type { Stats } from './stats.ts';

/** At most this many live connections (event streams and WebSockets together) per user at a time. */
export const MAX_LIVE_CONNECTIONS_PER_USER = 5;

/** The Retry-After of a connection refused for that limit, seconds. */
export const LIVE_RETRY_AFTER_SECONDS = 5;

// setTimeout takes at most 2^31 - 1 ms; a later deadline is reached in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a live connection is opened for. */
export interface LiveRequest {
  userId: number;
  /** The session (the access token's `sid`): the connection ends with it. None for an OpenID Provider's token. */
  sid?: string | undefined;
  /** Epoch ms at which the connection ends as `expired` (an event stream: its access token's `exp`). */
  expiresAt?: number;
  /** The client's last event id: the changes after it come first (or a reset). Undefined: a `ready`, then live changes. */
  lastEventId?: number;
}

/** What the registry needs from the rest of the API. */
export interface LiveConnectionsDeps {
  events: EventHub;
  /** When a live session ends by its lifetime (epoch ms), or undefined when it is not live. */
  sessionEndsAt: (sid: string) => number | undefined;
  now: () => number;
  stats: Stats;
}

interface Connection {
  userId: number;
  sid: string | undefined;
  feed: LiveFeed;
}

/** Runs `run` at epoch ms `deadline` by the clock `now`; returns the cancel function. */
function at(deadline: number, now: () => number, run: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const delay = deadline - now();
    if (delay <= 0) run();
    else timer = setTimeout(arm, Math.min(delay, MAX_TIMER_MS));
  };
  arm();
  return () => clearTimeout(timer);
}

/**
 * Every open live connection: at most MAX_LIVE_CONNECTIONS_PER_USER per user, each fed the user's
 * changes from the hub, and each ended when its deadline passes or its session ends.
 */
export class LiveConnections {
  readonly #open = new Set<Connection>();

  constructor(private readonly deps: LiveConnectionsDeps) {}

  /** How many connections are open. */
  get count(): number {
    return this.#open.size;
  }

  /** Throws 429 too_many_streams when the user has as many connections as allowed. */
  checkRoom(userId: number): void {
    if ([...this.#open].filter((connection) => connection.userId === userId).length < MAX_LIVE_CONNECTIONS_PER_USER) return;
    this.deps.stats.liveRefused += 1;
    throw new HttpError(429, 'too_many_streams', `At most ${MAX_LIVE_CONNECTIONS_PER_USER} live connections per user at a time.`, {
      'Retry-After': String(LIVE_RETRY_AFTER_SECONDS),
    });
  }

  /**
   * Opens a connection (429 when the user has no room): its feed has a `ready`, the replay or a
   * reset queued, and the user's changes from now on. It ends by itself; a transport ends it as `gone`.
   */
  open(request: LiveRequest): LiveFeed {
    const { userId, sid } = request;
    const { events, now } = this.deps;
    this.checkRoom(userId);
    const feed = new LiveFeed();
    const connection: Connection = { userId, sid, feed };
    this.#open.add(connection);
    // Subscribed and replayed in one step: no change falls between the two.
    const unsubscribe = events.subscribe(userId, (event) => feed.push({ type: 'todo', event }));
    if (request.lastEventId === undefined) feed.push({ type: 'ready', lastId: events.lastId(userId) });
    else {
      const missed = events.since(userId, request.lastEventId);
      if (missed) for (const event of missed) feed.push({ type: 'todo', event });
      else feed.push({ type: 'reset', lastId: events.lastId(userId) });
    }
    const cancels: (() => void)[] = [];
    feed.onEnd((reason: LiveEnd) => {
      this.#open.delete(connection);
      unsubscribe();
      for (const cancel of cancels) cancel();
      if (reason === 'overflow') this.deps.stats.liveDropped += 1;
    });
    // A session that is no longer live ends the connection at once (its deadline is long past).
    // Without a session of ours (an OpenID Provider's token) only the token's expiry ends it.
    const deadlines: [number | undefined, LiveEnd][] = [
      [sid === undefined ? undefined : (this.deps.sessionEndsAt(sid) ?? 0), 'session_ended'],
      [request.expiresAt, 'expired'],
    ];
    for (const [deadline, reason] of deadlines) {
      if (deadline !== undefined && !feed.ended) cancels.push(at(deadline, now, () => feed.end(reason)));
    }
    return feed;
  }

  /** Ends every connection of a session that ended. */
  endSession(sid: string): void {
    for (const connection of [...this.#open]) if (connection.sid === sid) connection.feed.end('session_ended');
  }
}
