/**
 * The message protocol between pages and the service worker (docs/contract.md, "Messages"):
 * the types both halves share and the validators each side runs on what it receives.
 * No message carries an access or a refresh token. One carries an ID token: the `oidc`
 * adapter's `endSessionUrl`, whose `id_token_hint` (OpenID Connect RP-Initiated Logout) the
 * page hands the provider at sign-out, after the refresh token was revoked.
 */
import { BROKER_ERROR_CODES, type BrokerErrorBody } from './errors.ts';

export { BrokerError, BROKER_ERROR_CODES, type BrokerErrorBody, type BrokerErrorCode } from './errors.ts';

/** A user as a token server describes one: any JSON object, narrowed by a UserParser. */
export type UserRecord = Readonly<Record<string, unknown>>;

/** Reads a user out of an untrusted value, or says it is not one (undefined). */
export type UserParser<User> = (value: unknown) => User | undefined;

/**
 * Why a session ended without the user signing out, when a page should say so: `refresh-token-lost`
 * means the refresh token lived in worker memory only (the provider does not bind it to the key)
 * and went with the stopped worker, so the user must sign in again.
 */
export type SessionEnd = 'refresh-token-lost';

/** What the broker may safely tell a page about the session: never a token. */
export interface Session<User = UserRecord> {
  status: 'signed-in' | 'signed-out';
  user?: User;
  /** When the current access token expires, epoch ms (absent when none is held). */
  accessExpiresAt?: number;
  /** Signed out: why the session ended, when it ended by itself in a way the user should hear about. */
  ended?: SessionEnd;
}

/**
 * Why a sign-in at an OpenID Provider failed: the worker sends the browser to the app's sign-in
 * page with `?signInError=<code>` (the `oidc` preset's `errorRedirect`).
 * - `state_mismatch`: the callback's `state` is unknown, used already, or expired (10 minutes).
 * - `issuer_mismatch`: the callback's `iss` names another provider (RFC 9207).
 * - `nonce_mismatch`: the ID token's `nonce` is not this sign-in's.
 * - `invalid_id_token`: the ID token's signature, issuer, audience or expiry is wrong.
 * - `access_denied`: the user (or the provider) declined.
 * - `provider_error`: the provider answered the authorization request with another error.
 * - `invalid_grant`: the provider refused the code.
 * - `auth_unavailable`: the provider could not be reached, or answered 5xx.
 * - `bad_response`: the provider's answer is unusable (a configuration mismatch; the worker's log says why).
 */
export type SignInErrorCode =
  | 'state_mismatch'
  | 'issuer_mismatch'
  | 'nonce_mismatch'
  | 'invalid_id_token'
  | 'access_denied'
  | 'provider_error'
  | 'invalid_grant'
  | 'auth_unavailable'
  | 'bad_response';

/** Every SignInErrorCode, for reading `?signInError=` on the sign-in page. */
export const SIGN_IN_ERROR_CODES: readonly SignInErrorCode[] = /* @__PURE__ */ Object.freeze([
  'state_mismatch',
  'issuer_mismatch',
  'nonce_mismatch',
  'invalid_id_token',
  'access_denied',
  'provider_error',
  'invalid_grant',
  'auth_unavailable',
  'bad_response',
]);

/** What a page sends to sign in with a password. */
export interface Credentials {
  username: string;
  password: string;
  /** `false` asks for a refresh cookie that ends with the browser session; absent: the server's default. */
  remember?: boolean;
}

/** A request a page posts to the service worker, with a MessagePort for the reply. */
export type BrokerRequest =
  | ({ type: 'login' } & Credentials)
  | { type: 'authorize'; returnUrl?: string }
  | { type: 'logout' }
  | { type: 'session' }
  | { type: 'diagnose' }
  | { type: 'queued-writes' }
  | { type: 'replay-writes' };

/** One finding of `diagnose`: a configured URL, and whether the worker could use it. */
export interface DiagnosticCheck {
  /** What was checked, e.g. `endpoints.login` or `allowlist[1]`. */
  what: string;
  /** The URL the worker tried (origin and path only). */
  url: string;
  ok: boolean;
  /** What was found, and the fix where something is wrong. */
  detail: string;
}

/**
 * A write the worker holds until the network is back, as pages may see it: what the page sent,
 * never a header or a token.
 */
export interface QueuedWrite {
  /** The worker's name for it, in the 202 answer and in later notices. */
  id: string;
  method: string;
  /** The URL the page requested. */
  url: string;
  /** The body as UTF-8 text, so a page can show what is waiting ('' when there was none). */
  body: string;
  /** When it was queued, epoch ms on the worker's clock. */
  queuedAt: number;
}

