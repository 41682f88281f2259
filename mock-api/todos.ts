import { HttpError } from './errors.ts';

/** A todo item. */
export interface Todo {
  id: number;
  title: string;
  done: boolean;
}

const MAX_TITLE = 200;

/** Every list and the next id, as plain structured-cloneable data. */
export interface TodosSnapshot {
  lists: [number, Todo[]][];
  nextId: number;
}

/** Every user's todo list, in memory. */
export class Todos {
  readonly #lists = new Map<number, Todo[]>();
  #nextId = 1;

  /** The caller's todos. */
  list(userId: number): Todo[] {
    return [...(this.#lists.get(userId) ?? [])];
  }

  /** Adds a todo from a request body `{ title }`. */
  add(userId: number, body: Record<string, unknown> | undefined): Todo {
    const title = body?.title;
    if (typeof title !== 'string' || title.trim() === '' || title.trim().length > MAX_TITLE) {
      throw new HttpError(400, 'invalid_request', `title must be a non-empty string of at most ${MAX_TITLE} characters.`);
    }
    const todo = { id: this.#nextId++, title: title.trim(), done: false };
    this.#lists.set(userId, [...this.list(userId), todo]);
    return todo;
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
