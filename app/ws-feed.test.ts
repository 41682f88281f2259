import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { FakeConnection, recordingHandlers } from './live-feed-fakes';
import { openWsFeed, socketUrl, type WsFeedDeps } from './ws-feed';

const milk = { id: 3, title: 'Milk', done: false };

describe('openWsFeed', () => {
  let sockets: FakeConnection[];
  let tickets: number;
  let refuse: ApiError | undefined;
  const deps: WsFeedDeps = {
    ticket: () => {
      tickets += 1;
      return refuse ? Promise.reject(refuse) : Promise.resolve({ ticket: `t${tickets}`, expiresIn: 30 });
    },
    create: (url) => {
      const socket = new FakeConnection(url);
      sockets.push(socket);
      return socket;
    },
    origin: 'https://app.example',
  };
  const latest = (): FakeConnection => sockets.at(-1)!;

  beforeEach(() => {
    sockets = [];
    tickets = 0;
    refuse = undefined;
    vi.useFakeTimers();
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('builds a ws: or wss: URL on the page origin', () => {
    expect(socketUrl('http://localhost:4173', 'a+b')).toBe('ws://localhost:4173/api/ws?ticket=a%2Bb');
    expect(socketUrl('https://app.example', 'x')).toBe('wss://app.example/api/ws?ticket=x');
  });

  it('opens the socket with a fresh ticket, loads the list again on open and passes changes on', async () => {
    const handlers = recordingHandlers();
    openWsFeed(handlers, deps);
    await vi.waitFor(() => expect(sockets).toHaveLength(1));
    expect(latest().url).toBe('wss://app.example/api/ws?ticket=t1');
    latest().fire('open');
    latest().fire('message', { data: JSON.stringify({ type: 'todo', id: 8, change: 'updated', todo: milk }) });
    expect(handlers.states).toEqual(['connecting', 'connected']);
    expect(handlers.resyncs).toBe(1);
    expect(handlers.changes).toEqual([{ change: 'updated', todo: milk }]);
  });

  it('reconnects after a close with a new ticket (a ticket works once)', async () => {
    const handlers = recordingHandlers();
    openWsFeed(handlers, deps);
    await vi.waitFor(() => expect(sockets).toHaveLength(1));
    latest().fire('open');
    latest().fire('close');
    expect(handlers.states.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    expect(latest().url).toMatch(/ticket=t2$/);
  });

  it('retries a refused ticket after the Retry-After it was given', async () => {
    refuse = new ApiError(429, 'too_many_streams', 'Too many', 5);
    const handlers = recordingHandlers();
    openWsFeed(handlers, deps);
    await vi.advanceTimersByTimeAsync(0);
    expect(handlers.states.at(-1)).toBe('reconnecting');
    refuse = undefined;
    await vi.advanceTimersByTimeAsync(4999);
    expect(sockets).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(1);
  });

  it('stops and says off where the server has no WebSocket (501)', async () => {
    refuse = new ApiError(501, 'not_supported', 'No WebSocket');
    const handlers = recordingHandlers();
    openWsFeed(handlers, deps);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(tickets).toBe(1);
    expect(handlers.states.at(-1)).toBe('off');
  });

  it('closes for good: the socket, no reconnect after its close event, and says off', async () => {
    const handlers = recordingHandlers();
    const feed = openWsFeed(handlers, deps);
    await vi.waitFor(() => expect(sockets).toHaveLength(1));
    feed.close();
    expect(latest().closed).toBe(true);
    latest().fire('close');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    expect(handlers.states.at(-1)).toBe('off');
  });
});
