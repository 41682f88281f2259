import { BrokerError } from '../errors.ts';
import {
  anyUser,
  parseBrokerReply,
  parseSessionChanged,
  parseWritesChanged,
  type BrokerRequest,
  type ClaimMessage,
  type Credentials,
  type DiagnosticCheck,
  type QueuedWrite,
  type Session,
  type UserParser,
  type UserRecord,
  type WritesChangedMessage,
} from '../protocol.ts';

/** Whether a service worker stands between the page and the API. */
export type Protection = 'controlled' | 'not-controlled' | 'unsupported';

/** Options of the page client; all optional. */
export interface BrokerClientOptions<User> {
  /** Narrows the user in replies (pages validate what the worker sends too). Default: any object. */
  parseUser?: UserParser<User>;
  /** How long to wait for the worker's reply, ms. Default 10000. */
  timeoutMs?: number;
  /** On a first visit, how long `ready()` waits for the new worker to install and claim the page, ms. Default 15000. */
  firstInstallWaitMs?: number;
  /**
   * When an active worker exists but does not control the page (a hard reload), how long `ready()`
   * waits for it to claim the page once asked, ms. Default 1000.
   */
  uncontrolledWaitMs?: number;
  /** Where failures that point at a configuration problem are reported. Default `console.warn`; `false`: nowhere. */
  log?: false | ((line: string) => void);
  /** The service-worker container. Default `navigator.serviceWorker`. */
  container?: ServiceWorkerContainer;
  /** How the page goes to the provider (`loginWithRedirect`, sign-out's end-session URL). Default `location.assign`. */
  navigate?: (url: string) => void;
}

/** Options of `loginWithRedirect`. */
export interface RedirectLoginOptions {
  /** Where to land after signing in: a path on this origin (anything else lands on `/`). Default: the current page. */
  returnUrl?: string;
}

/** Options of `logout`. */
export interface LogoutOptions {
  /**
   * With an OpenID Provider that has an end-session endpoint: go there after signing out here, to
   * end the provider's session too (RP-initiated logout). Default true.
   */
  endProviderSession?: boolean;
}

/** The page's only way to the broker: ask, never hold a token. */
export interface BrokerClient<User = UserRecord> {
  /**
   * Whether a service worker controls the page (waiting for a first install to claim it).
   * Pass the registration promise to learn at once when registering fails.
   */
  ready(registration?: Promise<unknown>): Promise<Protection>;
  /** Signs in through the worker; resolves with the session, never a token. */
  login(credentials: Credentials): Promise<Session<User>>;
  /**
   * Signs in at the OpenID Provider (a worker with the `oidc` adapter): asks the worker for the
   * authorization URL and navigates there. The provider sends the browser back to the worker,
   * which lands it on `returnUrl` signed in, or on the app's sign-in page with `?signInError=`.
   */
  loginWithRedirect(options?: RedirectLoginOptions): Promise<void>;
  /** Signs out; with an OpenID Provider, then goes to its end-session page (see LogoutOptions). */
  logout(options?: LogoutOptions): Promise<Session<User>>;
  session(): Promise<Session<User>>;
  /** Checks from the worker that the configured origins are reachable and allow credentials. */
  diagnose(): Promise<DiagnosticCheck[]>;
  /** Calls `listener` on every session change the worker announces; returns an unsubscribe. */
  onChange(listener: (session: Session<User>) => void): () => void;
  /** The signed-in user's writes waiting in the worker's offline queue (`offlineQueue`), oldest first. */
  queuedWrites(): Promise<QueuedWrite[]>;
  /** Asks the worker to send its queued writes now (call it on `online`); resolves with what still waits. */
  replayWrites(): Promise<QueuedWrite[]>;
  /** Calls `listener` whenever queued writes are added, sent or dropped; returns an unsubscribe. */
  onWritesChanged(listener: (change: WritesChangedMessage) => void): () => void;
}

/** The page's location, as far as the client uses it (the library also compiles for workers, whose location cannot navigate). */
interface PageLocation {
  assign(url: string): void;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
}
const pageLocation = (): PageLocation | undefined => (globalThis as unknown as { location?: PageLocation }).location;

type Answer<User> =
  | { session: Session<User>; endSessionUrl?: string }
  | { checks: DiagnosticCheck[] }
  | { writes: QueuedWrite[] }
  | { authorizationUrl: string };

// Codes that point at a configuration or server problem rather than at the user.
const WORTH_LOGGING = new Set(['bad_request', 'bad_response', 'internal', 'network', 'timeout', 'auth_unavailable', 'not_controlled']);

/**
 * A typed postMessage + MessageChannel client for the controlling service worker, with no
 * framework. Every reply is validated; failures reject with a BrokerError carrying the wire code.
 *
 * @example
 * import { createBrokerClient } from 'sw-token-broker/client';
 * const broker = createBrokerClient();
 * if ((await broker.ready(navigator.serviceWorker.register('/sw.js'))) === 'controlled') {
 *   const session = await broker.login({ username: 'test', password: 'test' }); // { status: 'signed-in', user, ... }
 *   const users = await fetch('/api/users'); // the worker attaches the token
 * }
 */
