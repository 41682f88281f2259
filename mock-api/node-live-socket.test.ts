import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createServices, type Services } from './app.ts';
import { mockApiConfig } from './config.ts';
import { LIVE_QUEUE_LIMIT } from './live-feed.ts';
import { LIVE_RETRY_AFTER_SECONDS, MAX_LIVE_CONNECTIONS_PER_USER } from './live-connections.ts';
import { nodeMockApiApp } from './node-app.ts';
import { createHttpServer, type HttpServer } from './node-http-server.ts';
import { SESSION_ENDED } from './node-live-socket.ts';
import { WS_TICKET_TTL_SECONDS } from './ws-tickets.ts';

// The API as Node serves it (node-http-server.ts), in this process on 127.0.0.1 and a port the OS
// picks, driven with the `ws` client and node:http over real sockets.

const PAGE_ORIGIN = 'http://localhost:4173';
/** Added to the real clock: tickets expire by it. */
const clock = { skew: 0 };
let services: Services;
let http: HttpServer;
let base = '';

beforeAll(async () => {
  const config = mockApiConfig({ pbkdf2Iterations: 1_000, controls: true, now: () => Date.now() + clock.skew });
  services = await createServices(config);
  http = createHttpServer(nodeMockApiApp(services));
  await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
  base = `127.0.0.1:${(http.server.address() as AddressInfo).port}`;
});

afterAll(() => http.close());

const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  clock.skew = 0;
  await fetch(`http://${base}/__mock/reset`, { method: 'POST' });
  await vi.waitFor(() => expect(services.live.count).toBe(0));
});

interface Session {
  token: string;
  cookie: string;
  userId: number;
}

async function login(username = 'test', password = 'test'): Promise<Session> {
  const response = await fetch(`http://${base}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { access_token: string; user: { id: number } };
  return { token: body.access_token, cookie: response.headers.getSetCookie()[0]?.split(';')[0] ?? '', userId: body.user.id };
}

async function ticketFor(session: Session, origin = PAGE_ORIGIN): Promise<string> {
  const response = await fetch(`http://${base}/api/ws-ticket`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session.token}`, Origin: origin },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { ticket: string }).ticket;
}

/** The outcome of an upgrade: the open socket, or the HTTP answer that refused it. */
type Upgrade = { socket: WebSocket } | { status: number; headers: IncomingMessage['headers'] };

/** Upgrades with `ticket` from `origin` (`null`: no Origin header). */
function connect(ticket: string, origin: string | null = PAGE_ORIGIN): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://${base}/api/ws?ticket=${encodeURIComponent(ticket)}`, origin === null ? {} : { origin });
    sockets.push(socket);
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    socket.once('error', reject);
  });
}

async function open(ticket: string): Promise<WebSocket> {
  const upgrade = await connect(ticket);
  if (!('socket' in upgrade)) throw new Error(`the upgrade was refused with ${upgrade.status}`);
  return upgrade.socket;
}

/** Every text message the socket receives, parsed. */
function messagesOf(socket: WebSocket): unknown[] {
  const messages: unknown[] = [];
  // A text message arrives as one Buffer.
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8'))));
  return messages;
}

const closeOf = (socket: WebSocket): Promise<[number, string]> =>
  new Promise((resolve) => socket.once('close', (code, reason) => resolve([code, reason.toString()])));

const addTodo = (session: Session, title: string): Promise<Response> =>
  fetch(`http://${base}/api/todos`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title }),
  });

