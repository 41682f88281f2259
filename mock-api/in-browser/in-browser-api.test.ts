import { describe, expect, it } from 'vitest';
import { readEventStream } from '../test-support.ts';
import type { StoredCookie } from './cookie-jar.ts';
import { createInBrowserApi } from './in-browser-api.ts';

const ORIGIN = 'http://localhost:4173';
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** A store that keeps a structured clone, as IndexedDB does; `value` is what a restarted worker would read. */
function memoryStore<T>(): { value: unknown; load(): Promise<unknown>; save(value: T): Promise<void> } {
  const store = {
    value: undefined as unknown,
    load: async () => structuredClone(store.value),
    save: async (value: T) => {
      store.value = structuredClone(value);
    },
  };
  return store;
}

/** The browser's storage for the in-browser API: outlives any one worker. */
function browserStorage() {
  return { state: memoryStore(), cookies: memoryStore<StoredCookie[]>() };
}

/** One worker's run of the in-browser API over `storage`, answering requests as the broker sends them. */
function worker(storage: ReturnType<typeof browserStorage>, clock = { now: Date.UTC(2026, 0, 1) }) {
  const api = createInBrowserApi({ ...storage, config: { pbkdf2Iterations: 1_000, now: () => clock.now } });
  const send = (path: string, init?: RequestInit): Promise<Response> => api.fetch(new Request(`${ORIGIN}${path}`, init));
  return {
    send,
    async login(username = 'test', password = 'test'): Promise<string> {
      const response = await send('/auth/login', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ username, password }) });
      expect(response.status).toBe(200);
      return ((await response.json()) as { access_token: string }).access_token;
    },
    refresh: () => send('/auth/refresh', { method: 'POST' }),
    todos: (token: string) => send('/api/todos', { headers: { Authorization: `Bearer ${token}` } }),
    addTodo: (token: string, title: string) =>
      send('/api/todos', { method: 'POST', headers: { Authorization: `Bearer ${token}`, ...JSON_TYPE }, body: JSON.stringify({ title }) }),
    patchTodo: (token: string, id: number, body: string) =>
      send(`/api/todos/${id}`, { method: 'PATCH', headers: { Authorization: `Bearer ${token}`, ...JSON_TYPE }, body }),
    deleteTodo: (token: string, id: number) =>
      send(`/api/todos/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } }),
  };
}

const refreshCookieIn = (storage: ReturnType<typeof browserStorage>): StoredCookie | undefined =>
  (storage.cookies.value as StoredCookie[] | undefined)?.find((cookie) => cookie.name === 'refresh_token');

describe('the in-browser API', () => {
  it('keeps the refresh cookie in its jar, for /auth only, and refreshes through it', async () => {
    const storage = browserStorage();
    const api = worker(storage);
    await api.login();
    expect(refreshCookieIn(storage)).toMatchObject({ path: '/auth', value: expect.stringMatching(/^[\w-]{43}$/) });
    const refreshed = await api.refresh();
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toMatchObject({ token_type: 'Bearer', user: { username: 'test' } });
  });

  it('refreshes without a cookie jar entry as invalid_grant', async () => {
    const response = await worker(browserStorage()).refresh();
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('survives a worker stop: the session refreshes and the todos are there', async () => {
    const storage = browserStorage();
    const first = worker(storage);
    const token = await first.login();
    expect((await first.addTodo(token, 'Buy milk')).status).toBe(201);

    const second = worker(storage);
    const refreshed = await second.refresh();
    expect(refreshed.status).toBe(200);
    const { access_token: fresh } = (await refreshed.json()) as { access_token: string };
    expect(await (await second.todos(fresh)).json()).toEqual([{ id: 1, title: 'Buy milk', done: false }]);
    // The signing key survived too: the token from before the stop is still good.
    expect((await second.todos(token)).status).toBe(200);
  });

  it('keeps a changed and a deleted todo across a worker stop', async () => {
    const storage = browserStorage();
    const first = worker(storage);
    const token = await first.login();
    await first.addTodo(token, 'Keep');
    await first.addTodo(token, 'Drop');
    expect((await first.patchTodo(token, 1, '{"done":true,"title":"Kept"}')).status).toBe(200);
    expect((await first.deleteTodo(token, 2)).status).toBe(204);
    expect(await (await worker(storage).todos(token)).json()).toEqual([{ id: 1, title: 'Kept', done: true }]);
  });

  it("streams the changes of every tab to every tab: the hub is the worker's", async () => {
    const api = worker(browserStorage());
    const token = await api.login();
    const stream = await api.send('/api/events', { headers: { Authorization: `Bearer ${token}` } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('Content-Type')).toBe('text/event-stream');
    const reader = readEventStream(stream);
    expect(await reader.next()).toEqual({ retry: '1000' });
    expect(await reader.next()).toMatchObject({ event: 'ready', id: '0' });
    // Another tab's write, through the same worker.
    await api.addTodo(token, 'From the other tab');
    const block = await reader.next();
    expect(block).toMatchObject({ id: '1', event: 'todo' });
    expect(JSON.parse(block?.data ?? '')).toEqual({ change: 'added', todo: { id: 1, title: 'From the other tab', done: false } });
    await reader.cancel();
  });

  it('has no WebSocket: a ticket is 501 not_supported, and /api/ws does not exist', async () => {
    const api = worker(browserStorage());
    const token = await api.login();
    const ticket = await api.send('/api/ws-ticket', { method: 'POST', headers: { Authorization: `Bearer ${token}`, Origin: ORIGIN } });
    expect(ticket.status).toBe(501);
    expect(await ticket.json()).toMatchObject({ error: 'not_supported', message: expect.stringContaining('/api/events') });
    expect((await api.send('/api/ws', { headers: { Upgrade: 'websocket' } })).status).toBe(404);
  });

  it('signs out for good: the jar drops the cookie and the family stays revoked after a stop', async () => {
    const storage = browserStorage();
    const api = worker(storage);
    await api.login();
    const before = structuredClone(storage.cookies.value);
    expect((await api.send('/auth/logout', { method: 'POST' })).status).toBe(204);
    expect(refreshCookieIn(storage)).toBeUndefined();
    // Even the old cookie put back does not bring the session back.
    storage.cookies.value = before;
    expect((await worker(storage).refresh()).status).toBe(400);
  });

  it('hands the cookie to the API also on a request with a body', async () => {
    const storage = browserStorage();
    await worker(storage).login();
    const before = structuredClone(storage.cookies.value);
    const logout = await worker(storage).send('/auth/logout', { method: 'POST', headers: JSON_TYPE, body: '{}' });
    expect(logout.status).toBe(204);
    storage.cookies.value = before;
    // Revoked: so the logout saw the cookie.
    expect((await worker(storage).refresh()).status).toBe(400);
  });

  it('detects a replayed refresh cookie and ends the whole family', async () => {
    const storage = browserStorage();
    const clock = { now: Date.UTC(2026, 0, 1) };
    await worker(storage, clock).login();
    const stolen = structuredClone(storage.cookies.value);
    expect((await worker(storage, clock).refresh()).status).toBe(200);
    const current = structuredClone(storage.cookies.value);
    const stateAfterRotation = structuredClone(storage.state.value);
    clock.now += 10_000; // past REUSE_GRACE

    // The control: the current cookie refreshes.
    expect((await worker(storage, clock).refresh()).status).toBe(200);

    // The replay, against the state from before the control's rotation.
    storage.state.value = structuredClone(stateAfterRotation);
    storage.cookies.value = stolen;
    const replay = await worker(storage, clock).refresh();
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    storage.cookies.value = current;
    expect((await worker(storage, clock).refresh()).status).toBe(400);
  });

  it('starts afresh from a stored state it cannot read', async () => {
    const storage = browserStorage();
    storage.state.value = { version: 0 };
    const api = worker(storage);
    await api.login();
    expect((await api.refresh()).status).toBe(200);
  });
});
