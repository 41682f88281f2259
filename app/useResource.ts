import { onScopeDispose, ref, shallowRef, type Ref } from 'vue';
import { ApiError } from './api';

/** A value loaded from the API, with its loading and error states. */
export interface Resource<T> {
  data: Ref<T | undefined>;
  loading: Ref<boolean>;
  error: Ref<string | undefined>;
  load: () => Promise<void>;
}

const MAX_RETRY_SECONDS = 30;

/**
 * Wraps a loader so a view can show loading, error and data, and load again. While the
 * sign-in service is unreachable it retries after Retry-After; while offline, once back online.
 */
export function useResource<T>(loader: () => Promise<T>): Resource<T> {
  const data = shallowRef<T>();
  const loading = ref(false);
  const error = ref<string>();
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const retry = (): void => void load();

  function reconnectLater(failure: unknown): void {
    if (!(failure instanceof ApiError)) return;
    if (failure.code === 'auth_unavailable') retryTimer = setTimeout(retry, Math.min(failure.retryAfter ?? 5, MAX_RETRY_SECONDS) * 1000);
    if (failure.code === 'offline') window.addEventListener('online', retry, { once: true });
  }

  async function load(): Promise<void> {
    clearTimeout(retryTimer);
    window.removeEventListener('online', retry);
    loading.value = true;
    error.value = undefined;
    try {
      data.value = await loader();
    } catch (failure) {
      error.value = failure instanceof Error ? failure.message : 'Something went wrong.';
      reconnectLater(failure);
    } finally {
      loading.value = false;
    }
  }

  onScopeDispose(() => {
    clearTimeout(retryTimer);
    window.removeEventListener('online', retry);
  });
  return { data, loading, error, load };
}
