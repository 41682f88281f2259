import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeConnection, recordingHandlers } from './live-feed-fakes';
import { openSseFeed } from './sse-feed';

const milk = { id: 3, title: 'Milk', done: false };

describe('openSseFeed', () => {
  let sources: FakeConnection[];
  const create = (url: string): FakeConnection => {
    const source = new FakeConnection(url);
    sources.push(source);
    return source;
  };
  const latest = (): FakeConnection => sources.at(-1)!;

  beforeEach(() => {
    sources = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('opens /api/events, says connected on open, loads the list again on ready and passes changes on', () => {
    const handlers = recordingHandlers();
    openSseFeed(handlers, create);
    expect(latest().url).toBe('/api/events');
    latest().fire('open');
    latest().fire('ready', { lastEventId: '7', data: '{"lastId":7}' });
    latest().fire('todo', { lastEventId: '8', data: JSON.stringify({ change: 'added', todo: milk }) });
    expect(handlers.states).toEqual(['connecting', 'connected']);
    expect(handlers.resyncs).toBe(1);
    expect(handlers.changes).toEqual([{ change: 'added', todo: milk }]);
  });

  it('after an error it closes the stream itself and reconnects with the last id it saw in the URL', () => {
    const handlers = recordingHandlers();
    openSseFeed(handlers, create);
    latest().fire('open');
    latest().fire('todo', { lastEventId: '8', data: JSON.stringify({ change: 'added', todo: milk }) });
    const first = latest();
    first.fire('error');
    expect(first.closed).toBe(true);
    expect(handlers.states.at(-1)).toBe('reconnecting');
    vi.advanceTimersByTime(1000);
    expect(latest().url).toBe('/api/events?lastEventId=8');
    latest().fire('open');
    expect(handlers.states.at(-1)).toBe('connected');
  });

  it('backs off 1, 2, 4 s while connecting keeps failing, and starts over after an open', () => {
    openSseFeed(recordingHandlers(), create);
    latest().fire('error');
    vi.advanceTimersByTime(1000);
    expect(sources).toHaveLength(2);
    latest().fire('error');
    vi.advanceTimersByTime(1999);
    expect(sources).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sources).toHaveLength(3);
    latest().fire('error');
    vi.advanceTimersByTime(4000);
    expect(sources).toHaveLength(4);
    latest().fire('open');
    latest().fire('error');
    vi.advanceTimersByTime(1000);
    expect(sources).toHaveLength(5);
  });

  it('loads the list again on a reset and resumes after its id', () => {
    const handlers = recordingHandlers();
    openSseFeed(handlers, create);
    latest().fire('reset', { lastEventId: '12', data: '' });
    expect(handlers.resyncs).toBe(1);
    latest().fire('error');
    vi.advanceTimersByTime(1000);
    expect(latest().url).toBe('/api/events?lastEventId=12');
  });

  it('skips a change it cannot read', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const handlers = recordingHandlers();
    openSseFeed(handlers, create);
    latest().fire('todo', { lastEventId: '9', data: '{"change":"renamed"}' });
    expect(handlers.changes).toEqual([]);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('closes for good: the stream, any pending reconnect, and says off', () => {
    const handlers = recordingHandlers();
    const feed = openSseFeed(handlers, create);
    latest().fire('error');
    feed.close();
    vi.advanceTimersByTime(60_000);
    expect(sources).toHaveLength(1);
    expect(handlers.states.at(-1)).toBe('off');
  });
});
