import { beforeEach, describe, expect, it } from 'vitest';
import type { UserRecord } from '../protocol.ts';
import { installBroker, SYNC_TAG, type InstallOptions } from './install.ts';
import type { RouterRule } from './static-routing-api.ts';
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
let logged: string[];

function installed(options: InstallOptions & { offlineQueue?: string[] } = {}): { scope: FakeScope; broker: TokenBroker } {
  const { offlineQueue, ...installOptions } = options;
  const broker = new TokenBroker<UserRecord>(testConfig({ offlineQueue: offlineQueue ?? ['POST /api/todos'] }), {
    transport: async (request) => {
      if (networkDown && new URL(request.url).pathname.startsWith('/api/')) throw new TypeError('Failed to fetch');
      return server.transport(request);
    },
    clock,
    store: new MemoryStore(),
    queueStore: new MemoryQueueStore(),
    log: (line) => logged.push(line),
  });
  const scope = new FakeScope();
  // The fake implements only what install uses.
  installBroker(broker, scope as unknown as ServiceWorkerGlobalScope, installOptions);
  return { scope, broker };
}

const todo = (): Request => new Request(`${ORIGIN}/api/todos`, { method: 'POST', body: '{"title":"x"}' });

beforeEach(() => {
  clock = new ManualClock();
  server = new FakeServer(clock);
  networkDown = false;
  logged = [];
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

describe('install with static routing', () => {
  /** An install event whose addRoutes records the rules and answers with `result`. */
  function routable(result: () => Promise<void> = async () => undefined): { fields: Record<string, unknown>; added: RouterRule[][] } {
    const added: RouterRule[][] = [];
    return {
      added,
      fields: {
        addRoutes: (rules: RouterRule[]) => {
          added.push(rules);
          return result();
        },
      },
    };
  }
  const sources = (rules: RouterRule[] | undefined) =>
    rules?.map((rule) => [rule.condition.urlPattern?.pathname ?? rule.condition, rule.source]);

  it('registers the rules on install: the API, the token endpoints, workerHandles and navigations for the worker, the rest for the network', async () => {
    const { scope } = installed({ staticRouting: { workerHandles: ['/index.html', '/assets/'] } });
    const event = routable();
    await expect(scope.dispatch('install', event.fields)).resolves.toBeUndefined();
    expect(event.added).toHaveLength(1);
    expect(sources(event.added[0])).toEqual([
      ['/api/*', 'fetch-event'],
      ['/auth/*', 'fetch-event'],
      ['/index.html', 'fetch-event'],
      ['/assets/*', 'fetch-event'],
      [{ requestMode: 'navigate' }, 'fetch-event'],
      ['*', 'network'],
    ]);
    expect(logged).toEqual([]);
  });

  it('is off by default: whatever else a worker answers keeps reaching it', async () => {
    const { scope } = installed();
    const event = routable();
    await scope.dispatch('install', event.fields);
    expect(event.added).toEqual([]);
    expect(scope.listeners.has('install')).toBe(false);
  });

  it("routes only the broker's URLs and navigations to the worker with staticRouting: true", async () => {
    const { scope } = installed({ staticRouting: true });
    const event = routable();
    await scope.dispatch('install', event.fields);
    expect(sources(event.added[0])).toEqual([
      ['/api/*', 'fetch-event'],
      ['/auth/*', 'fetch-event'],
      [{ requestMode: 'navigate' }, 'fetch-event'],
      ['*', 'network'],
    ]);
  });

  it('does nothing where the browser has no addRoutes', async () => {
    const { scope } = installed({ staticRouting: { workerHandles: ['/index.html'] } });
    await expect(scope.dispatch('install', {})).resolves.toBeUndefined();
    expect(logged).toEqual([]);
  });

  it('logs a refusal in one line and lets the install go on', async () => {
    const { scope } = installed({ staticRouting: true });
    const event = routable(() => Promise.reject(new TypeError('Too many router rules.')));
    await expect(scope.dispatch('install', event.fields)).resolves.toBeUndefined();
    expect(logged).toEqual([
      expect.stringMatching(/^static routing is off.*addRoutes refused the rules \(TypeError: Too many router rules\.\)$/),
    ]);
  });

  it('logs an addRoutes that throws instead of rejecting, and lets the install go on', async () => {
    const { scope } = installed({ staticRouting: true });
    const event = routable(() => {
      throw new TypeError('fetch-event source is specified without a fetch handler');
    });
    await expect(scope.dispatch('install', event.fields)).resolves.toBeUndefined();
    expect(logged).toEqual([expect.stringContaining('fetch-event source is specified without a fetch handler')]);
  });

  it('registers nothing, and says why, when there are more rules than Chromium takes', async () => {
    const workerHandles = Array.from({ length: 300 }, (_, index) => `/icons/${index}.png`);
    const { scope } = installed({ staticRouting: { workerHandles } });
    const event = routable();
    await expect(scope.dispatch('install', event.fields)).resolves.toBeUndefined();
    expect(event.added).toEqual([]);
    expect(logged).toEqual([expect.stringContaining('304 router rules, more than the 255 Chromium takes')]);
  });

  it('registers nothing with staticRouting: false', async () => {
    const { scope } = installed({ staticRouting: false });
    const event = routable();
    await scope.dispatch('install', event.fields);
    expect(event.added).toEqual([]);
    expect(scope.listeners.has('install')).toBe(false);
  });

  it('refuses a workerHandles entry that is not a URL rule, naming it, and a staticRouting of the wrong shape', () => {
    expect(() => installed({ staticRouting: { workerHandles: ['/index.html', 'assets/'] } })).toThrow(TypeError);
    expect(() => installed({ staticRouting: { workerHandles: ['/index.html', 'assets/'] } })).toThrow(/workerHandles\[1\]/);
    expect(() => installed({ staticRouting: { workerHandles: ['/assets/*'] } })).toThrow(/workerHandles\[0\]/);
    expect(() => installed({ staticRouting: { workerHandles: '/index.html' as unknown as string[] } })).toThrow(TypeError);
    expect(() => installed({ staticRouting: 'on' as unknown as true })).toThrow(TypeError);
  });
});
