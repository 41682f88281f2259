import { BrokerError, toBrokerError } from '../errors.ts';
import type {
  Credentials,
  DiagnosticCheck,
  DropReason,
  QueuedWrite,
  Session,
  SessionEnd,
  UserRecord,
  WritesChangedMessage,
} from '../protocol.ts';
import type { AdapterStore } from './adapter-store.ts';
import type { AuthAdapter, AuthRequest, Grant } from './adapters/auth-adapter.ts';
import { isRedirectAdapter, RefreshTokenLostError, type RedirectClient } from './adapters/redirect-adapter.ts';
import { diagnose } from './diagnose.ts';
import type { Dpop, Proof } from './dpop/dpop.ts';
import { bareUrl, type Log } from './log.ts';
import { OfflineQueue, type SendOutcome } from './offline-queue/offline-queue.ts';
import type { QueueStore } from './offline-queue/queue-store.ts';
import { ownerOf } from './offline-queue/queued-write.ts';
import { denylistFor, type BrokerConfig } from './options.ts';
import { authUnavailableResponse, brokerOnlyResponse, queuedResponse, seeOtherResponse } from './responses.ts';
import { parseStoredSession, type SessionStore } from './session-store.ts';
import { SingleFlight } from './single-flight.ts';
import { withTimeout } from './timeout.ts';

/** Sends a request and returns the response: `fetch`, or a fake in tests. */
export type Transport = (request: Request) => Promise<Response>;

/** The time source: `Date` in the worker, a manual clock in tests. */
export interface Clock {
  now(): number;
}

/**
 * Runs a task under a lock shared by every worker of the origin (Web Locks in the worker). When
 * `signal` aborts before the lock is granted, the wait ends with `signal.reason` and the task never
 * runs (as `navigator.locks.request` with a signal does): a page can hold the lock too.
 */
export type Lock = <T>(task: () => Promise<T>, signal: AbortSignal) => Promise<T>;

/** What `install(self)` connects: the parts only a service worker has. */
export interface WorkerHooks<User> {
  /** Tells every window that the session changed. */
  broadcast?: (session: Session<User>) => void;
  /** Removes anything cached that could hold user data; called when a session ends or the user changes. */
  purge?: () => Promise<void>;
  /** Tells every window that queued writes were added, sent or dropped. */
  broadcastWrites?: (message: WritesChangedMessage) => void;
  /** Asks the browser to wake the worker once it is online (Background Sync), where it can. */
  requestSync?: () => void;
}

/** Everything the broker needs from the outside world, injected so tests can fake it. */
export interface BrokerDeps<User> extends WorkerHooks<User> {
  transport: Transport;
  clock: Clock;
  store: SessionStore;
  /** One-line reasons for failures; never a token or a password. */
  log: Log;
  /** Serializes refreshes across workers, so an old and a new worker never refresh at once. */
  lock?: Lock;
  /** Whether the browser believes it is online; while it is not, no refresh is attempted. */
  online?: () => boolean;
  /** Proofs of possession (RFC 9449): with it every token-endpoint and API call carries a `DPoP` proof. */
  dpop?: Dpop;
  /** Where writes that failed on the network wait (never with a token); needed for `offlineQueue`. */
  queueStore?: QueueStore;
  /** Where a redirect adapter (`oidc`) keeps its records: sign-ins under way, a refresh token bound to the DPoP key. */
  adapterStore?: AdapterStore;
}

/** What a sign-out leaves: the session, and where to end the provider's session (RP-initiated logout) when there is one. */
export interface SignOut<User> {
  session: Session<User>;
  endSessionUrl?: string;
}

/** What a replay of the offline queue left behind. */
export interface ReplayResult {
  /** The signed-in user's writes still waiting, oldest first. */
  pending: QueuedWrite[];
  /** True when the network (or the token endpoint) failed and those writes wait for the next chance. */
  retryLater: boolean;
}

/**
 * What the broker does with a page's request: lend the token, refuse it, leave it alone, or (a
 * redirect adapter's) complete a sign-in from the navigation back from the provider.
 */
export type RequestKind = 'api' | 'broker-only' | 'other' | 'callback';

