/**
 * Counts failed attempts per key in a sliding window; `retryAfter` says how many seconds
 * until the oldest counted failure leaves the window, once the limit is reached.
 */
export class FailureLimiter {
  readonly #failures = new Map<string, number[]>();

  constructor(private readonly options: { limit: number; windowSeconds: number; now: () => number }) {}

  /** Seconds to wait before another attempt, or 0 when one is allowed now. */
  retryAfter(key: string): number {
    const recent = this.#recent(key);
    if (recent.length < this.options.limit) return 0;
    const oldest = recent[recent.length - this.options.limit] ?? this.options.now();
    return Math.max(1, Math.ceil((oldest + this.options.windowSeconds * 1000 - this.options.now()) / 1000));
  }

  /** Counts one failure. */
  fail(key: string): void {
    this.#failures.set(key, [...this.#recent(key), this.options.now()]);
  }

  /** Forgets every count. */
  reset(): void {
    this.#failures.clear();
  }

  #recent(key: string): number[] {
    const since = this.options.now() - this.options.windowSeconds * 1000;
    const recent = (this.#failures.get(key) ?? []).filter((time) => time > since);
    if (recent.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, recent);
    return recent;
  }
}
