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
  not_found: 'That todo is gone: it was deleted, perhaps in another tab.',
  invalid_request: 'The server could not accept that change.',
  not_supported: 'This server has no WebSocket endpoint.',
  too_many_streams: 'Too many live connections are open for this user; try again shortly.',
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
    MESSAGES[code] ?? (response.status >= 500 ? 'The server had a problem; try again.' : 'The server refused the request.'),
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}

/** Sends a request to the API and returns its answer if it is ok; throws an ApiError otherwise. */
async function send(path: string, init: RequestInit, accept: string): Promise<Response> {
  let response: Response;
  try {
    // No token, no Authorization header: the service worker adds the bearer.
    response = await fetch(path, { ...init, credentials: 'same-origin', headers: { Accept: accept, ...init.headers } });
  } catch {
    reportUnreachable();
    const code = checkConnectivity() ? 'network' : 'offline';
    throw new ApiError(0, code, MESSAGES[code] ?? 'Network error.');
  }
  if (!response.ok) throw failureOf(response, await response.json().catch(() => undefined));
  reportReachable();
  return response;
}

async function call<T>(path: string, init: RequestInit, validate: (value: unknown) => value is T): Promise<T> {
  const response = await send(path, init, 'application/json');
  // A 204 has no body: undefined, which only a validator that expects nothing accepts.
  const body: unknown = await response.json().catch(() => undefined);
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

/** PATCH a JSON body and read a JSON answer. */
export function patchJson<T>(path: string, body: unknown, validate: (value: unknown) => value is T): Promise<T> {
  return call(path, { method: 'PATCH', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }, validate);
}

const isNothing = (value: unknown): value is undefined => value === undefined;

/** GET a file (the CSV export, say) as a Blob. */
export async function getBlob(path: string, accept: string): Promise<Blob> {
  return (await send(path, { method: 'GET' }, accept)).blob();
}

/** GET /api/users. */
export const fetchUsers = (): Promise<User[]> => getJson('/api/users', arrayOf(isUser));
/** GET /api/todos. */
export const fetchTodos = (): Promise<Todo[]> => getJson('/api/todos', arrayOf(isTodo));
const isTodoOrQueued = (value: unknown): value is Todo | QueuedAnswer => isTodo(value) || parseQueuedAnswer(value) !== undefined;
/** POST /api/todos: the new todo or, when the network failed, the worker's note that the write waits in its queue. */
export const addTodo = (title: string): Promise<Todo | QueuedAnswer> => postJson('/api/todos', { title }, isTodoOrQueued);
/** PATCH /api/todos/:id: ticks a todo (or not). */
export const setTodoDone = (id: number, done: boolean): Promise<Todo> => patchJson(`/api/todos/${id}`, { done }, isTodo);
/** DELETE /api/todos/:id. */
export const deleteTodo = (id: number): Promise<undefined> => call(`/api/todos/${id}`, { method: 'DELETE' }, isNothing);

/** A one-time ticket for the WebSocket endpoint (POST /api/ws-ticket). */
export interface WsTicket {
  ticket: string;
  expiresIn: number;
}
const isWsTicket = (value: unknown): value is WsTicket => {
  if (typeof value !== 'object' || value === null) return false;
  const { ticket, expiresIn } = value as Record<string, unknown>;
  return typeof ticket === 'string' && typeof expiresIn === 'number';
};
/** POST /api/ws-ticket: the worker authorizes the request, the page gets a ticket, never a token. */
export const fetchWsTicket = (): Promise<WsTicket> => call('/api/ws-ticket', { method: 'POST' }, isWsTicket);