describe('GET /api/ws', () => {
  it("sends the user's changes as JSON text messages", async () => {
    const session = await login();
    const socket = await open(await ticketFor(session));
    const messages = messagesOf(socket);
    const todo = (await (await addTodo(session, 'Over the socket')).json()) as { id: number };
    await fetch(`http://${base}/api/todos/${todo.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${session.token}` } });
    await vi.waitFor(() => expect(messages).toHaveLength(2));
    expect(messages).toEqual([
      { type: 'todo', id: 1, change: 'added', todo: { id: todo.id, title: 'Over the socket', done: false } },
      { type: 'todo', id: 2, change: 'deleted', todo: { id: todo.id, title: 'Over the socket', done: false } },
    ]);
  });

  it('takes a ticket once: a second upgrade with it is refused with 401 before any upgrade', async () => {
    const ticket = await ticketFor(await login());
    await open(ticket);
    expect(await connect(ticket)).toMatchObject({ status: 401 });
  });

  it(`refuses a ticket older than ${WS_TICKET_TTL_SECONDS} s with 401`, async () => {
    const ticket = await ticketFor(await login());
    clock.skew = WS_TICKET_TTL_SECONDS * 1000;
    expect(await connect(ticket)).toMatchObject({ status: 401 });
  });

  it('refuses an unknown ticket with 401', async () => {
    expect(await connect('A'.repeat(43))).toMatchObject({ status: 401 });
  });

  it('refuses an upgrade from another origin, or with none, with 403, and that use the ticket up', async () => {
    const session = await login();
    const ticket = await ticketFor(session);
    expect(await connect(ticket, 'http://evil.example')).toMatchObject({ status: 403 });
    expect(await connect(ticket)).toMatchObject({ status: 401 });
    expect(await connect(await ticketFor(session), null)).toMatchObject({ status: 403 });
  });

  it('refuses a ticket whose session ended before the upgrade', async () => {
    const session = await login();
    const ticket = await ticketFor(session);
    await fetch(`http://${base}/auth/logout`, { method: 'POST', headers: { Cookie: session.cookie } });
    expect(await connect(ticket)).toMatchObject({ status: 401 });
  });

  it('answers a plain GET with 426 and a JSON error, and the ticket is used', async () => {
    const ticket = await ticketFor(await login());
    const response = await fetch(`http://${base}/api/ws?ticket=${ticket}`, { headers: { Origin: PAGE_ORIGIN } });
    expect(response.status).toBe(426);
    expect(response.headers.get('Upgrade')).toBe('websocket');
    expect(await response.json()).toMatchObject({ error: 'upgrade_required' });
    expect(await connect(ticket)).toMatchObject({ status: 401 });
  });

  it(`closes with ${SESSION_ENDED.code} "${SESSION_ENDED.reason}" when its session signs out`, async () => {
    const session = await login();
    const other = await login();
    const socket = await open(await ticketFor(session));
    const bystander = await open(await ticketFor(other));
    const closed = closeOf(socket);
    await fetch(`http://${base}/auth/logout`, { method: 'POST', headers: { Cookie: session.cookie } });
    expect(await closed).toEqual([SESSION_ENDED.code, SESSION_ENDED.reason]);
    expect(bystander.readyState).toBe(WebSocket.OPEN);
  });

  it(`refuses connection ${MAX_LIVE_CONNECTIONS_PER_USER + 1} (event streams and sockets together) with 429 and Retry-After`, async () => {
    const session = await login();
    const streams: IncomingMessage[] = [];
    for (let i = 0; i < 2; i += 1) streams.push(await openStream(session));
    for (let i = 2; i < MAX_LIVE_CONNECTIONS_PER_USER; i += 1) await open(await ticketFor(session));
    const refused = await connect(await ticketFor(session));
    expect(refused).toMatchObject({ status: 429, headers: { 'retry-after': String(LIVE_RETRY_AFTER_SECONDS) } });
    expect(await openStreamStatus(session)).toBe(429);
    // A client that goes away frees its slot.
    streams[0]?.destroy();
    await vi.waitFor(() => expect(services.live.count).toBe(MAX_LIVE_CONNECTIONS_PER_USER - 1));
    await open(await ticketFor(session));
    const leaving = sockets.at(-1);
    leaving?.terminate();
    await vi.waitFor(() => expect(services.live.count).toBe(MAX_LIVE_CONNECTIONS_PER_USER - 1));
    for (const stream of streams) stream.destroy();
  });

  it('cuts off a socket whose client stopped reading, frees its slot, and keeps feeding one that reads', async () => {
    const session = await login();
    const stalled = await open(await ticketFor(session));
    const reading = await open(await ticketFor(session));
    const received = messagesOf(reading);
    const stalledClosed = closeOf(stalled);
    stalled.pause();
    const published = await publishUntilDropped(session.userId);
    expect(services.stats.liveDropped).toBe(1);
    expect(services.live.count).toBe(1);
    await vi.waitFor(() => expect(received).toHaveLength(published), { timeout: 10_000 });
    stalled.resume();
    // Terminated, not closed with a handshake: 1006.
    expect((await stalledClosed)[0]).toBe(1006);
    await open(await ticketFor(session));
  });
});

describe('GET /api/events on a real socket', () => {
  it('cuts off a stream whose client stopped reading, and frees its slot', async () => {
    const session = await login();
    const stream = await openStream(session);
    stream.pause();
    await publishUntilDropped(session.userId);
    expect(services.stats.liveDropped).toBe(1);
    expect(services.live.count).toBe(0);
    const closed = new Promise<void>((resolve) => stream.once('close', resolve));
    stream.on('error', () => undefined);
    stream.resume();
    await closed;
    // Cut, not ended: the chunked body never got its last chunk.
    expect(stream.complete).toBe(false);
  });
});

/** Publishes large changes for the user, one per turn of the event loop, until a connection is dropped; resolves with how many. */
async function publishUntilDropped(userId: number): Promise<number> {
  const title = 'x'.repeat(64 * 1024);
  for (let id = 1; id <= 5_000; id += 1) {
    services.events.publish(userId, 'added', { id, title, done: false });
    await nextTurn();
    if (services.stats.liveDropped > 0) {
      expect(id).toBeGreaterThan(LIVE_QUEUE_LIMIT);
      return id;
    }
  }
  throw new Error('no connection was dropped');
}

function streamRequest(session: Session): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const [host, port] = base.split(':');
    const request = httpRequest({ host, port, path: '/api/events', headers: { Authorization: `Bearer ${session.token}` } }, resolve);
    request.on('error', reject);
    request.end();
  });
}

async function openStream(session: Session): Promise<IncomingMessage> {
  const response = await streamRequest(session);
  expect(response.statusCode).toBe(200);
  return response;
}

async function openStreamStatus(session: Session): Promise<number> {
  const response = await streamRequest(session);
  response.resume();
  return response.statusCode ?? 0;
}
