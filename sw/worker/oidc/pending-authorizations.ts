import { isPlainObject } from '../../protocol.ts';
import type { AdapterStore } from '../adapter-store.ts';
import type { Clock } from '../token-broker.ts';

/** What a sign-in needs back when the provider returns: kept while the user is at the provider. */
export interface PendingAuthorization {
  readonly state: string;
  /** The PKCE verifier (RFC 7636); only its S256 challenge went to the provider. */
  readonly codeVerifier: string;
  readonly nonce: string;
  /** The same-origin path to land on afterwards. */
  readonly returnUrl: string;
  /** The issuer it was started with: a callback after the configuration changed is refused. */
  readonly issuer: string;
  /** When it was started, ms on the broker's clock. */
  readonly createdAt: number;
}

const KEY = 'oidc-pending-authorizations';
/** How long a sign-in may stay at the provider. */
export const PENDING_MAX_AGE_MS = 10 * 60_000;
/** How many sign-ins may wait at once (a user who clicks "sign in" again and again); the oldest go first. */
export const MAX_PENDING = 10;

const STRING_FIELDS = ['state', 'codeVerifier', 'nonce', 'returnUrl', 'issuer'] as const;

function isPending(value: unknown): value is PendingAuthorization {
  return (
    isPlainObject(value) &&
    STRING_FIELDS.every((field) => typeof value[field] === 'string' && value[field] !== '') &&
    typeof value.createdAt === 'number' &&
    Number.isFinite(value.createdAt)
  );
}

/**
 * Sign-ins waiting for the provider's callback, in the adapter store (IndexedDB in the worker):
 * the browser stops an idle worker within about 30 s, and the user may take minutes at the
 * provider. Each is taken once, and only within PENDING_MAX_AGE_MS; expired ones are dropped on
 * every change. A page script can read them, but never the code they would be exchanged with,
 * which reaches only the worker.
 */
export class PendingAuthorizations {
  readonly #store: AdapterStore;
  readonly #clock: Clock;

  constructor(store: AdapterStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Keeps one more; resolves once it is stored (before the page navigates away). */
  add(pending: PendingAuthorization): Promise<void> {
    return this.#store.update(KEY, (stored) => [...this.#live(stored), pending].slice(-MAX_PENDING));
  }

  /** Takes the one started with `state` out of the store, in one transaction: undefined when unknown, used or expired. */
  async take(state: string): Promise<PendingAuthorization | undefined> {
    let taken: PendingAuthorization | undefined;
    await this.#store.update(KEY, (stored) => {
      const live = this.#live(stored);
      taken = live.find((entry) => entry.state === state);
      const rest = live.filter((entry) => entry !== taken);
      return rest.length > 0 ? rest : undefined;
    });
    return taken;
  }

  #live(stored: unknown): PendingAuthorization[] {
    const now = this.#clock.now();
    const list = Array.isArray(stored) ? stored.filter(isPending) : [];
    // Either way: a clock set back while the user was at the provider must not keep an entry for ever.
    return list.filter((entry) => Math.abs(now - entry.createdAt) < PENDING_MAX_AGE_MS);
  }
}
