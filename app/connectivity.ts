import { computed, readonly, ref } from 'vue';

/** What the app knows of its connection: the browser's word, and what the last request showed. */
export type Connection = 'online' | 'offline' | 'unreachable';

const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine);
// navigator.onLine often says true while nothing answers: a request that failed on the network knows better.
const unreachable = ref(false);
const retryHooks = new Set<() => void>();

function retryNow(): void {
  for (const hook of [...retryHooks]) hook();
}

/** Re-reads `navigator.onLine`; called on online/offline events and after a failed request. */
export function checkConnectivity(): boolean {
  online.value = navigator.onLine;
  return online.value;
}

/** A request failed for network reasons (no answer, or the worker could not reach the sign-in service). */
export function reportUnreachable(): void {
  checkConnectivity();
  unreachable.value = true;
}

/** A request got an answer: the server is reachable again, so whatever failed may try again now. */
export function reportReachable(): void {
  if (!unreachable.value) return;
  unreachable.value = false;
  retryNow();
}

/**
 * Calls `hook` whenever a failed load is worth trying again at once: the browser comes back
 * online, the tab becomes visible, or another request got through. Returns the unsubscribe.
 */
export function onRetryChance(hook: () => void): () => void {
  retryHooks.add(hook);
  return () => retryHooks.delete(hook);
}

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => {
    checkConnectivity();
    retryNow();
  });
  window.addEventListener('offline', checkConnectivity);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') retryNow();
  });
}

/** Whether the browser believes it is online, as reactive state. */
export const isOnline = readonly(online);

/** The connection as the banner shows it. */
export const connection = computed<Connection>(() => (!online.value ? 'offline' : unreachable.value ? 'unreachable' : 'online'));
