import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPLAY_LOG_SIZE } from './event-hub.ts';
import { SSE_HEARTBEAT_MS } from './event-stream.ts';
import { LIVE_QUEUE_LIMIT } from './live-feed.ts';
import { LIVE_RETRY_AFTER_SECONDS, MAX_LIVE_CONNECTIONS_PER_USER } from './live-connections.ts';
import { bearer, readEventStream, testApi, type EventBlock, type EventStreamReader, type TestApi } from './test-support.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** Everything a test opened, closed after it. */
const opened: EventStreamReader[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((reader) => reader.cancel().catch(() => undefined)));
});

/** Opens a stream and reads its opening: the reconnect delay, and on a fresh stream the ready event. */
async function open(t: TestApi, token: string, lastEventId?: string): Promise<EventStreamReader> {
  const response = await t.send('/api/events', {
    headers: { ...bearer(token), ...(lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId }) },
  });
  expect(response.status).toBe(200);
  const reader = readEventStream(response);
  opened.push(reader);
  expect(await reader.next()).toEqual({ retry: '1000' });
  if (lastEventId === undefined) expect(await reader.next()).toMatchObject({ event: 'ready' });
  return reader;
}

const addTodo = (t: TestApi, token: string, title: string): Promise<Response> =>
  t.send('/api/todos', { method: 'POST', headers: { ...bearer(token), ...JSON_HEADERS }, body: JSON.stringify({ title }) });

/** The next `count` blocks, as `[id, event, data]`. */
async function take(reader: EventStreamReader, count: number): Promise<[string | undefined, string | undefined, unknown][]> {
  const blocks: EventBlock[] = [];
  for (let i = 0; i < count; i += 1) {
    const block = await reader.next();
    if (!block) throw new Error(`the stream ended after ${i} of ${count} blocks`);
    blocks.push(block);
  }
  return blocks.map((block) => [block.id, block.event, block.data ? JSON.parse(block.data) : block.data]);
}

const stats = async (t: TestApi): Promise<Record<string, number>> =>
  (await t.send('/__mock/stats')).json() as Promise<Record<string, number>>;

