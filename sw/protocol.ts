/**
 * The message protocol between pages and the service worker (CONTRACT.md, "Messages").
 * Pages import these types and nothing else from `sw/`. No message ever carries a token.
 */

/** A user as the API describes one. */
export interface User {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
}

/** What the broker may safely tell a page about the session: never a token. */
export interface Session {
  status: 'signed-in' | 'signed-out';
  user?: User;
  /** When the current access token expires, epoch ms (absent when none is held). */
  accessExpiresAt?: number;
}

/** A request a page posts to the service worker, with a MessagePort for the reply. */
export type BrokerRequest =
  | { type: 'login'; username: string; password: string; remember?: boolean }
  | { type: 'logout' }
  | { type: 'session' };

/** Every error code a reply or a synthesized response can carry. */
export type BrokerErrorCode =
  | 'bad_request'
  | 'invalid_credentials'
  | 'invalid_grant'
  | 'rate_limited'
  | 'auth_unavailable'
  | 'network'
  | 'timeout'
  | 'not_controlled';

/** The error part of a failed reply. `retryAfter` is in seconds, where the server gave one. */
export interface BrokerErrorBody {
  code: BrokerErrorCode;
  message: string;
  retryAfter?: number;
}

/** The reply to every request. */
export type BrokerReply = { ok: true; session: Session } | { ok: false; error: BrokerErrorBody };

/** Posted by the service worker to every window client whenever the session changes. */
export interface SessionChangedMessage {
  type: 'session-changed';
  session: Session;
}

/**
 * Posted (without a reply port) to a waiting worker to make it take over: the message
 * workbox-window's `messageSkipWaiting()` sends when the user accepts an update.
 */
export interface SkipWaitingMessage {
  type: 'SKIP_WAITING';
}

/** Longest username and password a login message may carry (anything longer is bad_request). */
export const MAX_USERNAME_LENGTH = 256;
export const MAX_PASSWORD_LENGTH = 1024;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function hasOnlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(value).every((key) => allowed.includes(key));
}

function isBoundedString(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max;
}

/**
 * Parses a posted message into a typed request, or explains why it is not one.
 * Unknown types, missing or wrong-typed fields and extra fields are all refused.
 */
export function parseBrokerRequest(data: unknown): { ok: true; request: BrokerRequest } | { ok: false; message: string } {
  if (!isPlainObject(data)) return { ok: false, message: 'A message must be a plain object.' };
  switch (data.type) {
    case 'login': {
      if (!hasOnlyKeys(data, ['type', 'username', 'password', 'remember'])) {
        return { ok: false, message: 'login takes only username, password and remember.' };
      }
      if (!isBoundedString(data.username, MAX_USERNAME_LENGTH)) {
        return { ok: false, message: `username must be a non-empty string of at most ${MAX_USERNAME_LENGTH} characters.` };
      }
      if (!isBoundedString(data.password, MAX_PASSWORD_LENGTH)) {
        return { ok: false, message: `password must be a non-empty string of at most ${MAX_PASSWORD_LENGTH} characters.` };
      }
      if (data.remember !== undefined && typeof data.remember !== 'boolean') {
        return { ok: false, message: 'remember must be a boolean.' };
      }
      const login: BrokerRequest = { type: 'login', username: data.username, password: data.password };
      return { ok: true, request: data.remember === undefined ? login : { ...login, remember: data.remember } };
    }
    case 'logout':
    case 'session':
      if (!hasOnlyKeys(data, ['type'])) return { ok: false, message: `${data.type} takes no fields.` };
      return { ok: true, request: { type: data.type } };
    default:
      return { ok: false, message: 'Unknown message type; expected login, logout or session.' };
  }
}

/** Whether a posted message asks a waiting worker to activate. */
export function isSkipWaitingMessage(data: unknown): data is SkipWaitingMessage {
  return isPlainObject(data) && data.type === 'SKIP_WAITING' && hasOnlyKeys(data, ['type']);
}

/** Whether a message from the service worker is a session-changed notice (pages validate too). */
export function isSessionChangedMessage(data: unknown): data is SessionChangedMessage {
  return isPlainObject(data) && data.type === 'session-changed' && isSession(data.session);
}

/** Whether a value has the shape of a Session. */
export function isSession(value: unknown): value is Session {
  if (!isPlainObject(value)) return false;
  if (value.status === 'signed-out') return true;
  return value.status === 'signed-in' && isUser(value.user);
}

/** Whether a value has the shape of a User. */
export function isUser(value: unknown): value is User {
  return (
    isPlainObject(value) &&
    typeof value.id === 'number' &&
    typeof value.username === 'string' &&
    typeof value.firstName === 'string' &&
    typeof value.lastName === 'string'
  );
}

/** Whether a reply from the service worker has the shape of a BrokerReply. */
export function isBrokerReply(value: unknown): value is BrokerReply {
  if (!isPlainObject(value)) return false;
  if (value.ok === true) return isSession(value.session);
  return (
    value.ok === false &&
    isPlainObject(value.error) &&
    typeof value.error.code === 'string' &&
    typeof value.error.message === 'string'
  );
}
