import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseQueuedAnswer, type QueuedWrite, type Session, type UserRecord, type WritesChangedMessage } from '../protocol.ts';
import { answer } from './answer.ts';
import type { Dpop } from './dpop/dpop.ts';
import { MAX_QUEUED_BODY_BYTES, MAX_QUEUED_WRITES } from './offline-queue/offline-queue.ts';
import type { StoredWrite } from './offline-queue/queued-write.ts';
import { FAKE_USERS, FakeServer, ManualClock, MemoryQueueStore, MemoryStore, ORIGIN, testConfig } from './test-fakes.ts';
import { TokenBroker, type BrokerDeps } from './token-broker.ts';

let clock: ManualClock;
let server: FakeServer;
let store: MemoryStore;
let queueStore: MemoryQueueStore;
let notices: WritesChangedMessage[];
let sessions: Session[];
let logs: string[];
let syncRequests: number;
/** Whether API calls reach the server; the token endpoints follow `online` through the broker. */
let network: 'up' | 'down';
let online: boolean;
/** What the API saw of each write, in order, as it arrived. */
let received: { title: string; authorization: string | null; dpop: string | null }[];
/** Titles the API refuses, with the status it answers. */
let refuse: Map<string, number>;
/** Writes in flight at once, at most. */
let maxInFlight: number;

const QUEUE = ['POST /api/todos'];

async function transport(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname.startsWith('/api/') && (network === 'down' || answered >= writesUntilDown)) throw new TypeError('Failed to fetch');
  if (url.pathname.startsWith('/auth/') && !online) throw new TypeError('Failed to fetch');
  if (!(request.method === 'POST' && url.pathname === '/api/todos')) return server.transport(request);
  const { title } = (await request.clone().json()) as { title: string };
  maxInFlight = Math.max(maxInFlight, received.length - answered + 1);
  received.push({ title, authorization: request.headers.get('Authorization'), dpop: request.headers.get('DPoP') });
  await Promise.resolve(); // another write could start here if replays were not one at a time
  const response = await server.transport(request);
  answered += 1;
  const status = refuse.get(title);
  if (response.status === 200 && status !== undefined) return Response.json({ error: 'refused' }, { status });
  return response.status === 200 ? Response.json({ title }, { status: 201 }) : response;
}
let answered: number;
/** After this many writes went through, the network drops. */
let writesUntilDown: number;

function makeBroker(options: { offlineQueue?: string[] } = {}, overrides: Partial<BrokerDeps<UserRecord>> = {}): TokenBroker {
  return new TokenBroker(testConfig({ offlineQueue: options.offlineQueue ?? QUEUE }), {
    transport,
    clock,
    store,
    queueStore,
    log: (line) => logs.push(line),
    online: () => online,
    broadcast: (session) => sessions.push(session),
    broadcastWrites: (message) => notices.push(message),
    requestSync: () => (syncRequests += 1),
    ...overrides,
  });
}

async function signedIn(overrides: Partial<BrokerDeps<UserRecord>> = {}, as: keyof typeof FAKE_USERS = 'test'): Promise<TokenBroker> {
  const broker = makeBroker({}, overrides);
  await broker.login(FAKE_USERS[as]);
  return broker;
}

const todo = (title: string, headers: Record<string, string> = {}): Request =>
  new Request(`${ORIGIN}/api/todos`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ title }),
  });

/** Adds a todo while the API is unreachable and returns the write the 202 names. */
async function addOffline(broker: TokenBroker, title: string): Promise<QueuedWrite> {
  const previous = network;
  network = 'down';
  const response = await broker.fetch(todo(title));
  network = previous;
  expect(response.status).toBe(202);
  const queued = parseQueuedAnswer(await response.json());
  expect(queued).toBeDefined();
  return (queued as NonNullable<typeof queued>).write;
}

const titles = (writes: readonly { body?: string }[]): string[] =>
  writes.map((write) => (JSON.parse(write.body ?? '{}') as { title?: string }).title ?? '(no body)');
const stored = (): StoredWrite[] => queueStore.writes.flat();

