import { describe, expect, it } from 'vitest';
import { applyTodoChange, parseJson, parseTodoChange, type TodoChange } from './todo-change';

const milk = { id: 1, title: 'Milk', done: false };
const bread = { id: 2, title: 'Bread', done: false };

describe('applyTodoChange', () => {
  it('appends an added todo, and the same change twice adds it once', () => {
    const added: TodoChange = { change: 'added', todo: bread };
    const once = applyTodoChange([milk], added);
    expect(once).toEqual([milk, bread]);
    expect(applyTodoChange(once, added)).toEqual([milk, bread]);
  });

  it('replaces an updated todo in place, and adds one it did not know', () => {
    const ticked: TodoChange = { change: 'updated', todo: { ...milk, done: true } };
    expect(applyTodoChange([milk, bread], ticked)).toEqual([{ ...milk, done: true }, bread]);
    expect(applyTodoChange([bread], ticked)).toEqual([bread, { ...milk, done: true }]);
  });

  it('removes a deleted todo, and a second delete changes nothing', () => {
    const deleted: TodoChange = { change: 'deleted', todo: milk };
    const once = applyTodoChange([milk, bread], deleted);
    expect(once).toEqual([bread]);
    expect(applyTodoChange(once, deleted)).toEqual([bread]);
  });

  it('leaves the list it was given alone', () => {
    const list = [milk];
    applyTodoChange(list, { change: 'deleted', todo: milk });
    expect(list).toEqual([milk]);
  });
});

describe('parseTodoChange', () => {
  it('reads an event stream change and a WebSocket message, keeping only the known fields', () => {
    expect(parseTodoChange({ change: 'added', todo: milk })).toEqual({ change: 'added', todo: milk });
    expect(parseTodoChange({ type: 'todo', id: 8, change: 'deleted', todo: { ...milk, extra: 1 } })).toEqual({
      change: 'deleted',
      todo: milk,
    });
  });

  it('refuses anything else', () => {
    expect(parseTodoChange(undefined)).toBeUndefined();
    expect(parseTodoChange({ change: 'renamed', todo: milk })).toBeUndefined();
    expect(parseTodoChange({ change: 'added', todo: { id: '1', title: 'Milk', done: false } })).toBeUndefined();
  });
});

describe('parseJson', () => {
  it('parses JSON text and gives undefined for anything that is not', () => {
    expect(parseJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('not json')).toBeUndefined();
    expect(parseJson(3)).toBeUndefined();
  });
});
