import { parseQueuedAnswer, type QueuedAnswer } from 'sw-token-broker/client';
import { isUser, type User } from './user';
import { checkConnectivity, reportReachable, reportUnreachable } from './connectivity';
import { refreshSession } from './useSession';

/** A failed API call: the HTTP status (0 when nothing came back) and an error code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds the server asked us to wait (Retry-After), where it did. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** A todo item as the API returns it. */
export interface Todo {
  id: number;
  title: string;
  done: boolean;
}

/** Whether a value is a Todo. */
export function isTodo(value: unknown): value is Todo {
  if (typeof value !== 'object' || value === null) return false;
  const { id, title, done } = value as Record<string, unknown>;
  return typeof id === 'number' && typeof title === 'string' && typeof done === 'boolean';
}

/** A validator for arrays whose every item passes `item`. */
export const arrayOf =
  <T>(item: (value: unknown) => value is T) =>
  (value: unknown): value is T[] =>
    Array.isArray(value) && value.every(item);

const MESSAGES: Record<string, string> = {
  offline: 'You are offline.',
  network: 'The server could not be reached.',
  auth_unavailable: 'The sign-in service is unreachable; reconnecting…',
  invalid_token: 'Your session has ended; sign in again.',
};

/** The ApiError of an answer that is not ok; a 503 `auth_unavailable` counts as a network failure. */
function failureOf(response: Response, body: unknown): ApiError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  let code = typeof error === 'string' ? error : `http_${response.status}`;
  if (code === 'auth_unavailable') {
    // The worker could not reach the sign-in service: as much a network failure as no answer at all.
    reportUnreachable();
    // Offline, the worker cannot refresh either: say what the user can act on.
    if (!checkConnectivity()) code = 'offline';
  } else reportReachable();
  // The session may have ended elsewhere: let the worker tell us, and the router follow.
  if (response.status === 401) void refreshSession();
  const retryAfter = Number(response.headers.get('Retry-After') ?? Number.NaN);
  return new ApiError(
    response.status,
    code,
    MESSAGES[code] ?? `The request failed (${response.status}).`,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}

async function call<T>(path: string, init: RequestInit, validate: (value: unknown) => value is T): Promise<T> {
  let response: Response;
  try {
    // No token, no Authorization header: the service worker adds the bearer.
    response = await fetch(path, { ...init, credentials: 'same-origin', headers: { Accept: 'application/json', ...init.headers } });
  } catch {
    reportUnreachable();
    const code = checkConnectivity() ? 'network' : 'offline';
    throw new ApiError(0, code, MESSAGES[code] ?? 'Network error.');
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw failureOf(response, body);
  reportReachable();
  if (!validate(body)) throw new ApiError(response.status, 'bad_response', 'The server sent an unexpected response.');
  return body;
}

/** GET a JSON resource. */
export function getJson<T>(path: string, validate: (value: unknown) => value is T): Promise<T> {
  return call(path, { method: 'GET' }, validate);
}

/** POST a JSON body and read a JSON answer. */
export function postJson<T>(path: string, body: unknown, validate: (value: unknown) => value is T): Promise<T> {
  return call(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }, validate);
}

/** GET /api/users. */
export const fetchUsers = (): Promise<User[]> => getJson('/api/users', arrayOf(isUser));
/** GET /api/todos. */
export const fetchTodos = (): Promise<Todo[]> => getJson('/api/todos', arrayOf(isTodo));
const isTodoOrQueued = (value: unknown): value is Todo | QueuedAnswer => isTodo(value) || parseQueuedAnswer(value) !== undefined;
/** POST /api/todos: the new todo or, when the network failed, the worker's note that the write waits in its queue. */
export const addTodo = (title: string): Promise<Todo | QueuedAnswer> => postJson('/api/todos', { title }, isTodoOrQueued);
