import { describe, expect, it } from 'vitest';
import { LIVE_QUEUE_LIMIT, LiveFeed, type LiveEnd, type LiveMessage, type LiveSink } from './live-feed.ts';

const change = (id: number): LiveMessage => ({ type: 'todo', event: { id, change: 'added', todo: { id, title: 't', done: false } } });

/** A transport that takes a message only when the test says so. */
function heldSink() {
  const written: LiveMessage[] = [];
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const ends: LiveEnd[] = [];
  const sink: LiveSink = {
    write: (message) =>
      new Promise<void>((resolve, reject) => {
        written.push(message);
        pending.push({ resolve, reject });
      }),
    end: (reason) => ends.push(reason),
  };
  const settle = async (): Promise<void> => {
    for (let turn = 0; turn < 5; turn += 1) await Promise.resolve();
  };
  return {
    sink,
    written,
    ends,
    async takeOne() {
      pending.shift()?.resolve();
      await settle();
    },
    async failOne() {
      pending.shift()?.reject(new Error('gone'));
      await settle();
    },
  };
}

describe('LiveFeed', () => {
  it('sends in order, one message at a time, each when the transport took the one before', async () => {
    const feed = new LiveFeed();
    const transport = heldSink();
    feed.push(change(1));
    feed.push(change(2));
    feed.attach(transport.sink);
    feed.push(change(3));
    expect(transport.written).toEqual([change(1)]);
    await transport.takeOne();
    expect(transport.written).toEqual([change(1), change(2)]);
    await transport.takeOne();
    await transport.takeOne();
    expect(transport.written).toEqual([change(1), change(2), change(3)]);
  });

  it(`disconnects a client that stopped reading once ${LIVE_QUEUE_LIMIT} messages wait, instead of buffering more`, async () => {
    const feed = new LiveFeed();
    const transport = heldSink();
    const ended: LiveEnd[] = [];
    feed.onEnd((reason) => ended.push(reason));
    feed.attach(transport.sink);
    feed.push(change(0));
    for (let id = 1; id <= LIVE_QUEUE_LIMIT; id += 1) feed.push(change(id));
    expect(ended).toEqual([]);
    feed.push(change(LIVE_QUEUE_LIMIT + 1));
    expect(ended).toEqual(['overflow']);
    expect(transport.ends).toEqual(['overflow']);
    await transport.takeOne();
    expect(transport.written).toEqual([change(0)]);
  });

  it('ends as gone when the transport fails, and sends nothing more', async () => {
    const feed = new LiveFeed();
    const transport = heldSink();
    feed.attach(transport.sink);
    feed.push(change(1));
    feed.push(change(2));
    await transport.failOne();
    expect(feed.ended).toBe('gone');
    expect(transport.written).toEqual([change(1)]);
  });

  it('queues a heartbeat only when nothing waits or is being sent', async () => {
    const feed = new LiveFeed();
    const transport = heldSink();
    feed.attach(transport.sink);
    feed.heartbeat();
    feed.heartbeat();
    expect(transport.written).toEqual([{ type: 'heartbeat' }]);
    await transport.takeOne();
    feed.heartbeat();
    expect(transport.written).toEqual([{ type: 'heartbeat' }, { type: 'heartbeat' }]);
  });

  it('ends once, and tells a transport attached after the end at once', () => {
    const feed = new LiveFeed();
    const ended: LiveEnd[] = [];
    feed.onEnd((reason) => ended.push(reason));
    feed.end('expired');
    feed.end('gone');
    const transport = heldSink();
    feed.attach(transport.sink);
    feed.onEnd((reason) => ended.push(reason));
    expect(ended).toEqual(['expired', 'expired']);
    expect(transport.ends).toEqual(['expired']);
    expect(transport.written).toEqual([]);
  });
});