describe('GET /api/events', () => {
  it('opens an uncached event stream with the reconnect delay and where the client stands, then sends each change', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    const response = await t.send('/api/events', { headers: bearer(accessToken) });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/event-stream');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const reader = readEventStream(response);
    opened.push(reader);
    expect(await reader.next()).toEqual({ retry: '1000' });
    expect(await reader.next()).toEqual({ event: 'ready', data: '{"lastId":0}', id: '0' });
    const added = (await (await addTodo(t, accessToken, 'Milk')).json()) as { id: number };
    await t.send(`/api/todos/${added.id}`, {
      method: 'PATCH',
      headers: { ...bearer(accessToken), ...JSON_HEADERS },
      body: '{"done":true}',
    });
    await t.send(`/api/todos/${added.id}`, { method: 'DELETE', headers: bearer(accessToken) });
    expect(await take(reader, 3)).toEqual([
      ['1', 'todo', { change: 'added', todo: { id: added.id, title: 'Milk', done: false } }],
      ['2', 'todo', { change: 'updated', todo: { id: added.id, title: 'Milk', done: true } }],
      ['3', 'todo', { change: 'deleted', todo: { id: added.id, title: 'Milk', done: true } }],
    ]);
  });

  it("sends only the caller's own changes", async () => {
    const t = await testApi();
    const test = await t.login('test', 'test');
    const ada = await t.login('ada', 'lovelace');
    const reader = await open(t, test.accessToken);
    await addTodo(t, ada.accessToken, 'Hers');
    await addTodo(t, test.accessToken, 'Mine');
    expect(await take(reader, 1)).toEqual([['1', 'todo', { change: 'added', todo: expect.objectContaining({ title: 'Mine' }) }]]);
  });

  it('replays every change after Last-Event-ID, without loss or duplicates, then goes on live', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    const first = await open(t, accessToken);
    await addTodo(t, accessToken, 'one');
    await addTodo(t, accessToken, 'two');
    expect((await take(first, 2)).map(([id]) => id)).toEqual(['1', '2']);
    await first.cancel();
    await addTodo(t, accessToken, 'three');
    await addTodo(t, accessToken, 'four');
    // A resumed stream has no ready event, which would move the client's last id: the replay does.
    const again = await open(t, accessToken, '2');
    await addTodo(t, accessToken, 'five');
    expect(await take(again, 3)).toEqual([
      ['3', 'todo', { change: 'added', todo: expect.objectContaining({ title: 'three' }) }],
      ['4', 'todo', { change: 'added', todo: expect.objectContaining({ title: 'four' }) }],
      ['5', 'todo', { change: 'added', todo: expect.objectContaining({ title: 'five' }) }],
    ]);
  });

  it('takes the last id from ?lastEventId= where a service worker dropped the header, and the header over it', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    for (const title of ['one', 'two', 'three']) await addTodo(t, accessToken, title);
    const byQuery = readEventStream(await t.send('/api/events?lastEventId=1', { headers: bearer(accessToken) }));
    opened.push(byQuery);
    expect(await byQuery.next()).toEqual({ retry: '1000' });
    expect((await take(byQuery, 2)).map(([id]) => id)).toEqual(['2', '3']);
    const both = readEventStream(await t.send('/api/events?lastEventId=1', { headers: { ...bearer(accessToken), 'Last-Event-ID': '2' } }));
    opened.push(both);
    await both.next();
    expect((await take(both, 1)).map(([id]) => id)).toEqual(['3']);
  });

  it('replays from where a fresh stream said the client stood, even when it saw no change', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    await addTodo(t, accessToken, 'before');
    const quiet = readEventStream(await t.send('/api/events', { headers: bearer(accessToken) }));
    opened.push(quiet);
    expect(await quiet.next()).toEqual({ retry: '1000' });
    expect(await quiet.next()).toEqual({ event: 'ready', data: '{"lastId":1}', id: '1' });
    await quiet.cancel();
    await addTodo(t, accessToken, 'while away');
    const again = await open(t, accessToken, '1');
    expect(await take(again, 1)).toEqual([['2', 'todo', { change: 'added', todo: expect.objectContaining({ title: 'while away' }) }]]);
  });

  it.each([
    ['older than the kept log', '0'],
    ['never given out', '999'],
    ['not a number', 'abc'],
  ])('sends one reset, carrying the last id, for a Last-Event-ID %s, then goes on live', async (_, lastEventId) => {
    const t = await testApi();
    const { accessToken } = await t.login();
    for (let i = 0; i <= REPLAY_LOG_SIZE; i += 1) await addTodo(t, accessToken, `todo ${i}`);
    const reader = await open(t, accessToken, lastEventId);
    expect(await reader.next()).toEqual({ event: 'reset', data: '', id: String(REPLAY_LOG_SIZE + 1) });
    await addTodo(t, accessToken, 'after');
    expect((await take(reader, 1)).map(([id, event]) => [id, event])).toEqual([[String(REPLAY_LOG_SIZE + 2), 'todo']]);
  });

  it(`sends a comment every ${SSE_HEARTBEAT_MS / 1000} s`, async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const t = await testApi();
    const { accessToken } = await t.login();
    const reader = await open(t, accessToken);
    await vi.advanceTimersByTimeAsync(SSE_HEARTBEAT_MS);
    expect(await reader.next()).toEqual({ comment: 'heartbeat' });
    await vi.advanceTimersByTimeAsync(SSE_HEARTBEAT_MS);
    expect(await reader.next()).toEqual({ comment: 'heartbeat' });
  });

  it('ends cleanly when the access token it was opened with expires', async () => {
    const t = await testApi({ accessTtl: 1, now: () => Date.now() });
    const { accessToken } = await t.login();
    const expiresAt = (decodeJwt(accessToken).exp ?? 0) * 1000;
    const reader = await open(t, accessToken);
    expect(await reader.next()).toBeUndefined();
    // setTimeout may round a millisecond down.
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 2);
    expect((await stats(t)).liveConnections).toBe(0);
  });

  it('ends at once when its session signs out, and the token no longer opens one', async () => {
    const t = await testApi();
    const { accessToken, cookie } = await t.login();
    const reader = await open(t, accessToken);
    await t.send('/auth/logout', { method: 'POST', headers: { Cookie: cookie } });
    expect(await reader.next()).toBeUndefined();
    expect((await t.send('/api/events', { headers: bearer(accessToken) })).status).toBe(401);
  });

  it('ends when its session is revoked for refresh-token reuse, and only that session’s streams end', async () => {
    const t = await testApi({ reuseGrace: 0 });
    const stolen = await t.login();
    const other = await t.login();
    const reader = await open(t, stolen.accessToken);
    const bystander = await open(t, other.accessToken);
    expect((await t.refresh(stolen.cookie)).status).toBe(200);
    t.clock.advance(1);
    expect((await t.refresh(stolen.cookie)).status).toBe(400);
    expect(await reader.next()).toBeUndefined();
    await addTodo(t, other.accessToken, 'still live');
    expect((await take(bystander, 1)).map(([id]) => id)).toEqual(['1']);
  });

  it(`refuses connection ${MAX_LIVE_CONNECTIONS_PER_USER + 1} of a user with 429 and Retry-After, and a closed one frees its slot`, async () => {
    const t = await testApi();
    const test = await t.login('test', 'test');
    const ada = await t.login('ada', 'lovelace');
    const readers: EventStreamReader[] = [];
    for (let i = 0; i < MAX_LIVE_CONNECTIONS_PER_USER; i += 1) readers.push(await open(t, test.accessToken));
    const refused = await t.send('/api/events', { headers: bearer(test.accessToken) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('Retry-After')).toBe(String(LIVE_RETRY_AFTER_SECONDS));
    expect(await refused.json()).toMatchObject({ error: 'too_many_streams' });
    expect(await stats(t)).toMatchObject({ liveConnections: MAX_LIVE_CONNECTIONS_PER_USER, liveRefused: 1 });
    // Another user has slots of their own.
    await open(t, ada.accessToken);
    await readers[0]?.cancel();
    await vi.waitFor(async () => expect((await stats(t)).liveConnections).toBe(MAX_LIVE_CONNECTIONS_PER_USER));
    await open(t, test.accessToken);
  });

  it('disconnects a client that stops reading, and frees its slot', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    const response = await t.send('/api/events', { headers: bearer(accessToken) });
    for (let i = 0; i <= LIVE_QUEUE_LIMIT + 1; i += 1) await addTodo(t, accessToken, `todo ${i}`);
    expect(await stats(t)).toMatchObject({ liveConnections: 0, liveDropped: 1 });
    // What reached the stream before the cut is there; then it ends, far short of every change.
    const reader = readEventStream(response);
    const blocks: EventBlock[] = [];
    for (let block = await reader.next(); block; block = await reader.next()) blocks.push(block);
    expect(blocks[0]).toEqual({ retry: '1000' });
    expect(blocks.length).toBeLessThan(LIVE_QUEUE_LIMIT);
    for (let i = 0; i < MAX_LIVE_CONNECTIONS_PER_USER; i += 1) await open(t, accessToken);
  });

  it('answers 401 without a valid token', async () => {
    const t = await testApi();
    const response = await t.send('/api/events');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });
});
