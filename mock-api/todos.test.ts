import { describe, expect, it } from 'vitest';
import { bearer, testApi, type TestApi } from './test-support.ts';
import { Todos, type Todo, type TodoChangeKind } from './todos.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

async function add(t: TestApi, token: string, title: string): Promise<Todo> {
  const response = await t.send('/api/todos', {
    method: 'POST',
    headers: { ...bearer(token), ...JSON_HEADERS },
    body: JSON.stringify({ title }),
  });
  return (await response.json()) as Todo;
}

const patch = (t: TestApi, token: string, id: number | string, body: string): Promise<Response> =>
  t.send(`/api/todos/${id}`, { method: 'PATCH', headers: { ...bearer(token), ...JSON_HEADERS }, body });

const list = async (t: TestApi, token: string): Promise<Todo[]> =>
  (await (await t.send('/api/todos', { headers: bearer(token) })).json()) as Todo[];

describe('PATCH /api/todos/:id', () => {
  it('answers 200 with the todo after changing done, title or both', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    const todo = await add(t, accessToken, 'Write tests');
    const done = await patch(t, accessToken, todo.id, '{"done":true}');
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ id: todo.id, title: 'Write tests', done: true });
    expect(await (await patch(t, accessToken, todo.id, '{"title":"  Ship it  "}')).json()).toEqual({
      id: todo.id,
      title: 'Ship it',
      done: true,
    });
    expect(await (await patch(t, accessToken, todo.id, '{"title":"Both","done":false}')).json()).toEqual({
      id: todo.id,
      title: 'Both',
      done: false,
    });
    expect(await list(t, accessToken)).toEqual([{ id: todo.id, title: 'Both', done: false }]);
  });

  it.each([
    ['no body', ''],
    ['an empty object', '{}'],
    ['a string for done', '{"done":"yes"}'],
    ['an empty title', '{"title":"  "}'],
    ['a title too long', JSON.stringify({ title: 'x'.repeat(201) })],
    ['a number for a title', '{"title":1}'],
    ['a field it does not know', '{"done":true,"owner":2}'],
    ['an array', '[true]'],
  ])('answers 400 invalid_request to %s and changes nothing', async (_, body) => {
    const t = await testApi();
    const { accessToken } = await t.login();
    const todo = await add(t, accessToken, 'Stay');
    const response = await patch(t, accessToken, todo.id, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect(await list(t, accessToken)).toEqual([todo]);
  });

  it("answers 404 not_found for another user's todo, and leaves it as it was", async () => {
    const t = await testApi();
    const test = await t.login('test', 'test');
    const ada = await t.login('ada', 'lovelace');
    const hers = await add(t, ada.accessToken, 'Analytical engine');
    const response = await patch(t, test.accessToken, hers.id, '{"done":true}');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
    expect(await list(t, ada.accessToken)).toEqual([hers]);
  });

  it('answers 404 for an id that does not exist, or is no number', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    expect((await patch(t, accessToken, 999, '{"done":true}')).status).toBe(404);
    expect((await patch(t, accessToken, 'abc', '{"done":true}')).status).toBe(404);
  });

  it('answers 401 without a token', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    const todo = await add(t, accessToken, 'Mine');
    const response = await t.send(`/api/todos/${todo.id}`, { method: 'PATCH', headers: JSON_HEADERS, body: '{"done":true}' });
    expect(response.status).toBe(401);
  });
});

describe('DELETE /api/todos/:id', () => {
  it('answers 204 and the todo is gone', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    const first = await add(t, accessToken, 'First');
    const second = await add(t, accessToken, 'Second');
    const response = await t.send(`/api/todos/${first.id}`, { method: 'DELETE', headers: bearer(accessToken) });
    expect(response.status).toBe(204);
    expect(await list(t, accessToken)).toEqual([second]);
    expect((await t.send(`/api/todos/${first.id}`, { method: 'DELETE', headers: bearer(accessToken) })).status).toBe(404);
  });

  it("answers 404 not_found for another user's todo, and keeps it", async () => {
    const t = await testApi();
    const test = await t.login('test', 'test');
    const ada = await t.login('ada', 'lovelace');
    const hers = await add(t, ada.accessToken, 'Notes');
    const response = await t.send(`/api/todos/${hers.id}`, { method: 'DELETE', headers: bearer(test.accessToken) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
    expect(await list(t, ada.accessToken)).toEqual([hers]);
  });

  it('answers 401 without a token', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    const todo = await add(t, accessToken, 'Mine');
    expect((await t.send(`/api/todos/${todo.id}`, { method: 'DELETE' })).status).toBe(401);
    expect(await list(t, accessToken)).toEqual([todo]);
  });
});

describe('Todos', () => {
  it('tells its listener of every change, after it happened, and of none that failed', () => {
    const heard: [number, TodoChangeKind, Todo][] = [];
    const todos = new Todos((userId, change, todo) => heard.push([userId, change, todo]));
    const todo = todos.add(1, { title: 'a' });
    todos.update(1, todo.id, { done: true });
    expect(() => todos.update(2, todo.id, { done: false })).toThrow();
    expect(() => todos.update(1, todo.id, { done: 'no' })).toThrow();
    todos.remove(1, todo.id);
    expect(() => todos.remove(1, todo.id)).toThrow();
    expect(heard).toEqual([
      [1, 'added', { id: 1, title: 'a', done: false }],
      [1, 'updated', { id: 1, title: 'a', done: true }],
      [1, 'deleted', { id: 1, title: 'a', done: true }],
    ]);
  });
});
