import { describe, expect, it } from 'vitest';
import { EventHub, REPLAY_LOG_SIZE, type LiveEvent } from './event-hub.ts';

const todo = (id: number) => ({ id, title: `todo ${id}`, done: false });

describe('EventHub', () => {
  it('numbers each user’s changes 1, 2, 3, ... and tells only that user’s listeners', () => {
    const hub = new EventHub();
    const heard: [string, number][] = [];
    hub.subscribe(1, (event) => heard.push(['one', event.id]));
    hub.subscribe(2, (event) => heard.push(['two', event.id]));
    expect(hub.publish(1, 'added', todo(10))).toEqual({ id: 1, change: 'added', todo: todo(10) });
    hub.publish(2, 'added', todo(11));
    hub.publish(1, 'deleted', todo(10));
    expect(heard).toEqual([
      ['one', 1],
      ['two', 1],
      ['one', 2],
    ]);
    expect(hub.lastId(1)).toBe(2);
    expect(hub.lastId(3)).toBe(0);
  });

  it('stops telling a listener once it unsubscribed', () => {
    const hub = new EventHub();
    const heard: number[] = [];
    const unsubscribe = hub.subscribe(1, (event) => heard.push(event.id));
    hub.publish(1, 'added', todo(1));
    unsubscribe();
    hub.publish(1, 'added', todo(2));
    expect(heard).toEqual([1]);
  });

  it('gives back exactly the changes after an id it still keeps', () => {
    const hub = new EventHub();
    for (let id = 1; id <= 5; id += 1) hub.publish(1, 'added', todo(id));
    expect(hub.since(1, 3)?.map((event: LiveEvent) => event.id)).toEqual([4, 5]);
    expect(hub.since(1, 5)).toEqual([]);
    expect(hub.since(1, 0)?.map((event) => event.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it(`keeps the last ${REPLAY_LOG_SIZE} changes: an older id, a future one or no number at all cannot be replayed`, () => {
    const hub = new EventHub();
    for (let id = 1; id <= REPLAY_LOG_SIZE + 5; id += 1) hub.publish(1, 'added', todo(id));
    expect(hub.since(1, 5)).toHaveLength(REPLAY_LOG_SIZE);
    expect(hub.since(1, 4)).toBeUndefined();
    expect(hub.since(1, REPLAY_LOG_SIZE + 6)).toBeUndefined();
    expect(hub.since(1, Number.NaN)).toBeUndefined();
    expect(hub.since(1, 5.5)).toBeUndefined();
  });

  it('forgets the changes at a reset but never reuses an id', () => {
    const hub = new EventHub();
    hub.publish(1, 'added', todo(1));
    hub.publish(1, 'added', todo(2));
    hub.reset();
    expect(hub.since(1, 2)).toEqual([]);
    expect(hub.since(1, 1)).toBeUndefined();
    expect(hub.publish(1, 'added', todo(3)).id).toBe(3);
  });

  it('continues the numbering of a snapshot', () => {
    const hub = new EventHub();
    hub.publish(1, 'added', todo(1));
    hub.publish(2, 'added', todo(2));
    hub.publish(2, 'added', todo(3));
    const restored = new EventHub();
    restored.restore(structuredClone(hub.snapshot()));
    expect(restored.lastId(2)).toBe(2);
    expect(restored.since(2, 1)).toBeUndefined();
    expect(restored.since(2, 2)).toEqual([]);
    expect(restored.publish(1, 'updated', todo(1)).id).toBe(2);
  });
});
