import { HttpError } from './errors.ts';

/** A todo item. */
export interface Todo {
  id: number;
  title: string;
  done: boolean;
}

/** What happened to a todo. */
export type TodoChangeKind = 'added' | 'updated' | 'deleted';

/** Told of every change: the todo as it is now, or as it was when it was deleted. */
export type TodoListener = (userId: number, change: TodoChangeKind, todo: Todo) => void;

const MAX_TITLE = 200;
const PATCH_FIELDS: ReadonlySet<string> = new Set(['title', 'done']);

/** Every list and the next id, as plain structured-cloneable data. */
export interface TodosSnapshot {
  lists: [number, Todo[]][];
  nextId: number;
}

function titleOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.trim().length > MAX_TITLE) {
    throw new HttpError(400, 'invalid_request', `title must be a non-empty string of at most ${MAX_TITLE} characters.`);
  }
  return value.trim();
}

/** A PATCH body: `title` and/or `done`, nothing else. */
function changesOf(body: Record<string, unknown> | undefined): Partial<Omit<Todo, 'id'>> {
  const fields = Object.keys(body ?? {});
  if (!body || fields.length === 0 || fields.some((field) => !PATCH_FIELDS.has(field))) {
    throw new HttpError(400, 'invalid_request', 'The body must have title and/or done, and nothing else.');
  }
  if (body.done !== undefined && typeof body.done !== 'boolean') throw new HttpError(400, 'invalid_request', 'done must be a boolean.');
  return { ...(body.title === undefined ? {} : { title: titleOf(body.title) }), ...(body.done === undefined ? {} : { done: body.done }) };
}

function notFound(): HttpError {
  return new HttpError(404, 'not_found', 'No such todo.');
}

/** Every user's todo list, in memory; each change is told to the listener. */
export class Todos {
  readonly #lists = new Map<number, Todo[]>();
  #nextId = 1;

  constructor(private readonly onChange: TodoListener = () => {}) {}

  /** The caller's todos. */
  list(userId: number): Todo[] {
    return [...(this.#lists.get(userId) ?? [])];
  }

  /** Adds a todo from a request body `{ title }`. */
  add(userId: number, body: Record<string, unknown> | undefined): Todo {
    const todo = { id: this.#nextId++, title: titleOf(body?.title), done: false };
    this.#lists.set(userId, [...this.list(userId), todo]);
    this.onChange(userId, 'added', { ...todo });
    return todo;
  }

  /** Changes the caller's todo `id` from a request body `{ title?, done? }`; another user's todo is not found. */
  update(userId: number, id: number, body: Record<string, unknown> | undefined): Todo {
    const list = this.list(userId);
    const index = list.findIndex((todo) => todo.id === id);
    const old = list[index];
    if (!old) throw notFound();
    const todo = { ...old, ...changesOf(body) };
    list[index] = todo;
    this.#lists.set(userId, list);
    this.onChange(userId, 'updated', { ...todo });
    return todo;
  }

  /** Deletes the caller's todo `id`; another user's todo is not found. */
  remove(userId: number, id: number): void {
    const list = this.list(userId);
    const todo = list.find((candidate) => candidate.id === id);
    if (!todo) throw notFound();
    this.#lists.set(
      userId,
      list.filter((candidate) => candidate !== todo),
    );
    this.onChange(userId, 'deleted', { ...todo });
  }

  /** Forgets every list. */
  reset(): void {
    this.#lists.clear();
    this.#nextId = 1;
  }

  /** A copy of every list, to store. */
  snapshot(): TodosSnapshot {
    return { lists: [...this.#lists].map(([userId, list]) => [userId, list.map((todo) => ({ ...todo }))]), nextId: this.#nextId };
  }

  /** Replaces every list with a snapshot's. */
  restore(snapshot: TodosSnapshot): void {
    this.#lists.clear();
    for (const [userId, list] of snapshot.lists)
      this.#lists.set(
        userId,
        list.map((todo) => ({ ...todo })),
      );
    this.#nextId = snapshot.nextId;
  }
}
