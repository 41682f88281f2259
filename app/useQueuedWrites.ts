import { computed, readonly, ref } from 'vue';
import type { DroppedWrite, QueuedWrite, WritesChangedMessage } from 'sw-token-broker/client';
import { retryDelaySeconds } from './backoff';
import { client, sessionReady, useSession } from './useSession';

const pending = ref<QueuedWrite[]>([]);
const dropped = ref<DroppedWrite[]>([]);
/** Counts rounds in which queued writes reached the server, so lists know to load again. */
const sentRounds = ref(0);
let started: Promise<void> | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
/** Retries after an `online` event, 1 s apart and doubling: about half a minute in all. */
const ONLINE_RETRIES = 5;

function apply(change: WritesChangedMessage): void {
  pending.value = change.pending;
  if (change.dropped.length > 0) dropped.value = [...dropped.value, ...change.dropped];
  if (change.sent.length > 0) sentRounds.value += 1;
}

async function replay(retries = 0, attempt = 1): Promise<void> {
  clearTimeout(retryTimer);
  try {
    pending.value = await client.replayWrites();
  } catch {
    // The worker is busy or gone: the next `online` event, visit or API call tries again.
    return;
  }
  // The worker's network can come back a moment after the page's `online` event (and the token
  // endpoint after that): while writes wait and the browser says it is online, try again.
  if (pending.value.length > 0 && navigator.onLine && retries > 0)
    retryTimer = setTimeout(() => void replay(retries - 1, attempt + 1), retryDelaySeconds(attempt) * 1000);
}

async function start(): Promise<void> {
  await sessionReady();
  if (useSession().protection.value !== 'controlled') return;
  client.onWritesChanged(apply);
  // Where the browser has no Background Sync (or does not fire it), coming back online is the cue.
  window.addEventListener('online', () => void replay(ONLINE_RETRIES));
  if (navigator.onLine) await replay();
  else pending.value = await client.queuedWrites().catch(() => []);
}

/** A todo title out of a queued write's body, if it is one. */
export function titleOf(write: { body?: string }): string | undefined {
  try {
    const title = (JSON.parse(write.body ?? '') as { title?: unknown }).title;
    return typeof title === 'string' ? title : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the worker holds while offline (shown as pending), the ones it had to drop (shown until
 * dismissed), and a counter that moves whenever queued writes reached the server.
 */
export function useQueuedWrites() {
  started ??= start();
  return {
    pendingTodos: computed(() =>
      pending.value
        .filter((write) => write.method === 'POST' && new URL(write.url).pathname === '/api/todos')
        .map((write) => ({ id: write.id, title: titleOf(write) ?? '' })),
    ),
    dropped: readonly(dropped),
    sentRounds: readonly(sentRounds),
    /** Shows a write the worker just queued at once, before its notice arrives. */
    remember: (write: QueuedWrite): void => {
      if (!pending.value.some((known) => known.id === write.id)) pending.value = [...pending.value, write];
    },
    dismiss: (): void => {
      dropped.value = [];
    },
  };
}