beforeEach(() => {
  clock = new ManualClock();
  server = new FakeServer(clock);
  store = new MemoryStore();
  queueStore = new MemoryQueueStore();
  notices = [];
  sessions = [];
  logs = [];
  syncRequests = 0;
  network = 'up';
  online = true;
  received = [];
  refuse = new Map();
  maxInFlight = 0;
  answered = 0;
  writesUntilDown = Infinity;
});

describe('queueing a write', () => {
  it('queues a listed write that fails on the network: the page gets 202 with the write, the pages hear of it', async () => {
    const broker = await signedIn();
    network = 'down';
    const response = await broker.fetch(todo('buy milk'));
    expect(response.status).toBe(202);
    const body = parseQueuedAnswer(await response.json());
    expect(body?.write).toMatchObject({ method: 'POST', url: `${ORIGIN}/api/todos`, body: '{"title":"buy milk"}' });
    expect(await broker.queuedWrites()).toEqual([body?.write]);
    expect(notices).toEqual([{ type: 'writes-changed', pending: [body?.write], sent: [], dropped: [] }]);
    expect(syncRequests).toBe(1);
  });

  it('holds at most MAX_QUEUED_WRITES writes and no body over MAX_QUEUED_BODY_BYTES: past that, a network error and a log line', async () => {
    const broker = await signedIn();
    for (let i = 0; i < MAX_QUEUED_WRITES; i += 1) await addOffline(broker, `todo ${i}`);
    network = 'down';
    const full = await broker.fetch(todo('one too many'));
    expect(full.type).toBe('error');
    expect(logs.at(-1)).toMatch(/could not be queued .*100 writes already wait/);
    expect(await broker.queuedWrites()).toHaveLength(MAX_QUEUED_WRITES);

    await broker.logout(); // empties the queue
    await broker.login(FAKE_USERS.test);
    const large = await broker.fetch(todo('x'.repeat(MAX_QUEUED_BODY_BYTES)));
    expect(large.type).toBe('error');
    expect(logs.at(-1)).toMatch(/could not be queued .*larger than 65536 bytes/);
    expect(await broker.queuedWrites()).toEqual([]);
  });

  it('queues a write whose token needs a refresh while the browser is offline, without trying the token endpoint', async () => {
    const broker = await signedIn();
    clock.advance(300_000);
    online = false;
    network = 'down';
    expect((await broker.fetch(todo('later'))).status).toBe(202);
    expect(server.refreshCalls).toBe(0);
    expect(titles(await broker.queuedWrites())).toEqual(['later']);
  });

  it('never queues an answer from the server: a 4xx or 5xx goes to the page as it is', async () => {
    const broker = await signedIn();
    refuse.set('bad', 400).set('boom', 500);
    expect((await broker.fetch(todo('bad'))).status).toBe(400);
    expect((await broker.fetch(todo('boom'))).status).toBe(500);
    expect(await broker.queuedWrites()).toEqual([]);
    expect(notices).toEqual([]);
  });

  it('queues only the listed method and URL; anything else fails as it would without a worker', async () => {
    const broker = await signedIn();
    network = 'down';
    const others = [
      new Request(`${ORIGIN}/api/todos`),
      new Request(`${ORIGIN}/api/todos`, { method: 'PUT', body: '{}' }),
      new Request(`${ORIGIN}/api/users`, { method: 'POST', body: '{}' }),
    ];
    for (const request of others) expect((await broker.fetch(request)).type).toBe('error');
    expect(stored()).toEqual([]);
  });

  it('queues nothing while signed out, nor a request that carries its own Authorization', async () => {
    const signedOut = makeBroker();
    network = 'down';
    expect((await signedOut.fetch(todo('anonymous'))).type).toBe('error');
    const broker = await signedIn();
    network = 'down';
    expect((await broker.fetch(todo('own', { Authorization: 'Basic cGFnZTpvd24=' }))).type).toBe('error');
    expect(stored()).toEqual([]);
  });

  it('stores the request as the page made it: never the Authorization or DPoP headers, nor the token', async () => {
    server.tokenType = 'DPoP';
    let proofs = 0;
    const dpop: Dpop = {
      proof: async () => ({ header: `proof-${(proofs += 1)}`, nonce: undefined, offsetMs: 0 }),
      observe: async () => false,
      publicJwk: async () => ({}),
      reset: async () => undefined,
    };
    const broker = await signedIn({ dpop });
    network = 'down';
    // The broker attaches the token and a proof to its attempt; the queue keeps the page's request.
    expect((await broker.fetch(todo('private', { 'X-Trace': 't-1', DPoP: 'page-set' }))).status).toBe(202);
    const [write] = stored();
    expect(write?.headers.map(([name]) => name).sort()).toEqual(['content-type', 'x-trace']);
    const everything = JSON.stringify(queueStore.writes, (_, value: unknown) =>
      value instanceof ArrayBuffer ? new TextDecoder().decode(value) : value,
    );
    expect(everything).toContain('private');
    expect(everything).not.toMatch(/eyJfake|proof-|DPoP /i);

    // Sent again, it gets the current token and a new proof.
    network = 'up';
    await broker.replayWrites();
    expect(received.at(-1)).toEqual({ title: 'private', authorization: expect.stringMatching(/^DPoP eyJfake\./), dpop: `proof-${proofs}` });
  });
});

