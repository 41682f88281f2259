import { isPlainObject } from '../../protocol.ts';
import type { AdapterStore } from '../adapter-store.ts';

/** The session's refresh token and whose it is. */
export interface HeldRefreshToken {
  readonly token: string;
  /** The ID token's `sub`: a refreshed ID token must name the same user (OpenID Connect Core 12.2). */
  readonly sub: string;
  /** Bound to the worker's DPoP key (RFC 9449 5: a public client's refresh token is), so it may be stored. */
  readonly bound: boolean;
}

const KEY = 'oidc-refresh-token';

/**
 * Holds the refresh token. A bound one is also kept in the adapter store (IndexedDB, next to the
 * session record): it is worthless without the non-extractable key, and it lets a session outlive
 * worker stops and browser restarts. An unbound one lives in this worker's memory only (IndexedDB
 * is shared with pages, and a bearer refresh token there would work anywhere).
 */
export class RefreshTokenStore {
  readonly #store: AdapterStore;
  readonly #persist: (write: () => Promise<void>) => Promise<void>;
  /** The provider and client it belongs to: a record of another configuration is not used. */
  readonly #owner: string;
  #memory: HeldRefreshToken | undefined;
  #generation = 0;

  constructor(store: AdapterStore, persist: (write: () => Promise<void>) => Promise<void>, owner: string) {
    this.#store = store;
    this.#persist = persist;
    this.#owner = owner;
  }

  /** Bumped by `reset`: a refresh that began before must not store what it got. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * The current refresh token. A bound one is read from the store each time (under the refresh
   * lock): another worker of this origin may have rotated it, and presenting the old one would
   * look like a replay and revoke the grant (RFC 9700 4.14).
   */
  async current(): Promise<HeldRefreshToken | undefined> {
    if (this.#memory && !this.#memory.bound) return this.#memory;
    let stored: unknown;
    try {
      stored = await this.#store.get(KEY);
    } catch {
      return this.#memory; // Unreadable store: what this worker holds is the best there is.
    }
    if (isPlainObject(stored) && stored.owner === this.#owner && typeof stored.token === 'string' && typeof stored.sub === 'string') {
      this.#memory = { token: stored.token, sub: stored.sub, bound: true };
    }
    return this.#memory;
  }

  /**
   * Keeps a rotated token, unless `reset` ran since `generation`; resolves once it is stored, so a
   * rotated token is kept before the access token that came with it is used.
   */
  async keep(held: HeldRefreshToken, generation: number): Promise<boolean> {
    if (generation !== this.#generation) return false;
    await this.#write(held);
    return true;
  }

  /** Starts over with a new session's token, or none (sign-out): a refresh that began before stores nothing. */
  async reset(held?: HeldRefreshToken): Promise<void> {
    this.#generation += 1;
    await this.#write(held);
  }

  #write(held: HeldRefreshToken | undefined): Promise<void> {
    this.#memory = held;
    // An unbound one also removes a bound one stored before: it belongs to an older session.
    const record = held?.bound ? { owner: this.#owner, token: held.token, sub: held.sub } : undefined;
    return this.#persist(() => this.#store.update(KEY, () => record));
  }
}
