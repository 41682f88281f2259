import {
  isBrokerReply,
  isSessionChangedMessage,
  type BrokerErrorCode,
  type BrokerRequest,
  type Session,
} from '../sw/protocol';

/** A failed request to the service worker, with the wire code. */
export class BrokerClientError extends Error {
  override readonly name = 'BrokerClientError';
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** The page's only way to the broker: ask, never hold a token. */
export interface BrokerClient {
  /** `remember: false` keeps the session only until the browser closes. */
  login(username: string, password: string, remember?: boolean): Promise<Session>;
  logout(): Promise<Session>;
  session(): Promise<Session>;
  /** Calls `listener` on every session change the worker announces; returns an unsubscribe. */
  onChange(listener: (session: Session) => void): () => void;
  /** Whether a service worker controls the page within `timeoutMs`. */
  whenControlled(timeoutMs: number): Promise<boolean>;
}

/**
 * A typed postMessage + MessageChannel RPC to the controlling service worker.
 *
 * @example
 * const broker = createBrokerClient();
 * const session = await broker.login('test', 'test'); // { status: 'signed-in', user, ... }
 */
export function createBrokerClient(container: ServiceWorkerContainer = navigator.serviceWorker, options = { timeoutMs: 10_000 }): BrokerClient {
  function ask(request: BrokerRequest): Promise<Session> {
    const controller = container.controller;
    if (!controller) {
      return Promise.reject(new BrokerClientError('not_controlled', 'This page is not controlled by the service worker.'));
    }
    return new Promise<Session>((resolve, reject) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => {
        channel.port1.close();
        reject(new BrokerClientError('timeout', 'The service worker did not answer in time.'));
      }, options.timeoutMs);
      channel.port1.onmessage = (event: MessageEvent<unknown>) => {
        clearTimeout(timer);
        channel.port1.close();
        const reply = event.data;
        if (!isBrokerReply(reply)) reject(new BrokerClientError('bad_request', 'The service worker sent a malformed reply.'));
        else if (reply.ok) resolve(reply.session);
        else reject(new BrokerClientError(reply.error.code, reply.error.message, reply.error.retryAfter));
      };
      controller.postMessage(request, [channel.port2]);
    });
  }

  return {
    login: (username, password, remember = true) => ask({ type: 'login', username, password, remember }),
    logout: () => ask({ type: 'logout' }),
    session: () => ask({ type: 'session' }),
    onChange(listener) {
      const handler = (event: MessageEvent<unknown>): void => {
        if (isSessionChangedMessage(event.data)) listener(event.data.session);
      };
      container.addEventListener('message', handler);
      return () => container.removeEventListener('message', handler);
    },
    whenControlled(timeoutMs) {
      if (container.controller) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (controlled: boolean): void => {
          clearTimeout(timer);
          container.removeEventListener('controllerchange', onChange);
          resolve(controlled);
        };
        const onChange = (): void => done(container.controller !== null);
        const timer = setTimeout(() => done(container.controller !== null), timeoutMs);
        container.addEventListener('controllerchange', onChange);
      });
    },
  };
}
