import { ref, shallowRef, type Ref } from 'vue';

/** A value loaded from the API, with its loading and error states. */
export interface Resource<T> {
  data: Ref<T | undefined>;
  loading: Ref<boolean>;
  error: Ref<string | undefined>;
  load: () => Promise<void>;
}

/** Wraps a loader so a view can show loading, error and data, and load again. */
export function useResource<T>(loader: () => Promise<T>): Resource<T> {
  const data = shallowRef<T>();
  const loading = ref(false);
  const error = ref<string>();
  async function load(): Promise<void> {
    loading.value = true;
    error.value = undefined;
    try {
      data.value = await loader();
    } catch (failure) {
      error.value = failure instanceof Error ? failure.message : 'Something went wrong.';
    } finally {
      loading.value = false;
    }
  }
  return { data, loading, error, load };
}