interface HeldToken {
  /** The slot it belongs to: the session's own (`''`), or an RFC 8707 resource an allowlist rule names. */
  resource: string;
  value: string;
  /** `Bearer`, or `DPoP` for a token bound to the worker's key. */
  scheme: 'Bearer' | 'DPoP';
  expiresAt: number;
  /** When refresh-ahead starts: min(refreshSkewMs, a third of the lifetime) before expiry. */
  refreshAt: number;
  generation: number;
}

type AuthStep = 'login' | 'refresh' | 'logout' | 'authorize';

/** One access token and its refresh: the session's own, and one per resource an allowlist rule names. */
interface TokenSlot {
  token: HeldToken | undefined;
  readonly refresh: SingleFlight<HeldToken>;
  /** After a failed refresh-ahead, a still-valid token is used without retrying until then. */
  pausedUntil: number;
}

/** The slot of the session's own token (the one sign-in gives). */
const SESSION = '';

const BODYLESS_METHODS = new Set(['GET', 'HEAD']);
const bodyOf = (request: Request): Promise<ArrayBuffer | undefined> =>
  BODYLESS_METHODS.has(request.method) ? Promise.resolve(undefined) : request.arrayBuffer();
/** Whether nothing came back: fetch's TypeError, or a refresh that could not reach the token endpoint. */
const isNetworkFailure = (error: unknown): boolean =>
  error instanceof BrokerError ? error.code === 'network' || error.code === 'timeout' : error instanceof TypeError;
const sameLock: Lock = (task) => task();
// Failures that are the user's or the session's, not the configuration's: not worth a log line.
const EXPECTED = new Set(['invalid_credentials', 'rate_limited']);

/**
 * Holds the access token in memory and lends it to allowlisted requests: refreshes ahead of
 * expiry and when the API refuses it (once, then retries once), shares one refresh among all
 * concurrent requests, and remembers in its store (never the token) that a session exists.
 * Pure: everything outside comes in through BrokerDeps. `createTokenBroker` wires the defaults.
 *
 * @example
 * const broker = new TokenBroker(resolveOptions({ allowlist: ['/api/'] }, origin), { transport: fetch, clock: Date, store, log });
 * const response = broker.route(request); // undefined for requests the broker leaves alone
 */
export class TokenBroker<User = UserRecord> {
  readonly #config: BrokerConfig<User>;
  readonly #deps: BrokerDeps<User>;
  readonly #slots = new Map<string, TokenSlot>();
  readonly #queue: OfflineQueue | undefined;
  /** The adapter whose calls the broker sends (cookieSession, jsonApi), or the running redirect adapter (oidc): one of the two. */
  readonly #calls: AuthAdapter | undefined;
  readonly #redirect: RedirectClient | undefined;
  #loaded: Promise<void> | undefined;
  #user: User | undefined;
  #generation = 0;
  /** Bumped by login and logout, so a refresh that began in another session is void. */
  #epoch = 0;
  /** Why the last session ended by itself, while the user has not signed in or out since. */
  #ended: SessionEnd | undefined;
  /** The store's writes, one after another: a sign-out's clear never lands before an earlier save. */
  #stored: Promise<void> = Promise.resolve();

