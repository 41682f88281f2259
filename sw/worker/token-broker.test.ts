import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session, UserRecord } from '../protocol.ts';
import { answer } from './answer.ts';
import { FakeServer, ManualClock, MemoryStore, ORIGIN, testConfig } from './test-fakes.ts';
import { TokenBroker, type BrokerDeps, type Lock } from './token-broker.ts';

let clock: ManualClock;
let server: FakeServer;
let store: MemoryStore;
let broadcasts: Session[];
let logs: string[];

function makeBroker(overrides: Partial<BrokerDeps<UserRecord>> = {}): TokenBroker {
  return new TokenBroker(testConfig(), {
    transport: server.transport,
    clock,
    store,
    log: (line) => logs.push(line),
    broadcast: (session) => broadcasts.push(session),
    ...overrides,
  });
}

const TEST_USER = { username: 'test', password: 'test' };

async function signedIn(overrides: Partial<BrokerDeps<UserRecord>> = {}): Promise<TokenBroker> {
  const broker = makeBroker(overrides);
  await broker.login(TEST_USER);
  return broker;
}

const api = (path = '/api/users', init?: RequestInit): Request => new Request(`${ORIGIN}${path}`, init);
// Node's Request refuses mode 'navigate'; the broker reads only url and mode.
const navigation = (path: string): Request => Object.defineProperty(api(path), 'mode', { value: 'navigate' });

