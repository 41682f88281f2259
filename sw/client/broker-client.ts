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
  logout(): Promise<Session<User>>;
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

type Answer<User> = { session: Session<User> } | { checks: DiagnosticCheck[] } | { writes: QueuedWrite[] };

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
    try {
      const reply = await post(request);
      if (!('session' in reply)) throw new BrokerError('bad_response', `The service worker answered "${request.type}" without a session.`);
      return reply.session;
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
    logout: () => ask({ type: 'logout' }),
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
