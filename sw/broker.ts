import { createAllowlist } from './allowlist';
import { createAuthClient, type AuthClient, type TokenGrant, type Transport } from './auth-client';
import type { BrokerConfig } from './config';
import { BrokerError } from './errors';
import type { Session, User } from './protocol';
import { authUnavailableResponse, brokerOnlyResponse } from './responses';
import type { SessionStore } from './session-store';
import { SingleFlight } from './single-flight';

/** The time source: `Date` in the worker, a manual clock in tests. */
export interface Clock {
  now(): number;
}

/** Runs a task under a lock shared by every worker of the origin (Web Locks in the worker). */
export type Lock = <T>(task: () => Promise<T>) => Promise<T>;

/** Everything the broker needs from the outside world, injected so tests can fake it. */
export interface BrokerDeps {
  transport: Transport;
  clock: Clock;
  store: SessionStore;
  config: BrokerConfig;
  /** Tells every window that the session changed. */
  broadcast?: (session: Session) => void;
  /** Serializes refreshes across workers, so an old and a new worker never refresh at once. */
  lock?: Lock;
  /** Removes anything cached that could hold user data; called when a session ends. */
  purge?: () => Promise<void>;
  /** Whether the browser believes it is online; while it is not, no refresh is attempted. */
  online?: () => boolean;
}

/** What the broker does with a request: attach a bearer, refuse it, or leave it alone. */
export type RequestKind = 'api' | 'auth' | 'other';

interface HeldToken {
  value: string;
  expiresAt: number;
  /** When refresh-ahead starts: min(maxRefreshSkewMs, a third of the lifetime) before expiry. */
  refreshAt: number;
  generation: number;
}

const SIGNED_OUT: Session = Object.freeze({ status: 'signed-out' });
const BODYLESS_METHODS = new Set(['GET', 'HEAD']);
const INVALID_TOKEN = /\berror\s*=\s*"?invalid_token\b/i;

/** RFC 6750 3.1: only `invalid_token` says the token (not the request) was the problem. */
function isInvalidTokenResponse(response: Response): boolean {
  return response.status === 401 && INVALID_TOKEN.test(response.headers.get('WWW-Authenticate') ?? '');
}

const sameLock: Lock = (task) => task();

/**
 * Holds the access token in memory and lends it to allowlisted requests: refreshes ahead of
 * expiry and on 401 `invalid_token` (once, then retries once), shares one refresh among all
 * concurrent requests, and remembers in its store (never the token) that a session exists.
 *
 * @example
 * const broker = new TokenBroker({ transport: fetch, clock: Date, store, config });
 * const response = await broker.fetch(request); // for requests classified as 'api'
 */
export class TokenBroker {
  readonly #deps: BrokerDeps;
  readonly #auth: AuthClient;
  readonly #allowed: (url: URL) => boolean;
  readonly #refresh = new SingleFlight<HeldToken>();
  #loaded: Promise<void> | undefined;
  #user: User | undefined;
  #token: HeldToken | undefined;
  #generation = 0;
  /** Bumped by login and logout, so a refresh that began in another session is void. */
  #epoch = 0;
  /** After a failed refresh-ahead, a still-valid token is used without retrying until then. */
  #refreshAheadPausedUntil = 0;

  constructor(deps: BrokerDeps) {
    this.#deps = deps;
    this.#auth = createAuthClient(deps.transport, deps.config);
    this.#allowed = createAllowlist(deps.config.allowlist);
  }

  /** Sorts a request from a page: bearer-eligible API call, refused token call, or other. */
  classify(request: Request, url: URL = new URL(request.url)): RequestKind {
    const scope = this.#deps.config.authScope;
    if (url.origin === scope.origin && url.pathname.startsWith(scope.pathPrefix)) return 'auth';
    if (request.mode === 'navigate') return 'other';
    return this.#allowed(url) ? 'api' : 'other';
  }

  /** Answers a page's request to the token endpoints: always 403, whatever it asks. */
  refuse(): Response {
    return brokerOnlyResponse();
  }

  /**
   * Sends an allowlisted request with the bearer, refreshing and retrying as needed. When the
   * network fails, the page gets a network error (Response.error()), as it would without a worker.
   */
  fetch(request: Request): Promise<Response> {
    return this.#fetch(request).catch(() => Response.error());
  }

  async #fetch(request: Request): Promise<Response> {
    // The page's explicit choice wins, and it never sees ours.
    if (request.headers.has('Authorization')) return this.#deps.transport(request);
    await this.#ready();
    if (!this.#user) return this.#deps.transport(request);

    let token: HeldToken;
    try {
      token = await this.#usableToken();
    } catch (error) {
      return this.#withoutToken(error, request);
    }
    // Read the body once so a retry can send it again.
    const body = BODYLESS_METHODS.has(request.method) ? undefined : await request.arrayBuffer();
    const first = await this.#send(request, body, token);
    if (!isInvalidTokenResponse(first)) return first;

    let next: HeldToken;
    try {
      next = this.#token && this.#token.generation > token.generation ? this.#token : await this.#refreshOnce();
    } catch (error) {
      return error instanceof BrokerError && error.code === 'invalid_grant' ? first : this.#unavailable();
    }
    return this.#send(request, body, next);
  }

  /** The session as a page may see it. After a worker restart it refreshes once to confirm it. */
  async session(): Promise<Session> {
    await this.#ready();
    if (this.#user && !this.#token) {
      try {
        await this.#refreshOnce();
      } catch {
        // invalid_grant has ended the session; a network failure keeps it as stored.
      }
    }
    return this.#describe();
  }