beforeEach(() => {
  clock = new ManualClock();
  server = new FakeServer(clock);
  store = new MemoryStore();
  broadcasts = [];
  logs = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('classify', () => {
  it('sends only allowlisted API requests through the broker', () => {
    const broker = makeBroker();
    expect(broker.classify(api('/api/users'))).toBe('api');
    expect(broker.classify(api('/api-evil/users'))).toBe('other');
    expect(broker.classify(new Request('http://evil.test/api/users'))).toBe('other');
    expect(broker.classify(new Request(`${ORIGIN}/index.html`))).toBe('other');
  });

  it('marks every request to the token endpoints for refusal', () => {
    const broker = makeBroker();
    expect(broker.classify(api('/auth/refresh', { method: 'POST' }))).toBe('broker-only');
    expect(broker.classify(api('/auth/login', { method: 'POST' }))).toBe('broker-only');
    expect(broker.classify(navigation('/auth/anything'))).toBe('broker-only');
    expect(broker.classify(navigation('/api/users'))).toBe('other');
  });

  it('answers a refused request 403 broker_only without calling anything', async () => {
    const broker = makeBroker();
    const response = await broker.route(api('/auth/refresh', { method: 'POST' }));
    expect(response?.status).toBe(403);
    expect(await response?.json()).toMatchObject({ error: 'broker_only' });
    expect(broker.route(new Request(`${ORIGIN}/index.html`))).toBeUndefined();
    expect(server.refreshCalls + server.loginCalls).toBe(0);
  });
});

describe('attaching the bearer', () => {
  it('attaches the bearer to an allowlisted request once signed in', async () => {
    const broker = await signedIn();
    const response = await broker.fetch(api());
    expect(response.status).toBe(200);
    expect(server.apiRequests[0]?.authorization).toMatch(/^Bearer eyJfake\.token1\.sig$/);
  });

  it('sends requests without a bearer while signed out', async () => {
    const broker = makeBroker();
    const response = await broker.fetch(api());
    expect(response.status).toBe(401);
    expect(server.apiRequests[0]?.authorization).toBeNull();
    expect(server.refreshCalls).toBe(0);
  });

  it('passes a request whose page set its own Authorization through untouched', async () => {
    const broker = await signedIn();
    await broker.fetch(api('/api/users', { headers: { Authorization: 'Basic cGFnZTpvd24=' } }));
    expect(server.apiRequests[0]?.authorization).toBe('Basic cGFnZTpvd24=');
  });

  it('never follows a redirect with the bearer', async () => {
    const broker = await signedIn();
    await broker.fetch(api());
    expect(server.apiRequests[0]?.redirect).toBe('manual');
  });

  it('upgrades a no-cors request so the header is not silently dropped', async () => {
    const broker = await signedIn();
    await broker.fetch(api('/api/users', { mode: 'no-cors' }));
    expect(server.apiRequests[0]?.mode).toBe('cors');
    expect(server.apiRequests[0]?.authorization).toMatch(/^Bearer /);
  });
});

describe('refresh-ahead', () => {
  it('uses the token until min(30 s, a third of its lifetime) before expiry', async () => {
    const broker = await signedIn();
    clock.advance(269_000); // 300 s lifetime: the window opens at 270 s
    await broker.fetch(api());
    expect(server.refreshCalls).toBe(0);
    clock.advance(2_000);
    await broker.fetch(api());
    expect(server.refreshCalls).toBe(1);
    expect(server.apiRequests[1]?.authorization).toContain('token2');
  });

  it('uses a third of the lifetime for short-lived tokens', async () => {
    server.tokenTtlSeconds = 6;
    const broker = await signedIn();
    clock.advance(3_900);
    await broker.fetch(api());
    expect(server.refreshCalls).toBe(0);
    clock.advance(200); // 4.1 s: inside the last 2 s
    await broker.fetch(api());
    expect(server.refreshCalls).toBe(1);
    expect(server.apiRequests.every((request) => request.authorization !== null)).toBe(true);
  });

  it('keeps using a still-valid token when the refresh-ahead fails on the network', async () => {
    const broker = await signedIn();
    clock.advance(280_000);
    server.refreshMode = 'network';
    const first = await broker.fetch(api());
    const second = await broker.fetch(api());
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(server.refreshCalls).toBe(1); // paused, not retried on every request
  });
});

describe('401 invalid_token', () => {
  it('refreshes once and retries once with the same body', async () => {
    const broker = await signedIn();
    server.revokeAllTokens();
    const response = await broker.fetch(
      api('/api/todos', { method: 'POST', body: '{"title":"milk"}', headers: { 'Content-Type': 'application/json' } }),
    );
    expect(response.status).toBe(200);
    expect(server.refreshCalls).toBe(1);
    expect(server.apiRequests.map((request) => request.body)).toEqual(['{"title":"milk"}', '{"title":"milk"}']);
    expect(server.apiRequests[1]?.authorization).toContain('token2');
  });

  it('retries only once when the API keeps refusing', async () => {
    const refusing = async (request: Request): Promise<Response> => {
      if (new URL(request.url).pathname.startsWith('/api/')) {
        server.apiRequests.push({
          url: request.url,
          method: request.method,
          authorization: null,
          body: '',
          mode: request.mode,
          redirect: request.redirect,
        });
        return new Response('{}', { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
      }
      return server.transport(request);
    };
    const stubborn = makeBroker({ transport: refusing });
    await stubborn.login(TEST_USER);
    const response = await stubborn.fetch(api());
    expect(response.status).toBe(401);
    expect(server.apiRequests).toHaveLength(2);
    expect(server.refreshCalls).toBe(1);
  });

  it('does not refresh on a 401 without invalid_token', async () => {
    const plain401 = async (request: Request): Promise<Response> =>
      new URL(request.url).pathname.startsWith('/api/')
        ? new Response('{}', { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="api"' } })
        : server.transport(request);
    const broker = await signedIn({ transport: plain401 });
    expect((await broker.fetch(api())).status).toBe(401);
    expect(server.refreshCalls).toBe(0);
  });

  it('just retries when a newer token arrived while the request was out', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const slow = async (request: Request): Promise<Response> => {
      if (first && new URL(request.url).pathname.startsWith('/api/')) {
        first = false;
        await held;
      }
      return server.transport(request);
    };
    const slowBroker = makeBroker({ transport: slow });
    await slowBroker.login(TEST_USER); // token1
    const pending = slowBroker.fetch(api()); // sent with token1, held
    await Promise.resolve();
    server.revokeAllTokens();
    await slowBroker.fetch(api()); // 401 -> refresh -> token2
    expect(server.refreshCalls).toBe(1);
    release();
    expect((await pending).status).toBe(200); // 401 with token1 -> retried with token2, no second refresh
    expect(server.refreshCalls).toBe(1);
  });
});

describe('single-flight refresh', () => {
  it('makes exactly one refresh call for 50 concurrent requests with an expired token', async () => {
    const broker = await signedIn();
    clock.advance(301_000);
    const responses = await Promise.all(Array.from({ length: 50 }, () => broker.fetch(api())));
    expect(server.refreshCalls).toBe(1);
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(new Set(server.apiRequests.map((request) => request.authorization)).size).toBe(1);
  });

  it('makes one refresh call when 50 concurrent requests all get 401', async () => {
    const broker = await signedIn();
    server.revokeAllTokens();
    const responses = await Promise.all(Array.from({ length: 50 }, () => broker.fetch(api())));
    expect(server.refreshCalls).toBe(1);
    expect(responses.every((response) => response.status === 200)).toBe(true);
  });

  it('takes the refresh under the injected lock', async () => {
    const locked: string[] = [];
    const broker = await signedIn({
      lock: async (task) => {
        locked.push('enter');
        const result = await task();
        locked.push('leave');
        return result;
      },
    });
    clock.advance(301_000);
    await Promise.all([broker.fetch(api()), broker.fetch(api())]);
    expect(locked).toEqual(['enter', 'leave']);
  });
});

describe('when a refresh fails', () => {
  it('ends the session on invalid_grant', async () => {
    const purge = vi.fn(async () => undefined);
    const ending = await signedIn({ purge });
    server.refreshMode = 'invalid_grant';
    clock.advance(301_000);
    const response = await ending.fetch(api());
    expect(response.status).toBe(401);
    expect(server.apiRequests.at(-1)?.authorization).toBeNull();
    expect((await ending.session()).status).toBe('signed-out');
    expect(await store.load()).toBeUndefined();
    expect(broadcasts.at(-1)).toEqual({ status: 'signed-out' });
    expect(purge).toHaveBeenCalled();
  });

  it('keeps the session on a network failure and answers 503 auth_unavailable', async () => {
    const broker = await signedIn();
    clock.advance(301_000);
    server.refreshMode = 'network';
    const response = await broker.fetch(api());
    expect(response.status).toBe(503);
    expect(response.headers.get('Retry-After')).toBe('5');
    expect(await response.json()).toMatchObject({ error: 'auth_unavailable' });
    expect((await broker.session()).status).toBe('signed-in');
    expect(await store.load()).toBeDefined();

    server.refreshMode = 'ok';
    expect((await broker.fetch(api())).status).toBe(200);
  });

  it('answers a network error, not a rejection, when the API cannot be reached', async () => {
    const unreachable = async (request: Request): Promise<Response> => {
      if (new URL(request.url).pathname.startsWith('/api/')) throw new TypeError('Failed to fetch');
      return server.transport(request);
    };
    const broker = await signedIn({ transport: unreachable });
    const response = await broker.fetch(api());
    expect(response.type).toBe('error');
    expect((await broker.session()).status).toBe('signed-in');
  });

  it('treats a 5xx from the refresh endpoint like the network', async () => {
    const broker = await signedIn();
    clock.advance(301_000);
    server.refreshMode = 'unavailable';
    expect((await broker.fetch(api())).status).toBe(503);
    expect((await broker.session()).status).toBe('signed-in');
  });

  it('bounds a hanging refresh by the timeout and keeps the session', async () => {
    vi.useFakeTimers();
    const broker = await signedIn();
    clock.advance(301_000);
    server.refreshMode = 'hang';
    const pending = broker.fetch(api());
    await vi.advanceTimersByTimeAsync(10_000);
    const response = await pending;
    expect(response.status).toBe(503);
    expect((await response.json()) as unknown).toMatchObject({ error: 'auth_unavailable' });
    server.refreshMode = 'ok';
    expect((await broker.session()).status).toBe('signed-in');
  });
});

describe('the refresh lock', () => {
  /** A lock some other context holds: granted only when `release` is called, or given up on abort. */
  function heldLock(): { lock: Lock; release: () => void } {
    let release = (): void => undefined;
    const lock: Lock = (task, signal) =>
      new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        release = () => void task().then(resolve, reject);
      });
    return { lock, release: () => release() };
  }

  it('bounds the wait for a held lock by the timeout: 503, no refresh, session kept', async () => {
    vi.useFakeTimers();
    const held = heldLock();
    const broker = await signedIn({ lock: held.lock });
    clock.advance(301_000);
    const pending = broker.fetch(api());
    await vi.advanceTimersByTimeAsync(10_000);
    const response = await pending;
    expect(response.status).toBe(503);
    expect(response.headers.get('Retry-After')).toBe('5');
    expect((await response.json()) as unknown).toMatchObject({ error: 'auth_unavailable' });
    expect(server.refreshCalls).toBe(0);
    expect((await broker.session()).status).toBe('signed-in');
    expect(logs.at(-1)).toMatch(/^refresh failed .*: timeout: The refresh lock was not free within 10000 ms/);

    held.release(); // granted after the caller gave up: the refresh must not run
    await vi.advanceTimersByTimeAsync(0);
    expect(server.refreshCalls).toBe(0);
  });

  it('tries again on the next request once the lock is free', async () => {
    vi.useFakeTimers();
    let holder: ReturnType<typeof heldLock> | undefined = heldLock();
    const lock: Lock = (task, signal) => (holder ? holder.lock(task, signal) : task());
    const broker = await signedIn({ lock });
    clock.advance(301_000);
    const first = broker.fetch(api());
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await first).status).toBe(503);
    holder = undefined;
    expect((await broker.fetch(api())).status).toBe(200);
    expect(server.refreshCalls).toBe(1);
  });

  it('uses the new token as soon as the refresh is done, while the lock is still being released', async () => {
    let released = false;
    const slowRelease: Lock = (task) =>
      task().then((result) => new Promise((resolve) => setTimeout(() => ((released = true), resolve(result)), 60_000)));
    vi.useFakeTimers();
    const broker = await signedIn({ lock: slowRelease });
    clock.advance(301_000);
    const pending = broker.fetch(api());
    await vi.advanceTimersByTimeAsync(0);
    expect((await pending).status).toBe(200);
    expect(released).toBe(false);
    expect(server.refreshCalls).toBe(1);
  });

  it('refreshes once the lock is granted within the timeout', async () => {
    vi.useFakeTimers();
    const held = heldLock();
    const broker = await signedIn({ lock: held.lock });
    clock.advance(301_000);
    const pending = broker.fetch(api());
    await vi.advanceTimersByTimeAsync(9_000);
    held.release();
    expect((await pending).status).toBe(200);
    expect(server.refreshCalls).toBe(1);
  });
});

describe('offline and clock skew', () => {
  it('fails fast while offline: 503 and no refresh attempt, then works once back online', async () => {
    let online = true;
    const broker = await signedIn({ online: () => online });
    clock.advance(301_000);
    online = false;
    const responses = await Promise.all([broker.fetch(api()), broker.fetch(api()), broker.fetch(api())]);
    expect(responses.map((response) => response.status)).toEqual([503, 503, 503]);
    expect(server.refreshCalls).toBe(0);
    expect((await broker.session()).status).toBe('signed-in');
    online = true;
    expect((await broker.fetch(api())).status).toBe(200);
    expect(server.refreshCalls).toBe(1);
  });

  it.each([
    ['10 minutes ahead', 600_000],
    ['10 minutes behind', -600_000],
  ])('makes about one refresh per token lifetime with the client clock %s', async (_, aheadMs) => {
    server.clientClockAheadMs = aheadMs;
    server.tokenTtlSeconds = 60;
    const broker = await signedIn();
    const statuses = new Set<number>();
    for (let second = 0; second < 600; second += 5) {
      clock.advance(5_000);
      statuses.add((await broker.fetch(api())).status);
    }
    expect([...statuses]).toEqual([200]);
    // 600 s of traffic with 60 s tokens refreshed 20 s early: one refresh every 40 s.
    expect(server.refreshCalls).toBeGreaterThanOrEqual(14);
    expect(server.refreshCalls).toBeLessThanOrEqual(16);
  });
});

describe('restart and storage', () => {
  it('a restarted broker refreshes through the cookie and does not ask for a login', async () => {
    await signedIn();
    const restarted = makeBroker(); // new instance, same store, memory gone
    const response = await restarted.fetch(api());
    expect(response.status).toBe(200);
    expect(server.loginCalls).toBe(1);
    expect(server.refreshCalls).toBe(1);
    expect((await restarted.session()).user?.firstName).toBe('Test');
  });

  it('a restarted broker whose refresh token is dead reports signed-out', async () => {
    await signedIn();
    server.refreshMode = 'invalid_grant';
    const restarted = makeBroker();
    expect((await restarted.session()).status).toBe('signed-out');
  });

  it('never stores or broadcasts a token', async () => {
    const broker = await signedIn();
    clock.advance(301_000);
    await broker.fetch(api());
    const everything = JSON.stringify([store.writes, broadcasts, await broker.session()]);
    expect(everything).not.toContain('eyJ');
    expect(store.writes.length).toBeGreaterThan(0);
    expect(broadcasts.length).toBeGreaterThan(0);
  });

  it('reads the stored session as soon as it is warmed, before any request', async () => {
    await signedIn();
    const load = vi.spyOn(store, 'load');
    const restarted = makeBroker();
    restarted.warm();
    expect(load).toHaveBeenCalledTimes(1);
    await restarted.fetch(api());
    expect(load).toHaveBeenCalledTimes(1); // the request used what warm() read
  });

  it('answers with a refreshed token without waiting for the store to save it', async () => {
    await signedIn();
    const restarted = makeBroker();
    let finishSave = (): void => undefined;
    vi.spyOn(store, 'save').mockImplementation(() => new Promise<void>((resolve) => (finishSave = resolve)));
    const response = await restarted.fetch(api()); // would hang if the refresh awaited the save
    expect(response.status).toBe(200);
    finishSave();
  });

  it('keeps the store in order: a sign-out right after a refresh leaves no session behind', async () => {
    const broker = await signedIn();
    const saves: (() => void)[] = [];
    const save = store.save.bind(store);
    vi.spyOn(store, 'save').mockImplementation(
      (session) => new Promise<void>((resolve) => saves.push(() => void save(session).then(resolve))),
    );
    clock.advance(301_000);
    expect((await broker.fetch(api())).status).toBe(200); // refreshed; its save is still pending
    const loggedOut = broker.logout();
    for (let i = 0; i < 10 && saves.length === 0; i += 1) await Promise.resolve();
    saves.shift()?.();
    await loggedOut;
    expect(store.map.has('session')).toBe(false);
  });

  it('tells every window about a refresh so countdowns follow', async () => {
    const broker = await signedIn();
    const firstExpiry = broadcasts.at(-1)?.accessExpiresAt;
    clock.advance(301_000);
    await broker.fetch(api());
    expect(broadcasts.at(-1)?.accessExpiresAt).toBeGreaterThan(firstExpiry ?? Infinity);
  });
});

describe('login and logout', () => {
  it('logs out: revokes at the server, forgets the token, clears the store, tells every tab', async () => {
    const broker = await signedIn();
    expect((await broker.logout()).status).toBe('signed-out');
    expect(server.logoutCalls).toBe(1);
    expect(await store.load()).toBeUndefined();
    expect(broadcasts.at(-1)).toEqual({ status: 'signed-out' });
    await broker.fetch(api());
    expect(server.apiRequests.at(-1)?.authorization).toBeNull();
  });

  it('discards a refresh that completes after a logout', async () => {
    const broker = await signedIn();
    clock.advance(301_000);
    let release!: () => void;
    server.refreshGate = new Promise<void>((resolve) => (release = resolve));
    const pending = broker.fetch(api());
    await vi.waitFor(() => expect(server.refreshCalls).toBe(1));
    const loggedOut = broker.logout();
    release();
    await loggedOut;
    await pending;
    expect((await broker.session()).status).toBe('signed-out');
  });

  it('passes "keep me signed in" on to the token endpoint, and leaves the default to the server', async () => {
    const broker = makeBroker();
    await answer(broker, { type: 'login', username: 'test', password: 'test', remember: false });
    expect(server.lastLogin).toEqual({ username: 'test', password: 'test', remember: false });
    await answer(broker, { type: 'login', username: 'test', password: 'test' });
    expect(server.lastLogin).toEqual({ username: 'test', password: 'test' });
  });

  it('reports wrong credentials as invalid_credentials and stays signed out', async () => {
    const broker = makeBroker();
    const reply = await answer(broker, { type: 'login', username: 'test', password: 'nope' });
    expect(reply).toEqual({ ok: false, error: { code: 'invalid_credentials', message: expect.any(String) } });
    expect((await broker.session()).status).toBe('signed-out');
  });
});

describe('messages', () => {
  it.each([
    ['null', null],
    ['a string', 'login'],
    ['an array', [{ type: 'session' }]],
    ['an unknown type', { type: 'get-token' }],
    ['a login without a password', { type: 'login', username: 'test' }],
    ['a login with a number for a password', { type: 'login', username: 'test', password: 1 }],
    ['a login with extra fields', { type: 'login', username: 'test', password: 'test', allowlist: ['*'] }],
    ['a huge username', { type: 'login', username: 'x'.repeat(10_000), password: 'test' }],
    ['a login with a string for remember', { type: 'login', username: 'test', password: 'test', remember: 'yes' }],
    ['a session with extra fields', { type: 'session', token: true }],
  ])('refuses %s with bad_request and changes nothing', async (_, message) => {
    const broker = await signedIn();
    const before = await broker.session();
    const reply = await answer(broker, message);
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await broker.session()).toEqual(before);
    expect(server.loginCalls).toBe(1);
  });

  it('answers login, session and logout', async () => {
    const broker = makeBroker();
    expect(await answer(broker, { type: 'login', username: 'test', password: 'test' })).toMatchObject({
      ok: true,
      session: { status: 'signed-in' },
    });
    expect(await answer(broker, { type: 'session' })).toMatchObject({
      ok: true,
      session: { status: 'signed-in', user: { firstName: 'Test' } },
    });
    expect(await answer(broker, { type: 'logout' })).toEqual({ ok: true, session: { status: 'signed-out' } });
  });
});
