import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.ts';
import type { BrokerReply, Session } from '../protocol.ts';
import { createBrokerClient, type BrokerClientOptions } from './broker-client.ts';

interface TestUser {
  id: string;
  name: string;
}

const SIGNED_IN: Session<TestUser> = { status: 'signed-in', user: { id: 'u-1', name: 'Test' }, accessExpiresAt: 1 };
const parseUser = (value: unknown): TestUser | undefined => {
  const { id, name } = (value ?? {}) as Record<string, unknown>;
  return typeof id === 'string' && typeof name === 'string' ? { id, name } : undefined;
};

/** A stand-in for navigator.serviceWorker whose controller answers through the reply port. */
class FakeContainer extends EventTarget {
  posted: unknown[] = [];
  controller: { postMessage(message: unknown, transfer: MessagePort[]): void } | null;
  registration: { active: { postMessage(message: unknown): void } | null } | undefined = undefined;

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

  getRegistration(): Promise<{ active: { postMessage(message: unknown): void } | null } | undefined> {
    return Promise.resolve(this.registration);
  }

  announce(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
}

function client(answer?: (message: unknown) => unknown, options: BrokerClientOptions<TestUser> = {}) {
  const container = new FakeContainer(answer);
  const logs: string[] = [];
  // The fake implements only what the client uses.
  const broker = createBrokerClient<TestUser>({
    container: container as unknown as ServiceWorkerContainer,
    parseUser,
    timeoutMs: 1000,
    log: (line) => logs.push(line),
    ...options,
  });
  return { container, broker, logs };
}

describe('createBrokerClient', () => {
  it('logs in through the controller and resolves with the session, with a string user id', async () => {
    const { container, broker } = client((): BrokerReply<TestUser> => ({ ok: true, session: SIGNED_IN }));
    await expect(broker.login({ username: 'test', password: 'test' })).resolves.toEqual(SIGNED_IN);
    await broker.login({ username: 'test', password: 'test', remember: false });
    expect(container.posted).toEqual([
      { type: 'login', username: 'test', password: 'test' },
      { type: 'login', username: 'test', password: 'test', remember: false },
    ]);
  });

  it('sends only the credential fields, whatever else the object carries', async () => {
    const { container, broker } = client((): BrokerReply<TestUser> => ({ ok: true, session: SIGNED_IN }));
    const form = { username: 'test', password: 'test', confirm: 'test' };
    await broker.login(form);
    expect(container.posted).toEqual([{ type: 'login', username: 'test', password: 'test' }]);
  });

  it('rejects an error reply with a BrokerError carrying its code and retryAfter', async () => {
    const { broker, logs } = client((): BrokerReply => ({
      ok: false,
      error: { code: 'rate_limited', message: 'slow down', retryAfter: 30 },
    }));
    const failure = await broker.login({ username: 'test', password: 'x' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BrokerError);
    expect(failure).toMatchObject({ code: 'rate_limited', retryAfter: 30 });
    expect(logs).toEqual([]); // the user's problem, not the developer's
  });

  it('logs configuration-shaped failures with their code and reason', async () => {
    const { broker, logs } = client((): BrokerReply => ({
      ok: false,
      error: { code: 'bad_response', message: 'login: "access_token" is missing' },
    }));
    await expect(broker.login({ username: 'test', password: 'x' })).rejects.toMatchObject({ code: 'bad_response' });
    expect(logs).toEqual(['login failed: bad_response: login: "access_token" is missing']);
  });

  it('rejects with not_controlled and posts nothing when no worker controls the page', async () => {
    const { broker } = client(undefined);
    await expect(broker.session()).rejects.toMatchObject({ code: 'not_controlled' });
  });

  it('rejects with timeout when the worker does not answer', async () => {
    const { broker } = client(() => undefined, { timeoutMs: 20 });
    await expect(broker.session()).rejects.toMatchObject({ code: 'timeout' });
  });

  it.each([
    ['a session without a user', { ok: true, session: { status: 'signed-in' } }],
    ['a user the parser refuses', { ok: true, session: { status: 'signed-in', user: { id: 1, name: 'Test' } } }],
    ['an unknown error code', { ok: false, error: { code: 'weird', message: 'x' } }],
    ['not an object', 'ok'],
  ])('rejects %s with bad_response', async (_, reply) => {
    const { broker } = client(() => reply);
    await expect(broker.session()).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('delivers valid session-changed messages and ignores anything else', async () => {
    const { container, broker } = client(() => undefined);
    const seen: Session<TestUser>[] = [];
    const unsubscribe = broker.onChange((session) => seen.push(session));
    container.announce({ type: 'session-changed', session: SIGNED_IN });
    container.announce({ type: 'session-changed', session: { status: 'bogus' } });
    container.announce({ type: 'session-changed', session: { status: 'signed-in', user: { id: 7 } } });
    container.announce({ type: 'something-else' });
    container.announce('session-changed');
    unsubscribe();
    container.announce({ type: 'session-changed', session: { status: 'signed-out' } });
    expect(seen).toEqual([SIGNED_IN]);
  });

  it('asks for the queued writes and for a replay, and refuses a reply without writes', async () => {
    const write = { id: 'w-1', method: 'POST', url: 'https://app.test/api/todos', body: '{"title":"x"}', queuedAt: 1 };
    const { container, broker } = client((message) =>
      (message as { type: string }).type === 'queued-writes' ? { ok: true, writes: [write] } : { ok: true, session: SIGNED_IN },
    );
    await expect(broker.queuedWrites()).resolves.toEqual([write]);
    await expect(broker.replayWrites()).rejects.toMatchObject({ code: 'bad_response' });
    expect(container.posted).toEqual([{ type: 'queued-writes' }, { type: 'replay-writes' }]);
  });

  it('delivers valid writes-changed messages and ignores malformed ones', async () => {
    const { container, broker } = client(() => undefined);
    const write = { id: 'w-1', method: 'POST', url: 'https://app.test/api/todos', body: '{}', queuedAt: 1 };
    const change = {
      type: 'writes-changed',
      pending: [],
      sent: [write],
      dropped: [{ id: 'w-2', method: 'POST', url: write.url, queuedAt: 2, reason: 'other-user' }],
    };
    const seen: unknown[] = [];
    const unsubscribe = broker.onWritesChanged((message) => seen.push(message));
    container.announce(change);
    container.announce({ ...change, dropped: [{ ...write, reason: 'lost' }] });
    container.announce({ ...change, sent: [{ ...write, queuedAt: 'now' }] });
    container.announce({ type: 'writes-changed' });
    unsubscribe();
    container.announce(change);
    expect(seen).toEqual([change]);
  });

  it('passes diagnose checks through', async () => {
    const checks = [{ what: 'endpoints.login', url: 'https://api.test/login', ok: false, detail: 'unreachable' }];
    const { broker } = client(() => ({ ok: true, checks }));
    await expect(broker.diagnose()).resolves.toEqual(checks);
  });
});

describe('signing in and out at an OpenID Provider', () => {
  it('loginWithRedirect asks the worker for the authorization URL and goes there', async () => {
    const visited: string[] = [];
    const { container, broker } = client(() => ({ ok: true, authorizationUrl: 'https://id.test/authorize?state=s' }), {
      navigate: (url) => visited.push(url),
    });
    await broker.loginWithRedirect({ returnUrl: '/todos' });
    await broker.loginWithRedirect();
    expect(container.posted).toEqual([{ type: 'authorize', returnUrl: '/todos' }, { type: 'authorize' }]);
    expect(visited).toEqual(['https://id.test/authorize?state=s', 'https://id.test/authorize?state=s']);
  });

  it.each([
    ['a reply without a URL', { ok: true, session: SIGNED_IN }],
    ['a URL that is not http(s)', { ok: true, authorizationUrl: 'javascript:alert(1)' }],
  ])('refuses %s and goes nowhere', async (_name, reply) => {
    const visited: string[] = [];
    const { broker } = client(() => reply, { navigate: (url) => visited.push(url) });
    await expect(broker.loginWithRedirect()).rejects.toMatchObject({ code: 'bad_response' });
    expect(visited).toEqual([]);
  });

  it('passes the worker refusing authorize on (a password broker) and logs it', async () => {
    const { broker, logs } = client(() => ({ ok: false, error: { code: 'bad_request', message: 'use login' } }), {
      navigate: () => undefined,
    });
    await expect(broker.loginWithRedirect()).rejects.toMatchObject({ code: 'bad_request' });
    expect(logs).toEqual(['authorize failed: bad_request: use login']);
  });

  it("goes to the provider's end-session URL after signing out, unless asked not to", async () => {
    const visited: string[] = [];
    const endSessionUrl = 'https://id.test/session/end?client_id=demo-spa';
    const { broker } = client(() => ({ ok: true, session: { status: 'signed-out' }, endSessionUrl }), {
      navigate: (url) => visited.push(url),
    });
    await expect(broker.logout()).resolves.toEqual({ status: 'signed-out' });
    await expect(broker.logout({ endProviderSession: false })).resolves.toEqual({ status: 'signed-out' });
    expect(visited).toEqual([endSessionUrl]);
  });

  it('reads why a session ended, and refuses a malformed end-session URL', async () => {
    const { broker } = client(() => ({ ok: true, session: { status: 'signed-out', ended: 'refresh-token-lost' } }));
    await expect(broker.session()).resolves.toEqual({ status: 'signed-out', ended: 'refresh-token-lost' });
    const odd = client(() => ({ ok: true, session: { status: 'signed-out', ended: 'whatever' } }));
    await expect(odd.broker.session()).resolves.toEqual({ status: 'signed-out' });
    const bad = client(() => ({ ok: true, session: { status: 'signed-out' }, endSessionUrl: 'not a url' }), { navigate: () => undefined });
    await expect(bad.broker.logout()).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('ready', () => {
  it('is controlled at once when a worker controls the page', async () => {
    const { broker } = client(() => undefined);
    await expect(broker.ready()).resolves.toBe('controlled');
  });

  it('is unsupported without service workers', async () => {
    const broker = createBrokerClient({ container: undefined as unknown as ServiceWorkerContainer });
    // No container given and none in Node: nothing can broker a token here.
    expect(await createBrokerClient().ready()).toBe('unsupported');
    expect(typeof broker.ready).toBe('function');
  });

  it('asks an active worker that does not control the page (a hard reload) to claim it, and is controlled once it does', async () => {
    const { container, broker } = client(undefined, { uncontrolledWaitMs: 60_000, firstInstallWaitMs: 60_000 });
    const asked: unknown[] = [];
    container.registration = {
      active: {
        postMessage: (message) => {
          asked.push(message);
          container.controller = { postMessage: () => undefined };
          container.dispatchEvent(new Event('controllerchange'));
        },
      },
    };
    await expect(broker.ready()).resolves.toBe('controlled');
    expect(asked).toEqual([{ type: 'CLAIM' }]);
  });

  it('is not controlled when the active worker does not claim the page within the wait', async () => {
    const { container, broker } = client(undefined, { uncontrolledWaitMs: 10, firstInstallWaitMs: 60_000 });
    const asked: unknown[] = [];
    container.registration = { active: { postMessage: (message) => asked.push(message) } };
    await expect(broker.ready()).resolves.toBe('not-controlled');
    expect(asked).toEqual([{ type: 'CLAIM' }]);
  });

  it('on a first visit, waits for the new worker to claim the page', async () => {
    const { container, broker } = client(undefined, { uncontrolledWaitMs: 10, firstInstallWaitMs: 60_000 });
    const pending = broker.ready();
    await Promise.resolve();
    container.controller = { postMessage: () => undefined };
    container.dispatchEvent(new Event('controllerchange'));
    await expect(pending).resolves.toBe('controlled');
  });

  it('stops waiting, and says why in the log, when registration fails', async () => {
    const { broker, logs } = client(undefined, { firstInstallWaitMs: 60_000 });
    await expect(broker.ready(Promise.reject(new Error('sw.js: 404')))).resolves.toBe('not-controlled');
    expect(logs).toEqual(['the service worker could not be registered: sw.js: 404']);
  });
});
