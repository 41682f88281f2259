import type { LiveHandlers, LiveState } from './live-feed';
import type { TodoChange } from './todo-change';

/** An EventSource or WebSocket stand-in: records listeners, and a test fires events at it. */
export class FakeConnection {
  readonly listeners = new Map<string, ((event: never) => void)[]>();
  closed = false;
  constructor(readonly url: string) {}

  addEventListener(type: string, listener: (event: never) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
  }

  /** Fires an event with these fields (lastEventId, data) at the listeners of `type`. */
  fire(type: string, fields: Record<string, unknown> = {}): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ type, ...fields } as never);
  }
}

/** LiveHandlers that record what a feed told them. */
export function recordingHandlers(): LiveHandlers & { changes: TodoChange[]; resyncs: number; states: LiveState[] } {
  const recorded = {
    changes: [] as TodoChange[],
    resyncs: 0,
    states: [] as LiveState[],
    change: (change: TodoChange) => void recorded.changes.push(change),
    resync: () => void (recorded.resyncs += 1),
    state: (state: LiveState) => void recorded.states.push(state),
  };
  return recorded;
}
