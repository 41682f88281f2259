/**
 * Runs at most one task at a time and shares it: every caller that arrives while a task is
 * pending gets that task's promise instead of starting another (as jose's remote JWKS reload).
 *
 * @example
 * const refresh = new SingleFlight<Grant>();
 * await Promise.all([refresh.run(doRefresh), refresh.run(doRefresh)]); // doRefresh ran once
 */
export class SingleFlight<T> {
  #pending: Promise<T> | undefined;

  /** The task in flight, if any. */
  get pending(): Promise<T> | undefined {
    return this.#pending;
  }

  /** Joins the pending task, or starts `task` when none is pending. */
  run(task: () => Promise<T>): Promise<T> {
    if (this.#pending) return this.#pending;
    const promise = Promise.resolve()
      .then(task)
      .finally(() => {
        if (this.#pending === promise) this.#pending = undefined;
      });
    this.#pending = promise;
    return promise;
  }
}
