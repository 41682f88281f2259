import { isTodo, type Todo } from './api';

/** One change to a todo, as the live endpoints push it. */
export interface TodoChange {
  change: 'added' | 'updated' | 'deleted';
  todo: Todo;
}

const CHANGES = new Set<unknown>(['added', 'updated', 'deleted']);

/** Reads a TodoChange out of an untrusted value (an event's data, a socket message), keeping only its fields. */
export function parseTodoChange(value: unknown): TodoChange | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { change, todo } = value as Record<string, unknown>;
  if (!CHANGES.has(change) || !isTodo(todo)) return undefined;
  return { change: change as TodoChange['change'], todo: { id: todo.id, title: todo.title, done: todo.done } };
}

/** Parses JSON text, or undefined when it is not JSON. */
export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The list after a change: added and updated put the todo in place by id (appended when new),
 * deleted removes it. Idempotent: the same change twice leaves the list as once.
 */
export function applyTodoChange(list: readonly Todo[], { change, todo }: TodoChange): Todo[] {
  if (change === 'deleted') return list.filter((known) => known.id !== todo.id);
  return list.some((known) => known.id === todo.id) ? list.map((known) => (known.id === todo.id ? todo : known)) : [...list, todo];
}