/**
 * Why a queued write was dropped instead of sent: the session that made it ended (sign-out, or
 * a refused refresh), another user signed in, the server refused it (an HTTP error), or the
 * worker no longer queues that method and URL (an update changed its options).
 */
export type DropReason = 'session-ended' | 'other-user' | 'refused' | 'not-queueable';

/** A queued write that will never be sent, and why. */
export interface DroppedWrite extends Omit<QueuedWrite, 'body'> {
  /** Absent when another user's write was dropped: their data is not shown to whoever is signed in now. */
  body?: string;
  reason: DropReason;
  /** The server's status, when it refused the write. */
  status?: number;
}

/** Posted by the service worker to every window client when queued writes were added, sent or dropped. */
export interface WritesChangedMessage {
  type: 'writes-changed';
  /** What is still queued for the signed-in user, oldest first. */
  pending: QueuedWrite[];
  sent: QueuedWrite[];
  dropped: DroppedWrite[];
}

/** The JSON body of the `202 Accepted` a page gets for a write the worker queued instead of sending. */
export interface QueuedAnswer {
  queued: true;
  write: QueuedWrite;
}

/** The reply to every request. */
export type BrokerReply<User = UserRecord> =
  | { ok: true; session: Session<User>; endSessionUrl?: string }
  | { ok: true; authorizationUrl: string }
  | { ok: true; checks: DiagnosticCheck[] }
  | { ok: true; writes: QueuedWrite[] }
  | { ok: false; error: BrokerErrorBody };

/** Posted by the service worker to every window client whenever the session changes. */
export interface SessionChangedMessage<User = UserRecord> {
  type: 'session-changed';
  session: Session<User>;
}

/**
 * Posted (without a reply port) to a waiting worker to make it take over: the message
 * workbox-window's `messageSkipWaiting()` sends when the user accepts an update.
 */
export interface SkipWaitingMessage {
  type: 'SKIP_WAITING';
}

/**
 * Posted by a page that an active worker does not control (a hard reload bypasses the worker) to
 * that worker, which then claims it (`clients.claim()`), so the page goes on protected without a reload.
 */
export interface ClaimMessage {
  type: 'CLAIM';
}

/** Longest username a login message may carry (anything longer is bad_request). */
export const MAX_USERNAME_LENGTH = 256;
/** Longest password a login message may carry (anything longer is bad_request). */
export const MAX_PASSWORD_LENGTH = 1024;
/** Longest return URL an authorize message may carry (anything longer is bad_request). */
export const MAX_RETURN_URL_LENGTH = 2048;

/** Whether a value is a plain object (not an array, a class instance or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The default UserParser: any plain object is a user. */
export function anyUser(value: unknown): UserRecord | undefined {
  return isPlainObject(value) ? value : undefined;
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
    case 'authorize': {
      if (!hasOnlyKeys(data, ['type', 'returnUrl'])) return { ok: false, message: 'authorize takes only returnUrl.' };
      if (data.returnUrl === undefined) return { ok: true, request: { type: 'authorize' } };
      if (!isBoundedString(data.returnUrl, MAX_RETURN_URL_LENGTH)) {
        return { ok: false, message: `returnUrl must be a non-empty string of at most ${MAX_RETURN_URL_LENGTH} characters.` };
      }
      return { ok: true, request: { type: 'authorize', returnUrl: data.returnUrl } };
    }
    case 'logout':
    case 'session':
    case 'diagnose':
    case 'queued-writes':
    case 'replay-writes':
      if (!hasOnlyKeys(data, ['type'])) return { ok: false, message: `${data.type} takes no fields.` };
      return { ok: true, request: { type: data.type } };
    default:
      return {
        ok: false,
        message: 'Unknown message type; expected login, authorize, logout, session, diagnose, queued-writes or replay-writes.',
      };
  }
}

/** Whether a posted message asks a waiting worker to activate. */
export function isSkipWaitingMessage(data: unknown): data is SkipWaitingMessage {
  return isPlainObject(data) && data.type === 'SKIP_WAITING' && hasOnlyKeys(data, ['type']);
}

/** Whether a posted message asks the active worker to take control of the page. */
export function isClaimMessage(data: unknown): data is ClaimMessage {
  return isPlainObject(data) && data.type === 'CLAIM' && hasOnlyKeys(data, ['type']);
}

const SESSION_ENDS: readonly SessionEnd[] = ['refresh-token-lost'];

