import { readonly, ref } from 'vue';
import { createBrokerClient, type Credentials, type Protection as Reach, type Session } from 'sw-token-broker/client';
import { parseUser, type User } from './user';

/** Whether the service worker stands between this page and the API ('checking' until known). */
export type Protection = 'checking' | Reach;

const SIGNED_OUT: Session<User> = { status: 'signed-out' };
/** The page's one client of the broker (sign-in, session, queued writes). */
export const client = createBrokerClient<User>({ parseUser });
const session = ref<Session<User>>();
const protection = ref<Protection>('checking');
let started: Promise<void> | undefined;

async function start(registration: Promise<unknown>): Promise<void> {
  protection.value = await client.ready(registration);
  if (protection.value !== 'controlled') {
    session.value = SIGNED_OUT;
    return;
  }
  client.onChange((next) => (session.value = next));
  await refreshSession();
}

/**
 * Starts once: finds the controlling worker and asks it for the session. A page that no
 * worker controls (registration failed, hard reload, blocked) is marked not protected.
 */
export function startSession(registration: Promise<unknown> = new Promise(() => undefined)): Promise<void> {
  started ??= start(registration);
  return started;
}

/** Resolves once the session is known (starting if nobody has). */
export function sessionReady(): Promise<void> {
  return startSession();
}

/** Asks the worker for the session again (after a 401, say). */
export async function refreshSession(): Promise<void> {
  if (protection.value !== 'controlled') return;
  try {
    session.value = await client.session();
  } catch {
    session.value ??= SIGNED_OUT;
  }
}

/** The session as reactive state, plus sign-in and sign-out through the worker. */
export function useSession() {
  return {
    session: readonly(session),
    protection: readonly(protection),
    login: async (credentials: Credentials): Promise<void> => {
      session.value = await client.login(credentials);
    },
    /** Asks the worker for the provider's sign-in page and goes there (OpenID Connect builds); the worker brings the user back to `returnUrl`. */
    loginWithRedirect: (returnUrl: string): Promise<void> => client.loginWithRedirect({ returnUrl }),
    logout: async (): Promise<void> => {
      // With an OpenID Provider, the page then goes on to end the provider's session too.
      session.value = await client.logout();
    },
  };
}
