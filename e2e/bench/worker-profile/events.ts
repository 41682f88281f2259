/** One timestamp the profiling build records inside the worker (e2e/bench/worker-profile/profile.ts). */
export interface ProfileEvent {
  /** `performance.now()` in the worker, ms since its time origin. */
  t: number;
  kind:
    | 'script-start'
    | 'profile-ready'
    | 'script-end'
    | 'fetch-event'
    | 'respond-with'
    | 'responded'
    | 'fetch-start'
    | 'fetch-end'
    | 'sign-start'
    | 'sign-end'
    | 'lock-request'
    | 'lock-granted'
    | 'idb-open'
    | 'idb-opened'
    | 'idb-get'
    | 'idb-got';
  /** The URL path, IndexedDB database or key, or lock name the event is about ('' when none). */
  path: string;
}

/** What the profiling build exposes as `self.__profile`. */
export interface WorkerProfile {
  /** The worker's `performance.timeOrigin` (ms since the epoch): aligns its clock with the page's. */
  timeOrigin: number;
  events: ProfileEvent[];
  /** Records an event now (vite.config.ts appends `script-end` to app/sw.ts with it). */
  mark(kind: ProfileEvent['kind'], path?: string): void;
}
