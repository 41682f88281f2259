import { describe, expect, it } from 'vitest';
import type { BrokerReply, Session } from '../sw/protocol';
import { BrokerClientError, createBrokerClient } from './broker';

const SIGNED_IN: Session = { status: 'signed-in', user: { id: 1, username: 'test', firstName: 'Test', lastName: 'User' }, accessExpiresAt: 1 };

/** A stand-in for navigator.serviceWorker whose controller answers through the reply port. */
class FakeContainer extends EventTarget {
  posted: unknown[] = [];
  controller: { postMessage(message: unknown, transfer: MessagePort[]): void } | null;

  constructor(answer: ((message: unknown) => unknown) | undefined) {
    super();
    this.controller = answer
      ? {
          postMessage: (message, [port]) => {
            this.posted.push(message);
            const reply = answer(message);
            if (reply !== undefined) port?.postMessage(reply);
          },
        }
      : null;
  }

  announce(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
}

function client(answer?: (message: unknown) => unknown, timeoutMs = 1000) {
  const container = new FakeContainer(answer);
  // The fake implements only what the client uses.
  return { container, broker: createBrokerClient(container as unknown as ServiceWorkerContainer, { timeoutMs }) };
}

describe('createBrokerClient', () => {
  it('logs in through the controller and resolves with the session', async () => {
    const { container, broker } = client((): BrokerReply => ({ ok: true, session: SIGNED_IN }));
    await expect(broker.login('test', 'test')).resolves.toEqual(SIGNED_IN);
    expect(container.posted).toEqual([{ type: 'login', username: 'test', password: 'test', remember: true }]);
  });

  it('rejects an error reply with its code and retryAfter', async () => {
    const { broker } = client((): BrokerReply => ({ ok: false, error: { code: 'rate_limited', message: 'slow down', retryAfter: 30 } }));
    const failure = await broker.login('test', 'x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BrokerClientError);
    expect(failure).toMatchObject({ code: 'rate_limited', retryAfter: 30 });
  });

  it('rejects with not_controlled and posts nothing when no worker controls the page', async () => {
    const { broker } = client(undefined);
    await expect(broker.session()).rejects.toMatchObject({ code: 'not_controlled' });
  });

  it('rejects with timeout when the worker does not answer', async () => {
    const { broker } = client(() => undefined, 20);
    await expect(broker.session()).rejects.toMatchObject({ code: 'timeout' });
  });

  it('rejects a malformed reply with bad_request', async () => {
    const { broker } = client(() => ({ ok: true, session: { status: 'signed-in' } }));
    await expect(broker.session()).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('delivers session-changed messages and ignores anything else', async () => {
    const { container, broker } = client(() => undefined);
    const seen: Session[] = [];
    const unsubscribe = broker.onChange((session) => seen.push(session));
    container.announce({ type: 'session-changed', session: SIGNED_IN });
    container.announce({ type: 'session-changed', session: { status: 'bogus' } });
    container.announce({ type: 'something-else' });
    container.announce('session-changed');
    unsubscribe();
    container.announce({ type: 'session-changed', session: { status: 'signed-out' } });
    expect(seen).toEqual([SIGNED_IN]);
  });

  it('tells whether a worker takes control in time', async () => {
    const controlled = client(() => undefined);
    await expect(controlled.broker.whenControlled(10)).resolves.toBe(true);

    const uncontrolled = client(undefined);
    await expect(uncontrolled.broker.whenControlled(10)).resolves.toBe(false);

    const later = client(undefined);
    const pending = later.broker.whenControlled(1000);
    later.container.controller = { postMessage: () => undefined };
    later.container.dispatchEvent(new Event('controllerchange'));
    await expect(pending).resolves.toBe(true);
  });
});
