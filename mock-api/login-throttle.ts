import { FailureLimiter } from './rate-limit.ts';

/** How failed sign-ins are slowed down. */
export interface ThrottleOptions {
  /** Failures of one username from one client before the backoff starts. */
  perUsernameAndClient: number;
  /** Failures from one client, across usernames, within the window before it gets 429s. */
  perClient: number;
  windowSeconds: number;
  now: () => number;
}

/**
 * Slows down password guessing without locking the real user out: failures count per
 * (username, client) with exponential backoff (1, 2, 4 ... seconds, at most the window) and
 * per client across usernames, never per username alone, so a guesser elsewhere cannot make
 * the account unusable. A success clears that (username, client) pair.
 */
export class LoginThrottle {
  readonly #pairs = new Map<string, { failures: number; last: number }>();
  readonly #clients: FailureLimiter;

  constructor(private readonly options: ThrottleOptions) {
    this.#clients = new FailureLimiter({ limit: options.perClient, windowSeconds: options.windowSeconds, now: options.now });
  }

  /** Seconds to wait before this client may try this username again, or 0. */
  retryAfter(username: string, client: string): number {
    return Math.max(this.#pairWait(username, client), this.#clients.retryAfter(client));
  }

  /** Counts one failed attempt. */
  failed(username: string, client: string): void {
    const key = pairKey(username, client);
    const now = this.options.now();
    const previous = this.#current(key, now);
    this.#pairs.set(key, { failures: (previous?.failures ?? 0) + 1, last: now });
    this.#clients.fail(client);
  }

  /** A correct password: this client's count for this username starts again. */
  succeeded(username: string, client: string): void {
    this.#pairs.delete(pairKey(username, client));
  }

  /** Forgets every count. */
  reset(): void {
    this.#pairs.clear();
    this.#clients.reset();
  }

  #pairWait(username: string, client: string): number {
    const now = this.options.now();
    const entry = this.#current(pairKey(username, client), now);
    if (!entry || entry.failures < this.options.perUsernameAndClient) return 0;
    const backoff = Math.min(this.options.windowSeconds, 2 ** (entry.failures - this.options.perUsernameAndClient));
    return Math.max(0, Math.ceil((entry.last + backoff * 1000 - now) / 1000));
  }

  /** The pair's count, unless its last failure has left the window. */
  #current(key: string, now: number): { failures: number; last: number } | undefined {
    const entry = this.#pairs.get(key);
    if (entry && now - entry.last >= this.options.windowSeconds * 1000) {
      this.#pairs.delete(key);
      return undefined;
    }
    return entry;
  }
}

// A separator no username or address contains (JSON strings never hold a raw newline).
const pairKey = (username: string, client: string): string => `${JSON.stringify(username)}\n${client}`;