describe('replaying queued writes', () => {
  it('sends them one at a time, oldest first, and tells the pages which were sent', async () => {
    const broker = await signedIn();
    for (const title of ['first', 'second', 'third']) await addOffline(broker, title);
    notices = [];
    const result = await broker.replayWrites();
    expect(result).toEqual({ pending: [], retryLater: false });
    expect(received.map((write) => write.title)).toEqual(['first', 'second', 'third']);
    expect(maxInFlight).toBe(1);
    expect(notices).toHaveLength(1);
    expect(titles(notices[0]?.sent ?? [])).toEqual(['first', 'second', 'third']);
    expect(await broker.queuedWrites()).toEqual([]);
  });

  it('sends a write that waited past its token’s lifetime with a freshly refreshed token', async () => {
    const broker = await signedIn();
    await addOffline(broker, 'waited');
    clock.advance(600_000);
    await broker.replayWrites();
    expect(server.refreshCalls).toBe(1);
    expect(received).toEqual([{ title: 'waited', authorization: 'Bearer eyJfake.token2.sig', dpop: null }]);
  });

  it('drops a write the server refuses (4xx) with a notice naming it and its status, and sends the rest', async () => {
    const broker = await signedIn();
    for (const title of ['ok-1', 'bad', 'ok-2']) await addOffline(broker, title);
    refuse.set('bad', 422);
    notices = [];
    await broker.replayWrites();
    expect(received.map((write) => write.title)).toEqual(['ok-1', 'bad', 'ok-2']);
    expect(titles(notices[0]?.sent ?? [])).toEqual(['ok-1', 'ok-2']);
    expect(notices[0]?.dropped).toEqual([expect.objectContaining({ reason: 'refused', status: 422, body: '{"title":"bad"}' })]);
  });

  it('keeps a write, and every write after it, when the network fails again', async () => {
    const broker = await signedIn();
    for (const title of ['a', 'b', 'c']) await addOffline(broker, title);
    writesUntilDown = 1;
    const result = await broker.replayWrites();
    expect(result.retryLater).toBe(true);
    expect(titles(result.pending)).toEqual(['b', 'c']);
    writesUntilDown = Infinity;
    expect((await broker.replayWrites()).pending).toEqual([]);
    expect(received.map((write) => write.title)).toEqual(['a', 'b', 'c']);
  });

  it('keeps the writes while the token endpoint cannot be reached', async () => {
    const broker = await signedIn();
    await addOffline(broker, 'waiting');
    clock.advance(600_000);
    server.refreshMode = 'unavailable';
    expect(await broker.replayWrites()).toMatchObject({ retryLater: true, pending: [expect.objectContaining({ method: 'POST' })] });
    expect(received).toEqual([]);
  });

  it('sends the waiting writes before a new one, or queues the new one behind them', async () => {
    const broker = await signedIn();
    await addOffline(broker, 'older');
    await addOffline(broker, 'newer, still offline');
    expect(received).toEqual([]);
    expect((await broker.fetch(todo('newest'))).status).toBe(201);
    expect(received.map((write) => write.title)).toEqual(['older', 'newer, still offline', 'newest']);
  });

  it('replays by itself after the next successful API call, as a page visit or worker start brings', async () => {
    const old = await signedIn();
    await addOffline(old, 'from before');
    // A new worker: its memory is gone, the queue is not.
    const broker = makeBroker();
    expect((await broker.fetch(new Request(`${ORIGIN}/api/users`))).status).toBe(200);
    await vi.waitFor(() => expect(received.map((write) => write.title)).toEqual(['from before']));
    await vi.waitFor(async () => expect(await broker.queuedWrites()).toEqual([]));
  });

  it('answers the queued-writes and replay-writes messages', async () => {
    const broker = await signedIn();
    const write = await addOffline(broker, 'asked');
    expect(await answer(broker, { type: 'queued-writes' })).toEqual({ ok: true, writes: [write] });
    expect(await answer(broker, { type: 'replay-writes' })).toEqual({ ok: true, writes: [] });
    expect(await answer(broker, { type: 'replay-writes', now: true })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
});

describe('queued writes and the session', () => {
  it('sign-out drops every queued write and tells the pages which, with what they were', async () => {
    const broker = await signedIn();
    await addOffline(broker, 'one');
    await addOffline(broker, 'two');
    notices = [];
    await broker.logout();
    expect(notices).toHaveLength(1);
    expect(notices[0]?.pending).toEqual([]);
    expect(notices[0]?.dropped.map((write) => write.reason)).toEqual(['session-ended', 'session-ended']);
    expect(titles(notices[0]?.dropped ?? [])).toEqual(['one', 'two']);
    expect(await broker.replayWrites()).toEqual({ pending: [], retryLater: false });
    expect(received).toEqual([]);
  });

  it('a refused refresh ends the session and drops the queue: nothing is sent', async () => {
    const broker = await signedIn();
    await addOffline(broker, 'orphan');
    clock.advance(600_000);
    server.refreshMode = 'invalid_grant';
    notices = [];
    await broker.replayWrites();
    expect(received).toEqual([]);
    expect(notices.flatMap((notice) => notice.dropped).map((write) => write.reason)).toEqual(['session-ended']);
    expect(sessions.at(-1)).toEqual({ status: 'signed-out' });
  });

  it("signing in as another user drops the previous user's writes without showing them, and never sends them", async () => {
    const broker = await signedIn();
    await addOffline(broker, "test's secret");
    notices = [];
    await broker.login(FAKE_USERS.ada);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.dropped).toEqual([expect.objectContaining({ reason: 'other-user' })]);
    expect(notices[0]?.dropped[0]).not.toHaveProperty('body');
    expect(await broker.queuedWrites()).toEqual([]);
    await broker.replayWrites();
    expect(received).toEqual([]);
  });

  it('drops, never sends, a stored write whose owner is not the signed-in user', async () => {
    const broker = await signedIn();
    const planted: StoredWrite = {
      id: 'planted',
      owner: 'id:2',
      method: 'POST',
      url: `${ORIGIN}/api/todos`,
      headers: [['content-type', 'application/json']],
      body: new TextEncoder().encode('{"title":"not yours"}').buffer,
      credentials: 'same-origin',
      queuedAt: 0,
    };
    queueStore.stored = [planted];
    expect(await broker.queuedWrites()).toEqual([]);
    await broker.replayWrites();
    expect(received).toEqual([]);
    expect(notices.at(-1)?.dropped).toEqual([expect.objectContaining({ id: 'planted', reason: 'other-user' })]);
  });

  it('drops a write the options no longer queue (after an update), and discards malformed entries', async () => {
    const old = await signedIn();
    await addOffline(old, 'was queueable');
    queueStore.stored = [...(queueStore.stored as unknown[]), { id: 'junk', method: 'POST' }];
    const updated = makeBroker({ offlineQueue: ['PUT /api/todos'] });
    await updated.replayWrites();
    expect(received).toEqual([]);
    expect(notices.at(-1)?.dropped).toEqual([expect.objectContaining({ reason: 'not-queueable' })]);
    expect(logs).toContainEqual(expect.stringMatching(/1 malformed queued write/));
    expect(queueStore.stored).toBeUndefined();
  });
});