/** Whether a value is an absolute http(s) URL (a page navigates to what the worker names). */
function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Reads a Session out of an untrusted value, its user through `parseUser`. */
export function parseSession<User>(value: unknown, parseUser: UserParser<User>): Session<User> | undefined {
  if (!isPlainObject(value)) return undefined;
  if (value.status === 'signed-out')
    return SESSION_ENDS.includes(value.ended as SessionEnd)
      ? { status: 'signed-out', ended: value.ended as SessionEnd }
      : { status: 'signed-out' };
  if (value.status !== 'signed-in') return undefined;
  const user = parseUser(value.user);
  if (user === undefined) return undefined;
  const expiresAt = value.accessExpiresAt;
  if (expiresAt === undefined) return { status: 'signed-in', user };
  return typeof expiresAt === 'number' && Number.isFinite(expiresAt)
    ? { status: 'signed-in', user, accessExpiresAt: expiresAt }
    : undefined;
}

/** Reads a session-changed notice out of a message from the service worker (pages validate too). */
export function parseSessionChanged<User>(data: unknown, parseUser: UserParser<User>): SessionChangedMessage<User> | undefined {
  if (!isPlainObject(data) || data.type !== 'session-changed') return undefined;
  const session = parseSession(data.session, parseUser);
  return session && { type: 'session-changed', session };
}

function isErrorBody(value: unknown): value is BrokerErrorBody {
  return (
    isPlainObject(value) &&
    typeof value.code === 'string' &&
    (BROKER_ERROR_CODES as readonly string[]).includes(value.code) &&
    typeof value.message === 'string' &&
    (value.retryAfter === undefined || (typeof value.retryAfter === 'number' && Number.isFinite(value.retryAfter)))
  );
}

function isDiagnosticCheck(value: unknown): value is DiagnosticCheck {
  return (
    isPlainObject(value) &&
    typeof value.what === 'string' &&
    typeof value.url === 'string' &&
    typeof value.ok === 'boolean' &&
    typeof value.detail === 'string'
  );
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const DROP_REASONS: readonly string[] = ['session-ended', 'other-user', 'refused', 'not-queueable'];

function isQueuedWrite(value: unknown): value is QueuedWrite {
  return (
    isPlainObject(value) &&
    typeof value.id === 'string' &&
    typeof value.method === 'string' &&
    typeof value.url === 'string' &&
    typeof value.body === 'string' &&
    isFiniteNumber(value.queuedAt)
  );
}

function isDroppedWrite(value: unknown): value is DroppedWrite {
  return (
    isPlainObject(value) &&
    isQueuedWrite({ ...value, body: value.body ?? '' }) &&
    typeof value.reason === 'string' &&
    DROP_REASONS.includes(value.reason) &&
    (value.status === undefined || isFiniteNumber(value.status))
  );
}

const isListOf = <T>(value: unknown, item: (entry: unknown) => entry is T): value is T[] => Array.isArray(value) && value.every(item);

/** Reads a writes-changed notice out of a message from the service worker, or undefined. */
export function parseWritesChanged(data: unknown): WritesChangedMessage | undefined {
  if (!isPlainObject(data) || data.type !== 'writes-changed') return undefined;
  const { pending, sent, dropped } = data;
  if (!isListOf(pending, isQueuedWrite) || !isListOf(sent, isQueuedWrite) || !isListOf(dropped, isDroppedWrite)) return undefined;
  return { type: 'writes-changed', pending, sent, dropped };
}

/** Reads the body of a `202` for a queued write (what a page's `fetch` got back), or undefined. */
export function parseQueuedAnswer(value: unknown): QueuedAnswer | undefined {
  return isPlainObject(value) && value.queued === true && isQueuedWrite(value.write) ? { queued: true, write: value.write } : undefined;
}

/** Reads a reply from the service worker, or says it is malformed (undefined). */
export function parseBrokerReply<User>(value: unknown, parseUser: UserParser<User>): BrokerReply<User> | undefined {
  if (!isPlainObject(value)) return undefined;
  if (value.ok === false) return isErrorBody(value.error) ? { ok: false, error: value.error } : undefined;
  if (value.ok !== true) return undefined;
  if ('checks' in value)
    return Array.isArray(value.checks) && value.checks.every(isDiagnosticCheck) ? { ok: true, checks: value.checks } : undefined;
  if ('writes' in value) return isListOf(value.writes, isQueuedWrite) ? { ok: true, writes: value.writes } : undefined;
  if ('authorizationUrl' in value)
    return isHttpUrl(value.authorizationUrl) ? { ok: true, authorizationUrl: value.authorizationUrl } : undefined;
  const session = parseSession(value.session, parseUser);
  if (!session) return undefined;
  if (value.endSessionUrl === undefined) return { ok: true, session };
  return isHttpUrl(value.endSessionUrl) ? { ok: true, session, endSessionUrl: value.endSessionUrl } : undefined;
}
