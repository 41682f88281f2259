import { onBeforeUnmount, onMounted, readonly, ref, watch } from 'vue';
import type { Todo } from './api';
import type { LiveFeed, LiveHandlers, LiveState } from './live-feed';
import { openSseFeed } from './sse-feed';
import { needRefresh } from './sw-registration';
import { applyTodoChange, type TodoChange } from './todo-change';
import type { Resource } from './useResource';
import { useSession } from './useSession';
import { openWsFeed } from './ws-feed';

/** How live updates arrive: server-sent events through the worker, a WebSocket with a ticket, or not at all. */
export type LiveTransport = 'sse' | 'ws' | 'off';

/** The in-browser demo's API runs in the worker, which cannot take a WebSocket. */
export const webSocketAvailable = !import.meta.env.VITE_IN_BROWSER_DEMO;
const transport = ref<LiveTransport>('sse');
const state = ref<LiveState>('off');

/** The chosen transport (the session panel's control sets it) and where the connection stands. */
export function useLiveStatus() {
  return { transport, state: readonly(state) };
}

/**
 * Keeps a todo list live while the component that calls it is mounted, someone is signed in and no
 * update of the app waits to take over.
 * Changes apply by todo id, so one that comes twice (a page's own write, a replay) does no harm;
 * those that arrive while the list loads are applied again on top of what it loaded.
 */
export function useLiveTodos(todos: Resource<Todo[]>): void {
  const { session } = useSession();
  const duringLoad: TodoChange[] = [];
  let feed: LiveFeed | undefined;

  const apply = (change: TodoChange): void => {
    if (todos.data.value) todos.data.value = applyTodoChange(todos.data.value, change);
    if (todos.loading.value) duringLoad.push(change);
  };
  watch(todos.loading, (loading) => {
    if (loading || !todos.data.value) return;
    todos.data.value = duringLoad.splice(0).reduce(applyTodoChange, todos.data.value);
  });

  const handlers: LiveHandlers = { change: apply, resync: () => void todos.load(), state: (next) => (state.value = next) };
  function stop(): void {
    feed?.close();
    feed = undefined;
  }
  function start(): void {
    stop();
    // An event stream is a fetch the old worker is still answering, and Chromium activates a waiting
    // worker only once the old one has none in flight: with an update waiting, every tab lets go.
    if (needRefresh.value) state.value = 'paused';
    if (session.value?.status !== 'signed-in' || transport.value === 'off' || needRefresh.value) return;
    feed = transport.value === 'ws' && webSocketAvailable ? openWsFeed(handlers) : openSseFeed(handlers);
  }

  onMounted(start);
  watch([transport, () => session.value?.status, needRefresh], start);
  onBeforeUnmount(stop);
}
