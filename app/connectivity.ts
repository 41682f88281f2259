import { readonly, ref } from 'vue';

const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine);

/** Re-reads `navigator.onLine`; called on online/offline events and after a failed request. */
export function checkConnectivity(): boolean {
  online.value = navigator.onLine;
  return online.value;
}

if (typeof window !== 'undefined') {
  window.addEventListener('online', checkConnectivity);
  window.addEventListener('offline', checkConnectivity);
}

/** Whether the browser believes it is online, as reactive state. */
export const isOnline = readonly(online);
