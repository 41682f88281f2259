import type { TodoChange } from './todo-change';

/** Where a live connection stands, as the session panel tells it. */
export type LiveState = 'connecting' | 'connected' | 'reconnecting' | 'paused' | 'off';

/** What a live feed tells its owner. */
export interface LiveHandlers {
  /** A todo was added, changed or deleted. */
  change: (change: TodoChange) => void;
  /** Changes may have been missed (a fresh connection, a reset): load the list again. */
  resync: () => void;
  state: (state: LiveState) => void;
}

/** An open live connection (reconnecting by itself until closed). */
export interface LiveFeed {
  close: () => void;
}
