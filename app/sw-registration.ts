import { ref } from 'vue';
import { registerSW } from 'virtual:pwa-register';

/** True when a new service worker is installed and waiting to take over. */
export const needRefresh = ref(false);
/** Why registering the service worker failed, if it did. */
export const registrationError = ref<string>();

let updateServiceWorker: ((reloadPage?: boolean) => Promise<void>) | undefined;
let fail: (error: unknown) => void = () => undefined;
/** Rejects if registering the service worker fails; never resolves otherwise. */
export const registration = new Promise<never>((_, reject) => (fail = reject));
registration.catch(() => undefined); // Reported through registrationError and the broker client.

/** Registers /sw.js; a waiting update sets `needRefresh` instead of taking over on its own. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  updateServiceWorker = registerSW({
    immediate: true,
    onNeedRefresh: () => {
      needRefresh.value = true;
    },
    onRegisterError: (error: unknown) => {
      registrationError.value = error instanceof Error ? error.message : String(error);
      fail(error);
    },
  });
}

/** Lets the waiting worker take over (SKIP_WAITING) and reloads once it controls the page. */
export async function applyUpdate(): Promise<void> {
  // workbox-window reloads only for updates it considers its own; an update the browser found
  // on a later check counts as external, so reload on the controller change in every case.
  navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(), { once: true });
  await updateServiceWorker?.(true);
}
