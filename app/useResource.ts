import { onScopeDispose, ref, shallowRef, type Ref } from 'vue';
import { ApiError } from './api';
import { retryDelaySeconds } from './backoff';
import { onRetryChance } from './connectivity';

/** A value loaded from the API, with its loading and error states. */
export interface Resource<T> {
  data: Ref<T | undefined>;
  loading: Ref<boolean>;
  error: Ref<string | undefined>;
  load: () => Promise<void>;
}

/** Failures that say nothing about the request itself: the network or the sign-in service was out of reach. */
const TRANSIENT = new Set(['offline', 'network', 'auth_unavailable']);

/**
 * Wraps a loader so a view can show loading, error and data, and load again. After a failure
 * for network reasons it heals by itself: it tries again with backoff (1, 2, 4 ... 30 s, or
 * Retry-After), and at once when the browser comes back online, the tab becomes visible or
 * another request gets through.
 */
export function useResource<T>(loader: () => Promise<T>): Resource<T> {
  const data = shallowRef<T>();
  const loading = ref(false);
  const error = ref<string>();
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopListening: (() => void) | undefined;
  const retry = (): void => void load();

  function stopRetrying(): void {
    clearTimeout(retryTimer);
    stopListening?.();
    stopListening = undefined;
  }

  function reconnectLater(failure: unknown): void {
    if (!(failure instanceof ApiError) || !TRANSIENT.has(failure.code)) return;
    failures += 1;
    retryTimer = setTimeout(retry, retryDelaySeconds(failures, failure.retryAfter) * 1000);
    stopListening = onRetryChance(retry);
  }

  async function load(): Promise<void> {
    stopRetrying();
    loading.value = true;
    error.value = undefined;
    try {
      data.value = await loader();
      failures = 0;
    } catch (failure) {
      error.value = failure instanceof Error ? failure.message : 'Something went wrong.';
      reconnectLater(failure);
    } finally {
      loading.value = false;
    }
  }

  onScopeDispose(stopRetrying);
  return { data, loading, error, load };
}