  constructor(config: BrokerConfig<User>, deps: BrokerDeps<User>) {
    this.#config = config;
    this.#deps = { ...deps };
    if (deps.queueStore && config.offlineQueue.length > 0) this.#queue = new OfflineQueue(deps.queueStore, deps.log);
    const adapter = config.adapter;
    if (!isRedirectAdapter(adapter)) {
      this.#calls = adapter;
      return;
    }
    this.#redirect = adapter.connect({
      origin: config.origin,
      transport: (request) => this.#deps.transport(request),
      clock: deps.clock,
      log: deps.log,
      store: deps.adapterStore,
      dpopKey: deps.dpop?.keyPair?.bind(deps.dpop),
      resources: config.resources,
      timeoutMs: config.authTimeoutMs,
      persist: (write) => this.#persist(write, (error) => `the ${adapter.name} adapter's record could not be stored (${String(error)})`),
    });
  }

  /** The resolved configuration. */
  get config(): BrokerConfig<User> {
    return this.#config;
  }

  /** Patterns for an app-shell navigation fallback's denylist: the API and token URLs of this origin. */
  get navigationDenylist(): RegExp[] {
    return denylistFor(this.#config);
  }

  /** Connects what only a service worker has (install does this). */
  attach(hooks: WorkerHooks<User>): void {
    Object.assign(this.#deps, hooks);
  }

  /** Writes one line to the broker's log (`log` option): for the worker's wiring, which reports its failures there too. */
  log(line: string): void {
    this.#deps.log(line);
  }

  /** Sorts a page's request: token-bearing API call, refused token-endpoint call, or none of ours. */
  classify(request: Request, url: URL = new URL(request.url)): RequestKind {
    // The provider sending the browser back: caught before the 403 for the token paths (/auth/), in
    // frames too, so that no document (a page script could read its URL) is ever at a callback URL.
    if (request.mode === 'navigate' && this.#redirect?.isCallback(url)) return 'callback';
    if (this.#config.isBrokerOnly(url)) return 'broker-only';
    // A navigation can be started by any site: it never carries the token.
    if (request.mode === 'navigate') return 'other';
    return this.#config.isAllowed(url) ? 'api' : 'other';
  }

  /** The answer to a page's request, or undefined when the broker leaves it alone. */
  route(request: Request): Promise<Response> | undefined {
    const url = new URL(request.url);
    switch (this.classify(request, url)) {
      case 'broker-only':
        return Promise.resolve(brokerOnlyResponse());
      case 'api':
        return this.fetch(request, url);
      case 'callback':
        return this.callback(url);
      case 'other':
        return undefined;
    }
  }

  /** For Workbox's `registerRoute(broker.match, broker.handle, method)`: whether a request is the broker's. */
  readonly match = ({ request, url }: { request: Request; url?: URL }): boolean => this.classify(request, url) !== 'other';

  /** For Workbox's `registerRoute(broker.match, broker.handle, method)`: answers a matched request. */
  readonly handle = ({ request }: { request: Request }): Promise<Response> => this.route(request) ?? this.#deps.transport(request);

  /**
   * Sends an allowlisted request with the token, refreshing and retrying as needed. When the
   * network fails, the page gets a network error (Response.error()), as it would without a worker.
   */
  fetch(request: Request, url: URL = new URL(request.url)): Promise<Response> {
    return this.#fetch(request, url).catch((error: unknown) => {
      if (!(error instanceof TypeError) && !(error instanceof DOMException)) this.#report('api', toBrokerError(error));
      return Response.error();
    });
  }

  /**
   * Starts reading what a request will need (the stored session and, when one exists, the DPoP
   * key) without waiting for one: install calls it while the worker script runs, so a worker
   * started by a request has them by the time its fetch event arrives.
   */
  warm(): void {
    void this.#ready().then(() => {
      if (this.#user !== undefined) this.#deps.dpop?.publicJwk().catch(() => undefined);
    });
  }

  /** The session as a page may see it. After a worker restart it refreshes once to confirm it. */
  async session(): Promise<Session<User>> {
    await this.#ready();
    if (this.#user && !this.#slot().token) {
      try {
        await this.#refreshOnce();
      } catch {
        // invalid_grant has ended the session; any other failure keeps it as stored.
      }
    }
    return this.#describe();
  }

  /** Signs in with a password; the page gets the session, never the token. */
  async login(credentials: Credentials): Promise<Session<User>> {
    const adapter = this.#calls;
    if (!adapter)
      throw new BrokerError(
        'bad_request',
        'This broker signs in at an OpenID Provider: send { type: "authorize" } (loginWithRedirect), not a password.',
      );
    await this.#ready();
    const url = this.#config.endpoints.login;
    const grant = await this.#guard('login', async () =>
      adapter.readGrant(await this.#call('login', url, adapter.login(credentials)), 'login'),
    );
    const checked = this.#check(grant, 'login');
    await this.#signIn(grant, checked);
    return this.#describe();
  }

  /**
   * Starts a sign-in at the provider (redirect adapters): returns the authorization URL the page
   * navigates to; `returnUrl` (a same-origin path, else `/`) is where the browser lands afterwards.
   */
  async authorize(returnUrl?: string): Promise<string> {
    const flow = this.#redirect;
    if (!flow) throw new BrokerError('bad_request', 'This broker signs in with a password (login); authorize is for the oidc adapter.');
    return this.#guard('authorize', () => flow.authorize(returnUrl));
  }

  /**
   * Completes a sign-in from the navigation the provider sent back to the redirect URI, and
   * answers that navigation with a 303: to the return URL, or to the app's sign-in page with
   * `?signInError=<code>` (logged with its reason). The code never reaches a page.
   */
  async callback(url: URL | string): Promise<Response> {
    const flow = this.#redirect;
    if (!flow) return Response.error();
    await this.#ready();
    let location: string;
    try {
      const signIn = await flow.complete(new URL(url));
      const checked = this.#check(signIn.grant, 'login');
      await this.#signIn(signIn.grant, checked, () => signIn.commit());
      location = new URL(signIn.returnUrl, this.#config.origin).href;
    } catch (error) {
      location = flow.failureUrl(error);
    }
    return seeOtherResponse(location);
  }

  /** Signs out: revokes the refresh token at the server (best effort), forgets everything here. */
  async logout(): Promise<Session<User>> {
    return (await this.signOut()).session;
  }

  /**
   * Signs out like `logout`, and says where the page may go to end the provider's session too
   * (redirect adapters whose provider has an end-session endpoint, when a session existed).
   */
  async signOut(): Promise<SignOut<User>> {
    await this.#ready();
    const signedIn = this.#user !== undefined;
    let endSessionUrl: string | undefined;
    try {
      if (this.#redirect) endSessionUrl = (await this.#redirect.signOut()).endSessionUrl;
      else await this.#revoke();
    } catch {
      // Unreachable server: sign out here anyway (logged); the refresh token expires on its own.
    }
    this.#epoch += 1;
    await this.#endSession();
    const session = this.#describe();
    return signedIn && endSessionUrl !== undefined ? { session, endSessionUrl } : { session };
  }

  /** Checks from inside the worker that every configured origin is reachable and allows credentials. */
  diagnose(): Promise<DiagnosticCheck[]> {
    return diagnose(this.#config, this.#deps.transport, this.#config.authTimeoutMs);
  }

  /** The signed-in user's writes waiting in the offline queue, oldest first (none while signed out). */
  async queuedWrites(): Promise<QueuedWrite[]> {
    await this.#ready();
    return this.#queue ? this.#queue.pending(this.#owner()) : [];
  }

  /**
   * Sends the queued writes, one at a time and in order, each with the current token (refreshed
   * if needed). Another user's writes, and those the server refuses (4xx/5xx), are dropped; a
   * network failure keeps the rest. Pages hear what was sent or dropped (`writes-changed`).
   * Never rejects; concurrent calls share one round.
   */
  async replayWrites(): Promise<ReplayResult> {
    const queue = this.#queue;
    if (!queue) return { pending: [], retryLater: false };
    await this.#ready();
    try {
      const report = await queue.replay({
        owner: () => this.#owner(),
        isQueueable: (method, url) => this.#config.isQueueable(method, url),
        send: (request) => this.#sendQueued(request),
      });
      const pending = await queue.pending(this.#owner());
      if (report.sent.length > 0 || report.dropped.length > 0)
        this.#deps.broadcastWrites?.({ type: 'writes-changed', pending, sent: report.sent, dropped: report.dropped });
      return { pending, retryLater: report.retryLater };
    } catch (error) {
      this.#deps.log(`queued writes could not be replayed (${String(error)})`);
      return { pending: [], retryLater: true };
    }
  }

  async #fetch(request: Request, url: URL): Promise<Response> {
    // The page's explicit choice wins, and it never sees ours.
    if (request.headers.has('Authorization')) return this.#deps.transport(request);
    await this.#ready();
    if (!this.#user) return this.#deps.transport(request);

    const queue = this.#queue && this.#config.isQueueable(request.method, url) ? this.#queue : undefined;
    let token: HeldToken;
    try {
      token = await this.#usableToken(this.#config.resourceOf(url));
    } catch (error) {
      // The session just ended: the API answers the request as it would any anonymous one.
      if (error instanceof BrokerError && error.code === 'invalid_grant') return this.#deps.transport(request);
      if (queue && isNetworkFailure(error)) return this.#enqueue(queue, request, await bodyOf(request));
      return this.#unavailable();
    }
    // Read the body once so a retry can send it again.
    const body = await bodyOf(request);
    // Writes reach the server in the order they were made: the ones waiting go first, and if
    // they cannot, this one waits behind them.
    if (queue && (await queue.hasEntries()) && ((await this.replayWrites()).retryLater || (await queue.hasEntries())))
      return this.#enqueue(queue, request, body);
    let response: Response | undefined;
    try {
      response = await this.#sendAuthorized((held) => this.#send(request, body, held), token);
    } catch (error) {
      if (queue && isNetworkFailure(error)) return this.#enqueue(queue, request, body);
      throw error;
    }
    // The network works again: queued writes can go now (the way they leave without Background Sync).
    if (response && this.#queue?.maybePending) void this.replayWrites();
    return response ?? this.#unavailable();
  }

  /**
   * Sends with `token`; when the answer refuses it, refreshes once (or takes a newer one) and sends
   * again. Undefined when the refresh could not reach the token endpoint.
   */
  async #sendAuthorized(send: (token: HeldToken) => Promise<Response>, token: HeldToken): Promise<Response | undefined> {
    const first = await send(token);
    if (!(this.#calls ?? (this.#redirect as RedirectClient)).tokenRejected(first)) return first;
    let next: HeldToken;
    const newer = this.#slot(token.resource).token;
    try {
      next = newer && newer.generation > token.generation ? newer : await this.#refreshOnce(token.resource);
    } catch (error) {
      return error instanceof BrokerError && error.code === 'invalid_grant' ? first : undefined;
    }
    return send(next);
  }

  /** Queues a write that could not be sent, tells the pages, and answers the page 202. */
  async #enqueue(queue: OfflineQueue, request: Request, body: ArrayBuffer | undefined): Promise<Response> {
    const owner = this.#owner();
    if (owner === undefined) return Response.error();
    let added: Awaited<ReturnType<OfflineQueue['add']>>;
    try {
      added = await queue.add(request, body, owner, this.#deps.clock.now());
    } catch (error) {
      this.#deps.log(`a write could not be queued (${String(error)}); the page gets a network error`);
      return Response.error();
    }
    this.#deps.requestSync?.();
    this.#deps.broadcastWrites?.({ type: 'writes-changed', pending: added.pending, sent: [], dropped: [] });
    return queuedResponse(added.write);
  }

  /** Sends one queued write through the same path as a page's request: current token, proof, one retry. */
  async #sendQueued(request: Request): Promise<SendOutcome> {
    let token: HeldToken;
    try {
      token = await this.#usableToken(this.#config.resourceOf(new URL(request.url)));
    } catch (error) {
      return error instanceof BrokerError && error.code === 'invalid_grant' ? 'ended' : 'later';
    }
    const body = await bodyOf(request);
    try {
      return (await this.#sendAuthorized((held) => this.#send(request, body, held), token)) ?? 'later';
    } catch (error) {
      if (!isNetworkFailure(error)) this.#report('api', toBrokerError(error));
      return 'later';
    }
  }

  /** Drops queued writes that are not `keepOwner`'s (all of them without one) and tells the pages. */
  async #dropWrites(reason: DropReason, keepOwner?: string): Promise<void> {
    if (!this.#queue) return;
    try {
      const dropped = await this.#queue.drop(reason, keepOwner);
      if (dropped.length === 0) return;
      const pending = await this.#queue.pending(keepOwner);
      this.#deps.broadcastWrites?.({ type: 'writes-changed', pending, sent: [], dropped });
    } catch (error) {
      // Not fatal: a write of another session is also refused when a replay reaches it.
      this.#deps.log(`queued writes could not be dropped (${String(error)})`);
    }
  }

  #owner(): string | undefined {
    return this.#user === undefined ? undefined : ownerOf(this.#user);
  }

  /** Adopts a checked sign-in: a new epoch, caches purged when the user changed, `commit` (the adapter's own records) before the session is kept. */
  async #signIn(grant: Grant, checked: { user: User; scheme: HeldToken['scheme'] }, commit?: () => Promise<void>): Promise<void> {
    this.#epoch += 1;
    if (this.#user !== undefined && JSON.stringify(this.#user) !== JSON.stringify(checked.user)) await this.#purge();
    await commit?.();
    await this.#accept(grant, checked, 'login');
    // Writes another user queued are never sent as this one.
    await this.#dropWrites('other-user', ownerOf(checked.user));
  }

  #describe(): Session<User> {
    if (this.#user === undefined) return this.#ended ? { status: 'signed-out', ended: this.#ended } : { status: 'signed-out' };
    const token = this.#slot().token;
    return token ? { status: 'signed-in', user: this.#user, accessExpiresAt: token.expiresAt } : { status: 'signed-in', user: this.#user };
  }

  #ready(): Promise<void> {
    this.#loaded ??= this.#deps.store.load().then(
      (stored) => {
        const session = parseStoredSession(stored, this.#config.parseUser);
        if (session && this.#user === undefined) this.#user = session.user;
      },
      (error: unknown) => this.#deps.log(`the session store could not be read (${String(error)}); starting signed out`),
    );
    return this.#loaded;
  }

  /** The slot of `resource` (default: the session's own token), made on first need. */
  #slot(resource = SESSION): TokenSlot {
    let slot = this.#slots.get(resource);
    if (!slot) {
      slot = { token: undefined, refresh: new SingleFlight<HeldToken>(), pausedUntil: 0 };
      this.#slots.set(resource, slot);
    }
    return slot;
  }

  async #usableToken(resource = SESSION): Promise<HeldToken> {
    const now = this.#deps.clock.now();
    const slot = this.#slot(resource);
    const held = slot.token;
    if (held && (now < held.refreshAt || (now < slot.pausedUntil && now < held.expiresAt))) return held;
    try {
      return await this.#refreshOnce(resource);
    } catch (error) {
      const stillValid = held && slot.token === held && this.#deps.clock.now() < held.expiresAt;
      if (!stillValid || (error instanceof BrokerError && error.code === 'invalid_grant')) throw error;
      slot.pausedUntil = this.#deps.clock.now() + this.#config.retryAfterSeconds * 1000;
      return held;
    }
  }

  #refreshOnce(resource = SESSION): Promise<HeldToken> {
    const slot = this.#slot(resource);
    return slot.refresh.run(async () => {
      // Offline, a refresh can only fail: fail fast instead of queueing attempts.
      if (this.#deps.online?.() === false) throw new BrokerError('network', 'The browser is offline.');
      const epoch = this.#epoch;
      const url = this.#config.endpoints.refresh;
      let grant: Grant;
      let checked: { user: User; scheme: HeldToken['scheme'] };
      try {
        grant = await this.#guard('refresh', () => this.#locked(() => this.#refreshGrant(url, resource)));
        checked = this.#check(grant, 'refresh');
      } catch (error) {
        if (epoch === this.#epoch && error instanceof BrokerError && error.code === 'invalid_grant')
          await this.#endSession(error instanceof RefreshTokenLostError ? 'refresh-token-lost' : undefined);
        throw error;
      }
      if (epoch !== this.#epoch) {
        // Signed in or out while this refresh was on its way: its result belongs to no session.
        const current = this.#slot(resource).token;
        if (current) return current;
        throw new BrokerError('invalid_grant', 'The session has ended; sign in again.');
      }
      return this.#accept(grant, checked, 'refresh', resource);
    });
  }

  /** One refresh call: the adapter's own (a redirect adapter keeps the user unless the provider says otherwise), or one the broker sends. */
  async #refreshGrant(url: string, resource: string): Promise<Grant> {
    if (this.#redirect) {
      const grant = await this.#redirect.refresh(resource === SESSION ? undefined : resource);
      return { ...grant, user: grant.user ?? this.#user };
    }
    const adapter = this.#calls as AuthAdapter;
    return adapter.readGrant(await this.#call('refresh', url, adapter.refresh()), 'refresh');
  }

  /**
   * Runs `task` under the refresh lock, waiting for it no longer than authTimeoutMs: whoever holds
   * the lock (another tab's script can take it too) must not hang every request of every tab. A
   * wait that runs out is a `timeout`, a network failure: the session is kept and the next request
   * tries again.
   */
  #locked<T>(task: () => Promise<T>): Promise<T> {
    const lock = this.#deps.lock ?? sameLock;
    const ms = this.#config.authTimeoutMs;
    return withTimeout(
      ms,
      (signal, disarm) =>
        new Promise<T>((resolve, reject) => {
          lock(() => {
            // A lock that ignored the signal and came late: the caller has given up on this refresh.
            if (signal.aborted) return Promise.reject(signal.reason as Error);
            disarm(); // granted: the token call that follows has a timeout of its own
            const done = task();
            // The result goes out at once; releasing the lock (a round trip to the browser) follows on its own.
            done.then(resolve, reject);
            return done;
          }, signal).catch(reject);
        }),
      `The refresh lock was not free within ${ms} ms (another tab or worker holds it).`,
    );
  }

  async #revoke(): Promise<void> {
    const url = this.#config.endpoints.logout;
    if (url === undefined || !this.#calls) return;
    const spec = this.#calls.logout();
    if (!spec.withAccessToken) {
      await this.#guard('logout', () => this.#call('logout', url, spec));
      return;
    }
    let token: HeldToken;
    try {
      token = await this.#usableToken();
    } catch {
      return; // No token to be had: the session is already over at the server, or it is unreachable.
    }
    await this.#guard('logout', () => this.#sendAuthorized((held) => this.#call('logout', url, spec, held), token));
  }

  /**
   * Sends one call to a token endpoint, bounded by authTimeoutMs; a failure to connect is
   * `network`. With DPoP, a server that asks for a (new) nonce gets the call once more.
   */
  #call(step: AuthStep, url: string, spec: AuthRequest, token?: HeldToken): Promise<Response> {
    const method = spec.method ?? 'POST';
    const json = spec.json === undefined ? undefined : JSON.stringify(spec.json);
    return withTimeout(this.#config.authTimeoutMs, async (signal) => {
      let proof: Proof | undefined;
      const send = async (): Promise<Response> => {
        const headers = new Headers(spec.headers);
        headers.set('Accept', 'application/json');
        if (json !== undefined) headers.set('Content-Type', 'application/json');
        proof = await this.#authorize(headers, method, url, token);
        const init: RequestInit = { method, headers, credentials: 'include', cache: 'no-store', redirect: 'error', signal };
        if (json !== undefined) init.body = json;
        else if (spec.form) init.body = spec.form;
        try {
          return await this.#deps.transport(new Request(url, init));
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          throw this.#unreachable(step, url, error);
        }
      };
      const first = await send();
      return proof && (await this.#deps.dpop?.observe(url, first, 'token', proof)) ? send() : first;
    });
  }

  /** Sets `Authorization` for `token` (if any) and, with DPoP, the `DPoP` proof for this request. */
  async #authorize(headers: Headers, method: string, url: string, token: HeldToken | undefined): Promise<Proof | undefined> {
    if (token) headers.set('Authorization', `${token.scheme} ${token.value}`);
    const dpop = this.#deps.dpop;
    if (!dpop) return undefined;
    const proof = await dpop.proof(method, url, token?.scheme === 'DPoP' ? token.value : undefined);
    headers.set('DPoP', proof.header);
    return proof;
  }

  #unreachable(step: AuthStep, url: string, error: unknown): BrokerError {
    const where = bareUrl(url);
    const crossOrigin = new URL(url).origin !== this.#config.origin;
    const hint = crossOrigin
      ? ` It is on another origin: the worker's Content-Security-Policy must allow it (connect-src ${new URL(url).origin}), and it must answer CORS with Access-Control-Allow-Origin: ${this.#config.origin} and Access-Control-Allow-Credentials: true.`
      : ' The browser may be offline, or the server down.';
    return new BrokerError(
      'network',
      `${step}: ${where} could not be reached (${error instanceof Error ? error.message : String(error)}).${hint}`,
      undefined,
      { cause: error },
    );
  }

  /** Runs a token-endpoint step; any failure is logged once, as a BrokerError, with the endpoint named. */
  async #guard<T>(step: AuthStep, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (thrown) {
      const error = toBrokerError(thrown);
      this.#report(step, error);
      throw error;
    }
  }

  #report(step: AuthStep | 'api', error: BrokerError): void {
    if (EXPECTED.has(error.code)) return;
    const url = step === 'api' ? undefined : step === 'authorize' ? this.#config.endpoints.login : this.#config.endpoints[step];
    const endpoint = step === 'api' ? '' : ` (${this.#config.adapter.name}, ${bareUrl(url ?? this.#config.endpoints.login)})`;
    const cause = error.code === 'internal' && error.cause instanceof Error ? `: ${error.cause.name}: ${error.cause.message}` : '';
    this.#deps.log(`${step} failed${endpoint}: ${error.code}: ${error.message}${cause}`);
  }

  /** Checks a grant's user and token type before anything is held; a mismatch is `bad_response`, logged. */
  #check(grant: Grant, step: 'login' | 'refresh'): { user: User; scheme: HeldToken['scheme'] } {
    const user = this.#config.parseUser(grant.user);
    const type = grant.tokenType ?? 'Bearer';
    const scheme = type.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    let problem: string | undefined;
    if (user === undefined) problem = `${step}: the user in the answer did not pass parseUser (check the adapter's user mapping).`;
    else if (this.#deps.dpop && scheme !== 'DPoP') {
      problem = `${step}: the token server ignored the DPoP proof (token_type "${type}"): it does not support DPoP; set the option dpop: false.`;
    } else if (!this.#deps.dpop && scheme === 'DPoP') problem = `${step}: a DPoP-bound token came back though no proof was sent.`;
    if (problem !== undefined || user === undefined) {
      const error = new BrokerError('bad_response', problem ?? step);
      this.#report(step, error);
      throw error;
    }
    return { user, scheme };
  }

  async #accept(
    grant: Grant,
    { user, scheme }: { user: User; scheme: HeldToken['scheme'] },
    step: 'login' | 'refresh',
    resource = SESSION,
  ): Promise<HeldToken> {
    const receivedAt = this.#deps.clock.now();
    // RFC 6749 5.1: schedule from expires_in as received, not from `exp` against a local clock that may be off.
    const lifetime = grant.expiresIn * 1000;
    const skew = Math.min(this.#config.refreshSkewMs, lifetime / 3);
    this.#generation += 1;
    const token: HeldToken = {
      resource,
      value: grant.accessToken,
      scheme,
      expiresAt: receivedAt + lifetime,
      refreshAt: receivedAt + lifetime - skew,
      generation: this.#generation,
    };
    const slot = this.#slot(resource);
    slot.token = token;
    slot.pausedUntil = 0;
    // Another resource's token changes nothing a page sees.
    if (resource !== SESSION) return token;
    this.#user = user;
    this.#ended = undefined;
    const saved = this.#persist(
      () => this.#deps.store.save({ user, accessExpiresAt: token.expiresAt }),
      (error) => `the session could not be stored (${String(error)}); it lasts as long as this worker`,
    );
    // A sign-in is kept before it is reported; a refresh's token is used at once, stored behind it.
    if (step === 'login') await saved;
    this.#deps.broadcast?.(this.#describe());
    return token;
  }

  async #endSession(ended?: SessionEnd): Promise<void> {
    this.#user = undefined;
    this.#slots.clear();
    this.#ended = ended;
    await this.#redirect?.forget();
    // A new session gets a new key: nothing bound to this one is worth anything any more.
    await this.#deps.dpop?.reset();
    // Nothing sensitive is in the store; a stale record left by a failed clear is refused by the next refresh.
    await this.#persist(() => this.#deps.store.clear());
    await this.#purge();
    // Writes queued in this session are never sent in another.
    await this.#dropWrites('session-ended');
    this.#deps.broadcast?.(this.#describe());
  }

  /** Queues a store write behind the earlier ones; resolves when it is done (a failure is logged, never thrown). */
  #persist(write: () => Promise<void>, failure?: (error: unknown) => string): Promise<void> {
    this.#stored = this.#stored.then(write).catch((error: unknown) => {
      if (failure) this.#deps.log(failure(error));
    });
    return this.#stored;
  }

  async #purge(): Promise<void> {
    try {
      await this.#deps.purge?.();
    } catch (error) {
      // Purging is hygiene; its failure must not keep anyone signed in.
      this.#deps.log(`caches could not be purged (${String(error)})`);
    }
  }

  /** Sends a page's request with the token; with DPoP, once more when the API asks for a new nonce. */
  async #send(request: Request, body: ArrayBuffer | undefined, token: HeldToken): Promise<Response> {
    let proof: Proof | undefined;
    const attempt = async (): Promise<Response> => {
      const headers = new Headers(request.headers);
      proof = await this.#authorize(headers, request.method, request.url, token);
      // `manual`: a redirect never carries the token anywhere, and the page sees it fail.
      const init: RequestInit = { headers, redirect: 'manual' };
      // A no-cors request would silently drop the header; cors keeps it (same-origin works too).
      if (request.mode === 'no-cors') init.mode = 'cors';
      if (body !== undefined) init.body = body;
      return this.#deps.transport(new Request(request, init));
    };
    const first = await attempt();
    return proof && (await this.#deps.dpop?.observe(request.url, first, 'api', proof)) ? attempt() : first;
  }

  #unavailable(): Response {
    return authUnavailableResponse(this.#config.retryAfterSeconds);
  }
}