  /** Signs in with a password; the page gets the session, never the token. */
  async login(username: string, password: string, remember = true): Promise<Session> {
    await this.#ready();
    const grant = await this.#auth.login(username, password, remember);
    this.#epoch += 1;
    if (this.#user && this.#user.id !== grant.user.id) await this.#purge();
    await this.#accept(grant);
    return this.#describe();
  }

  /** Signs out: revokes the refresh token at the server (best effort), forgets everything here. */
  async logout(): Promise<Session> {
    await this.#ready();
    this.#epoch += 1;
    try {
      await this.#auth.logout();
    } catch {
      // Unreachable server: sign out here anyway; the refresh family expires on its own.
    }
    await this.#endSession();
    return SIGNED_OUT;
  }

  #describe(): Session {
    if (!this.#user) return SIGNED_OUT;
    return this.#token
      ? { status: 'signed-in', user: this.#user, accessExpiresAt: this.#token.expiresAt }
      : { status: 'signed-in', user: this.#user };
  }

  #ready(): Promise<void> {
    this.#loaded ??= this.#deps.store.load().then(
      (stored) => {
        if (stored && !this.#user) this.#user = stored.user;
      },
      () => undefined, // An unreadable store means no remembered session, not a broken worker.
    );
    return this.#loaded;
  }

  async #usableToken(): Promise<HeldToken> {
    const now = this.#deps.clock.now();
    const held = this.#token;
    if (held && (now < held.refreshAt || (now < this.#refreshAheadPausedUntil && now < held.expiresAt))) return held;
    try {
      return await this.#refreshOnce();
    } catch (error) {
      const stillValid = held && this.#token === held && this.#deps.clock.now() < held.expiresAt;
      if (!stillValid || (error instanceof BrokerError && error.code === 'invalid_grant')) throw error;
      this.#refreshAheadPausedUntil = this.#deps.clock.now() + this.#deps.config.unavailableRetryAfterSeconds * 1000;
      return held;
    }
  }

  #refreshOnce(): Promise<HeldToken> {
    return this.#refresh.run(async () => {
      // Offline, a refresh can only fail: fail fast instead of queueing attempts.
      if (this.#deps.online?.() === false) throw new BrokerError('network', 'The browser is offline.');
      const epoch = this.#epoch;
      const lock = this.#deps.lock ?? sameLock;
      let grant: TokenGrant;
      try {
        grant = await lock(() => this.#auth.refresh());
      } catch (error) {
        if (epoch === this.#epoch && error instanceof BrokerError && error.code === 'invalid_grant') await this.#endSession();
        throw error;
      }
      if (epoch !== this.#epoch) {
        // Signed in or out while this refresh was on its way: its result belongs to no session.
        if (this.#token) return this.#token;
        throw new BrokerError('invalid_grant', 'The session has ended; sign in again.');
      }
      return this.#accept(grant);
    });
  }

  async #accept(grant: TokenGrant): Promise<HeldToken> {
    const receivedAt = this.#deps.clock.now();
    // RFC 6749 5.1: schedule from expires_in as received, not from `exp` against a local clock that may be off.
    const lifetime = grant.expiresIn * 1000;
    const skew = Math.min(this.#deps.config.maxRefreshSkewMs, lifetime / 3);
    this.#generation += 1;
    const token: HeldToken = {
      value: grant.accessToken,
      expiresAt: receivedAt + lifetime,
      refreshAt: receivedAt + lifetime - skew,
      generation: this.#generation,
    };
    this.#token = token;
    this.#user = grant.user;
    this.#refreshAheadPausedUntil = 0;
    try {
      await this.#deps.store.save({ user: grant.user, accessExpiresAt: token.expiresAt });
    } catch {
      // Without a store the session lasts as long as this worker; it still works.
    }
    this.#deps.broadcast?.(this.#describe());
    return token;
  }

  async #endSession(): Promise<void> {
    this.#user = undefined;
    this.#token = undefined;
    try {
      await this.#deps.store.clear();
    } catch {
      // Nothing sensitive is in the store; a stale record is refused by the next refresh.
    }
    await this.#purge();
    this.#deps.broadcast?.(SIGNED_OUT);
  }

  async #purge(): Promise<void> {
    try {
      await this.#deps.purge?.();
    } catch {
      // Purging is hygiene; its failure must not keep anyone signed in.
    }
  }

  #send(request: Request, body: ArrayBuffer | undefined, token: HeldToken): Promise<Response> {
    const headers = new Headers(request.headers);
    headers.set('Authorization', `Bearer ${token.value}`);
    // `manual`: a redirect never carries the bearer anywhere, and the page sees it fail.
    const init: RequestInit = { headers, redirect: 'manual' };
    // A no-cors request would silently drop the header; cors keeps it (same-origin works too).
    if (request.mode === 'no-cors') init.mode = 'cors';
    if (body !== undefined) init.body = body;
    return this.#deps.transport(new Request(request, init));
  }

  #withoutToken(error: unknown, request: Request): Promise<Response> | Response {
    // The session just ended: the API answers the request as it would any anonymous one.
    if (error instanceof BrokerError && error.code === 'invalid_grant') return this.#deps.transport(request);
    return this.#unavailable();
  }

  #unavailable(): Response {
    return authUnavailableResponse(this.#deps.config.unavailableRetryAfterSeconds);
  }
}
