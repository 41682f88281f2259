import { readonly, ref } from 'vue';
import type { Session } from '../sw/protocol';
import { BrokerClientError, createBrokerClient, type BrokerClient } from './broker';

/** Whether the service worker stands between this page and the API. */
export type Protection = 'checking' | 'controlled' | 'not-controlled' | 'unsupported';

const SIGNED_OUT: Session = { status: 'signed-out' };
// A first visit waits for the new worker to install and claim the page; a page that an
// active worker does not control (a hard reload) will not be claimed, so it waits briefly.
const FIRST_INSTALL_WAIT_MS = 15_000;
const HARD_RELOAD_WAIT_MS = 500;

const session = ref<Session>();
const protection = ref<Protection>('checking');
let client: BrokerClient | undefined;
let started: Promise<void> | undefined;

async function start(registrationFailed: Promise<unknown>): Promise<void> {
  if (!('serviceWorker' in navigator)) {
    protection.value = 'unsupported';
    session.value = SIGNED_OUT;
    return;
  }
  const broker = createBrokerClient();
  broker.onChange((next) => (session.value = next));
  const registration = await navigator.serviceWorker.getRegistration();
  const controlled = await Promise.race([
    broker.whenControlled(registration?.active ? HARD_RELOAD_WAIT_MS : FIRST_INSTALL_WAIT_MS),
    registrationFailed.then(() => false),
  ]);
  if (!controlled) {
    protection.value = 'not-controlled';
    session.value = SIGNED_OUT;
    return;
  }
  client = broker;
  protection.value = 'controlled';
  await refreshSession();
}

/**
 * Starts once: finds the controlling worker and asks it for the session. A page that no
 * worker controls (registration failed, hard reload, blocked) is marked not protected.
 */
export function startSession(registrationFailed: Promise<unknown> = new Promise(() => undefined)): Promise<void> {
  started ??= start(registrationFailed);
  return started;
}

/** Resolves once the session is known (starting if nobody has). */
export function sessionReady(): Promise<void> {
  return startSession();
}

/** Asks the worker for the session again (after a 401, say). */
export async function refreshSession(): Promise<void> {
  if (!client) return;
  try {
    session.value = await client.session();
  } catch {
    session.value ??= SIGNED_OUT;
  }
}

function requireClient(): BrokerClient {
  if (!client) throw new BrokerClientError('not_controlled', 'This page is not controlled by the service worker.');
  return client;
}

/** The session as reactive state, plus sign-in and sign-out through the worker. */
export function useSession() {
  return {
    session: readonly(session),
    protection: readonly(protection),
    async login(username: string, password: string, remember: boolean): Promise<void> {
      session.value = await requireClient().login(username, password, remember);
    },
    async logout(): Promise<void> {
      session.value = await requireClient().logout();
    },
  };
}
