import { describe, expect, it } from 'vitest';
import { createServices, mockApiApp, type Services } from './app.ts';
import { mockApiConfig } from './config.ts';
import { parseSnapshot, snapshotOf, SNAPSHOT_VERSION } from './snapshot.ts';
import { cookieOf } from './test-support.ts';

const ORIGIN = 'http://localhost:4173';
const clock = { now: Date.UTC(2026, 0, 1) };
const config = mockApiConfig({ pbkdf2Iterations: 1_000, reuseGrace: 2, now: () => clock.now });

/** One run of the API over `services`, as a worker runs it between two stops. */
function run(services: Services) {
  const app = mockApiApp(services);
  const send = async (path: string, init?: RequestInit): Promise<Response> => app.request(`${ORIGIN}${path}`, init);
  return {
    async login(username = 'test', password = 'test') {
      const response = await send('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      expect(response.status).toBe(200);
      const { access_token: token } = (await response.json()) as { access_token: string };
      return { token, cookie: cookieOf(response) };
    },
    refresh: (cookie: string) => send('/auth/refresh', { method: 'POST', headers: { Cookie: cookie } }),
    logout: (cookie: string) => send('/auth/logout', { method: 'POST', headers: { Cookie: cookie } }),
    todos: (token: string) => send('/api/todos', { headers: { Authorization: `Bearer ${token}` } }),
    addTodo: (token: string, title: string) =>
      send('/api/todos', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title }),
      }),
  };
}

/** Stores the state as IndexedDB would (a structured clone) and starts a new API from it. */
async function restart(services: Services): Promise<Services> {
  const stored: unknown = structuredClone(snapshotOf(services));
  const snapshot = parseSnapshot(stored);
  expect(snapshot).toBeDefined();
  return createServices(config, snapshot);
}

describe('a restarted API', () => {
  it('keeps the signing key, the sessions and the todos', async () => {
    const before = await createServices(config);
    const { token, cookie } = await run(before).login();
    expect((await run(before).addTodo(token, 'Buy milk')).status).toBe(201);

    const after = run(await restart(before));
    const todos = await after.todos(token);
    expect(todos.status).toBe(200);
    expect(await todos.json()).toEqual([{ id: 1, title: 'Buy milk', done: false }]);
    expect((await after.refresh(cookie)).status).toBe(200);
    expect(await (await after.addTodo(token, 'Call Ada')).json()).toEqual({ id: 2, title: 'Call Ada', done: false });
  });

  it('still detects a replayed refresh token and revokes its family', async () => {
    const before = await createServices(config);
    const { cookie: first } = await run(before).login();
    const rotated = await run(before).refresh(first);
    const second = cookieOf(rotated);
    // The control: restarted from the same state, the current token refreshes.
    expect((await run(await restart(before)).refresh(second)).status).toBe(200);

    const after = run(await restart(before));
    const replay = await after.refresh(first);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await after.refresh(second)).status).toBe(400);
  });

  it('gives a token replaced just before the restart no grace', async () => {
    const before = await createServices(config);
    const { cookie: first } = await run(before).login();
    const second = cookieOf(await run(before).refresh(first));
    expect((await run(await restart(before)).refresh(second)).status).toBe(200);
    // Within REUSE_GRACE of the rotation: the plaintext successor was never stored, so this is reuse.
    expect((await run(await restart(before)).refresh(first)).status).toBe(400);
  });

  it('keeps a signed-out session signed out, and its access token refused', async () => {
    const before = await createServices(config);
    const { token, cookie } = await run(before).login();
    expect((await run(before).logout(cookie)).status).toBe(204);
    const after = run(await restart(before));
    expect((await after.refresh(cookie)).status).toBe(400);
    expect((await after.todos(token)).status).toBe(401);
  });

  it('keeps each user’s todos to that user', async () => {
    const before = await createServices(config);
    const test = await run(before).login();
    await run(before).addTodo(test.token, 'Only for test');
    const after = run(await restart(before));
    const ada = await after.login('ada', 'lovelace');
    expect(await (await after.todos(ada.token)).json()).toEqual([]);
  });
});

describe('a restarted API and its event numbering', () => {
  it('continues each user’s change ids, so an id from before the restart never stands for another change', async () => {
    const before = await createServices(config);
    const { token } = await run(before).login();
    await run(before).addTodo(token, 'one');
    await run(before).addTodo(token, 'two');
    const after = await restart(before);
    expect(after.events.lastId(1)).toBe(2);
    expect(after.events.since(1, 2)).toEqual([]);
    // The changes themselves were not kept: a client further behind must fetch the list again.
    expect(after.events.since(1, 1)).toBeUndefined();
    await run(after).addTodo(token, 'three');
    expect(after.events.since(1, 2)?.map((event) => event.id)).toEqual([3]);
  });

  it('restores a snapshot stored before there were change ids', async () => {
    const services = await createServices(config);
    const { token } = await run(services).login();
    const { events: _, ...older } = snapshotOf(services);
    const restored = parseSnapshot(structuredClone(older));
    expect(restored).toBeDefined();
    expect((await run(await createServices(config, restored)).todos(token)).status).toBe(200);
  });
});

describe('snapshots', () => {
  it('hold refresh-token hashes, never a refresh token', async () => {
    const services = await createServices(config);
    const { cookie } = await run(services).login();
    const rotated = cookieOf(await run(services).refresh(cookie));
    const { signingKey: _key, ...rest } = snapshotOf(services);
    const stored = JSON.stringify(rest);
    for (const pair of [cookie, rotated]) expect(stored).not.toContain(pair.split('=')[1]);
  });

  it('are copies: later changes do not leak into a taken snapshot', async () => {
    const services = await createServices(config);
    const snapshot = snapshotOf(services);
    const { token } = await run(services).login();
    await run(services).addTodo(token, 'Later');
    expect(snapshot.refreshTokens.families).toEqual([]);
    expect(snapshot.todos).toEqual({ lists: [], nextId: 1 });
  });

  it.each([
    ['nothing', undefined],
    ['another format', { version: SNAPSHOT_VERSION + 1 }],
    ['a key that is no CryptoKey', { version: SNAPSHOT_VERSION, signingKey: { kid: 'k', privateKey: {}, jwks: { keys: [] } } }],
  ])('are not restored from %s', (_, value) => {
    expect(parseSnapshot(value)).toBeUndefined();
  });

  it('are not restored when a family, a token record or a todo is damaged', async () => {
    const services = await createServices(config);
    const { token } = await run(services).login();
    await run(services).addTodo(token, 'Fine');
    const good = snapshotOf(services);
    expect(parseSnapshot(good)).toBeDefined();
    const [familyId, family] = good.refreshTokens.families[0] ?? [];
    const [hash, record] = good.refreshTokens.tokens[0] ?? [];
    const damaged = [
      { ...good, refreshTokens: { ...good.refreshTokens, families: [[familyId, { ...family, expiresAt: 'soon' }]] } },
      { ...good, refreshTokens: { ...good.refreshTokens, tokens: [[hash, { ...record, familyId: 7 }]] } },
      { ...good, todos: { ...good.todos, lists: [[1, [{ id: 1, title: null, done: false }]]] } },
      { ...good, events: [[1, 'two']] },
    ];
    for (const value of damaged) expect(parseSnapshot(value)).toBeUndefined();
  });
});
