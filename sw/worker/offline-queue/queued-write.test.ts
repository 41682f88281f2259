import { describe, expect, it } from 'vitest';
import { captureWrite, describeWrite, droppedWrite, ownerOf, parseStoredWrites, replayRequest, type StoredWrite } from './queued-write.ts';

const TODOS = 'https://app.test/api/todos';

function write(overrides: Partial<StoredWrite> = {}): StoredWrite {
  return {
    id: 'w-1',
    owner: 'id:1',
    method: 'POST',
    url: TODOS,
    headers: [['content-type', 'application/json']],
    body: new TextEncoder().encode('{"title":"x"}').buffer,
    credentials: 'same-origin',
    queuedAt: 1,
    ...overrides,
  };
}

describe('queued writes', () => {
  it('belong to the user’s id (or sub), else to the whole user', () => {
    expect(ownerOf({ id: 1, username: 'test' })).toBe('id:1');
    expect(ownerOf({ id: '1' })).toBe('id:1');
    expect(ownerOf({ sub: 'auth0|42', name: 'Ada' })).toBe('sub:auth0|42');
    expect(ownerOf({ username: 'test' })).toBe('user:{"username":"test"}');
    expect(ownerOf({ username: 'test' })).not.toBe(ownerOf({ username: 'ada' }));
  });

  it('keep the page’s request without any credential header, whatever its case', async () => {
    const request = new Request(TODOS, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer eyJ.x.y', DPoP: 'eyJ.p.q', 'X-Trace': '1' },
      body: '{"title":"x"}',
    });
    const body = await request.arrayBuffer();
    const captured = captureWrite(request, body, 'id:1', 'w-1', 5);
    expect(captured.headers).toEqual([
      ['content-type', 'application/json'],
      ['x-trace', '1'],
    ]);
    expect(describeWrite(captured)).toEqual({ id: 'w-1', method: 'POST', url: TODOS, body: '{"title":"x"}', queuedAt: 5 });
    const again = replayRequest(captured);
    expect([again.method, again.url, await again.text(), again.headers.get('x-trace')]).toEqual(['POST', TODOS, '{"title":"x"}', '1']);
  });

  it('name another user’s dropped write without its body', () => {
    expect(droppedWrite(write(), 'other-user')).not.toHaveProperty('body');
    expect(droppedWrite(write(), 'refused', 400)).toMatchObject({ body: '{"title":"x"}', reason: 'refused', status: 400 });
  });

  it('read back only well-formed entries: anything a page planted in another shape is left out', () => {
    const good = write();
    const { writes, discarded } = parseStoredWrites([
      good,
      write({ headers: [['Authorization', 'Bearer eyJ.x.y']] }),
      { ...write(), body: '{"title":"x"}' },
      write({ url: 'not a url' }),
      write({ credentials: 'everywhere' as RequestCredentials }),
      'junk',
    ]);
    expect(writes).toEqual([good]);
    expect(discarded).toBe(5);
    expect(parseStoredWrites(undefined)).toEqual({ writes: [], discarded: 0 });
    expect(parseStoredWrites({ not: 'a list' })).toEqual({ writes: [], discarded: 1 });
  });
});
