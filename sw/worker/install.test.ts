import { beforeEach, describe, expect, it } from 'vitest';
import type { UserRecord } from '../protocol.ts';
import { installBroker, SYNC_TAG } from './install.ts';
import { FakeServer, ManualClock, MemoryQueueStore, MemoryStore, ORIGIN, testConfig } from './test-fakes.ts';
import { TokenBroker } from './token-broker.ts';

/** Just enough of a ServiceWorkerGlobalScope for install: listeners, clients, caches, Background Sync. */
class FakeScope {
  readonly listeners = new Map<string, ((event: unknown) => void)[]>();
  readonly posted: unknown[] = [];
  readonly syncTags: string[] = [];
  readonly clients = {
    matchAll: async () => [{ postMessage: (message: unknown) => this.posted.push(message) }],
    claim: async () => undefined,
  };
  readonly caches = { keys: async () => [], delete: async () => true };
  readonly registration = { sync: { register: async (tag: string) => void this.syncTags.push(tag) } };
  readonly location = new URL(ORIGIN);
  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  /** Dispatches an extendable event and resolves with what its waitUntil was given. */
  dispatch(type: string, fields: Record<string, unknown>): Promise<unknown> {
    let extended: Promise<unknown> = Promise.resolve();
    let stopped = false;
    const event = {
      ...fields,
      waitUntil: (promise: Promise<unknown>) => (extended = promise),
      stopImmediatePropagation: () => (stopped = true),
    };
    for (const listener of this.listeners.get(type) ?? []) if (!stopped) listener(event);
    return extended;
  }
}

let clock: ManualClock;
let server: FakeServer;
let networkDown: boolean;

function installed(options: { offlineQueue?: string[]; backgroundSync?: boolean } = {}): { scope: FakeScope; broker: TokenBroker } {
  const broker = new TokenBroker<UserRecord>(testConfig({ offlineQueue: options.offlineQueue ?? ['POST /api/todos'] }), {
    transport: async (request) => {
      if (networkDown && new URL(request.url).pathname.startsWith('/api/')) throw new TypeError('Failed to fetch');
      return server.transport(request);
    },
    clock,
    store: new MemoryStore(),
    queueStore: new MemoryQueueStore(),
    log: () => undefined,
  });
  const scope = new FakeScope();
  // The fake implements only what install uses.
  installBroker(broker, scope as unknown as ServiceWorkerGlobalScope, { backgroundSync: options.backgroundSync });
  return { scope, broker };
}

const todo = (): Request => new Request(`${ORIGIN}/api/todos`, { method: 'POST', body: '{"title":"x"}' });

beforeEach(() => {
  clock = new ManualClock();
  server = new FakeServer(clock);
  networkDown = false;
});

describe('install with an offline queue', () => {
  it('asks for a Background Sync when a write is queued, and tells every window', async () => {
    const { scope, broker } = installed();
    await broker.login({ username: 'test', password: 'test' });
    networkDown = true;
    expect((await broker.fetch(todo())).status).toBe(202);
    expect(scope.syncTags).toEqual([SYNC_TAG]);
    await expect.poll(() => scope.posted).toContainEqual(expect.objectContaining({ type: 'writes-changed' }));
  });

  it('replays on the sync event, which fails (for the browser to retry) while writes still wait', async () => {
    const { scope, broker } = installed();
    await broker.login({ username: 'test', password: 'test' });
    networkDown = true;
    await broker.fetch(todo());
    await expect(scope.dispatch('sync', { tag: SYNC_TAG })).rejects.toThrow(/wait for the network/);
    networkDown = false;
    await expect(scope.dispatch('sync', { tag: SYNC_TAG })).resolves.toBeUndefined();
    expect(await broker.queuedWrites()).toEqual([]);
    expect(server.apiRequests.map((request) => request.body)).toEqual(['{"title":"x"}']);
  });

  it('listens for no sync event when nothing is queued, or when told not to', () => {
    expect(installed({ offlineQueue: [] }).scope.listeners.has('sync')).toBe(false);
    expect(installed({ backgroundSync: false }).scope.listeners.has('sync')).toBe(false);
  });
});

describe('install', () => {
  it("answers the broker's requests first: fetch listeners added after it never see them", () => {
    const { scope } = installed();
    const later: string[] = [];
    scope.addEventListener('fetch', (event) => later.push((event as FetchEvent).request.url));
    const answered: string[] = [];
    const fetchEvent = (url: string): Record<string, unknown> => ({
      request: new Request(url),
      respondWith: () => answered.push(url),
    });
    void scope.dispatch('fetch', fetchEvent(`${ORIGIN}/api/users`));
    void scope.dispatch('fetch', fetchEvent(`${ORIGIN}/auth/refresh`));
    void scope.dispatch('fetch', fetchEvent(`${ORIGIN}/assets/app.js`));
    expect(answered).toEqual([`${ORIGIN}/api/users`, `${ORIGIN}/auth/refresh`]);
    expect(later).toEqual([`${ORIGIN}/assets/app.js`]);
  });
});