export function createBrokerClient<User = UserRecord>(options: BrokerClientOptions<User> = {}): BrokerClient<User> {
  const container = options.container ?? (globalThis.navigator as { serviceWorker?: ServiceWorkerContainer } | undefined)?.serviceWorker;
  const parseUser = options.parseUser ?? (anyUser as UserParser<User>);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const log = options.log === false ? () => undefined : (options.log ?? ((line: string) => console.warn(`[token-broker] ${line}`)));
  const navigate = options.navigate ?? ((url: string) => pageLocation()?.assign(url));

  function post(request: BrokerRequest): Promise<Answer<User>> {
    const controller = container?.controller;
    if (!controller) return Promise.reject(new BrokerError('not_controlled', 'This page is not controlled by the service worker.'));
    return new Promise((resolve, reject) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => {
        channel.port1.close();
        reject(new BrokerError('timeout', `The service worker did not answer "${request.type}" within ${timeoutMs} ms.`));
      }, timeoutMs);
      channel.port1.onmessage = (event: MessageEvent<unknown>) => {
        clearTimeout(timer);
        channel.port1.close();
        const reply = parseBrokerReply(event.data, parseUser);
        if (!reply)
          reject(
            new BrokerError(
              'bad_response',
              `The service worker's reply to "${request.type}" is malformed (or its user did not pass parseUser).`,
            ),
          );
        else if (!reply.ok) reject(BrokerError.fromBody(reply.error));
        else resolve(reply);
      };
      controller.postMessage(request, [channel.port2]);
    });
  }

  async function ask(request: BrokerRequest): Promise<Session<User>> {
    return (await askFull(request)).session;
  }

  async function askFull(request: BrokerRequest): Promise<{ session: Session<User>; endSessionUrl?: string }> {
    try {
      const reply = await post(request);
      if (!('session' in reply)) throw new BrokerError('bad_response', `The service worker answered "${request.type}" without a session.`);
      return reply;
    } catch (error) {
      if (error instanceof BrokerError && WORTH_LOGGING.has(error.code)) log(`${request.type} failed: ${error.code}: ${error.message}`);
      throw error;
    }
  }

  async function writes(request: BrokerRequest): Promise<QueuedWrite[]> {
    const reply = await post(request);
    if (!('writes' in reply)) throw new BrokerError('bad_response', `The service worker answered "${request.type}" without writes.`);
    return reply.writes;
  }

  function listen(handler: (data: unknown) => void): () => void {
    const onMessage = (event: MessageEvent<unknown>): void => handler(event.data);
    container?.addEventListener('message', onMessage);
    return () => container?.removeEventListener('message', onMessage);
  }

  function controlledWithin(waitMs: number, failed: Promise<unknown>): Promise<boolean> {
    const worker = container as ServiceWorkerContainer;
    if (worker.controller) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (controlled: boolean): void => {
        clearTimeout(timer);
        worker.removeEventListener('controllerchange', onChange);
        resolve(controlled);
      };
      const onChange = (): void => done(worker.controller !== null);
      const timer = setTimeout(() => done(worker.controller !== null), waitMs);
      worker.addEventListener('controllerchange', onChange);
      failed.then(
        () => undefined,
        (error: unknown) => {
          log(`the service worker could not be registered: ${error instanceof Error ? error.message : String(error)}`);
          done(false);
        },
      );
    });
  }

  return {
    async ready(registration = new Promise<never>(() => undefined)) {
      if (!container) return 'unsupported';
      // A first visit waits for the new worker to install and claim the page. A page that an
      // active worker does not control (a hard reload) asks it to claim the page, and waits briefly.
      const existing = await container.getRegistration().catch(() => undefined);
      if (!container.controller && existing?.active) {
        const claim: ClaimMessage = { type: 'CLAIM' };
        existing.active.postMessage(claim);
      }
      const waitMs = existing?.active ? (options.uncontrolledWaitMs ?? 1000) : (options.firstInstallWaitMs ?? 15_000);
      return (await controlledWithin(waitMs, registration)) ? 'controlled' : 'not-controlled';
    },
    login: ({ username, password, remember }) =>
      ask(remember === undefined ? { type: 'login', username, password } : { type: 'login', username, password, remember }),
    async loginWithRedirect({ returnUrl } = {}) {
      const here = pageLocation();
      const target = returnUrl ?? (here ? `${here.pathname}${here.search}${here.hash}` : undefined);
      const request: BrokerRequest =
        target === undefined || target === '' ? { type: 'authorize' } : { type: 'authorize', returnUrl: target };
      let reply: Answer<User>;
      try {
        reply = await post(request);
      } catch (error) {
        if (error instanceof BrokerError && WORTH_LOGGING.has(error.code)) log(`authorize failed: ${error.code}: ${error.message}`);
        throw error;
      }
      if (!('authorizationUrl' in reply)) throw new BrokerError('bad_response', 'The service worker answered "authorize" without a URL.');
      navigate(reply.authorizationUrl);
    },
    async logout({ endProviderSession = true } = {}) {
      const { session, endSessionUrl } = await askFull({ type: 'logout' });
      if (endSessionUrl !== undefined && endProviderSession) navigate(endSessionUrl);
      return session;
    },
    session: () => ask({ type: 'session' }),
    async diagnose() {
      const reply = await post({ type: 'diagnose' });
      if (!('checks' in reply)) throw new BrokerError('bad_response', 'The service worker answered "diagnose" without checks.');
      return reply.checks;
    },
    onChange: (listener) =>
      listen((data) => {
        const message = parseSessionChanged(data, parseUser);
        if (message) listener(message.session);
      }),
    queuedWrites: () => writes({ type: 'queued-writes' }),
    replayWrites: () => writes({ type: 'replay-writes' }),
    onWritesChanged: (listener) =>
      listen((data) => {
        const message = parseWritesChanged(data);
        if (message) listener(message);
      }),
  };
}
