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
      // Accepted in another tab: the new worker takes over every tab, and this one reloads with it.
      reloadOnTakeover();
    },
    onRegisterError: (error: unknown) => {
      registrationError.value = error instanceof Error ? error.message : String(error);
      fail(error);
    },
  });
}

let reloading = false;

/**
 * Reloads the page once when a new worker takes control of it. workbox-window reloads only for
 * updates it considers its own (an update another tab found counts as external), so this listens
 * to the controller change itself; one reload per page, however many events arrive.
 */
function reloadOnTakeover(): void {
  let controlled = navigator.serviceWorker.controller !== null;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // A page that had no controller (a hard reload being claimed) was not running the old version.
    if (!controlled) {
      controlled = true;
      return;
    }
    if (reloading) return;
    reloading = true;
    window.location.reload();
  });
}

/** Lets the waiting worker take over (SKIP_WAITING); the page reloads once it controls the page. */
export async function applyUpdate(): Promise<void> {
  reloadOnTakeover();
  await updateServiceWorker?.(true);
}
