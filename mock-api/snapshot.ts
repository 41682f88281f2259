import type { SigningKey } from './access-tokens.ts';
import type { Services } from './app.ts';
import type { EventHubSnapshot } from './event-hub.ts';
import type { Family, RefreshTokensSnapshot, TokenRecord } from './refresh-tokens.ts';
import type { Todo, TodosSnapshot } from './todos.ts';

/** The format of a stored snapshot; a snapshot of another format is not restored. */
export const SNAPSHOT_VERSION = 1;

/**
 * The mock API's state that a signed-in session needs across a restart (the in-browser demo's
 * worker is stopped when idle): the signing key, the refresh-token families, the todos and each
 * user's last change id (so a reconnecting event stream is never told an id of another change), as
 * plain structured-cloneable data. Counters, rate limits, faults and DPoP replay caches are
 * left out: they start empty, as after a server restart.
 */
export interface ServicesSnapshot {
  version: typeof SNAPSHOT_VERSION;
  signingKey: SigningKey;
  refreshTokens: RefreshTokensSnapshot;
  todos: TodosSnapshot;
  /** Absent in a snapshot stored before live data: every user's numbering starts at 0. */
  events?: EventHubSnapshot;
}

/** A copy of the state in `services`, to store. */
export function snapshotOf(services: Services): ServicesSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    signingKey: services.accessTokens.signingKey(),
    refreshTokens: services.refreshTokens.snapshot(),
    todos: services.todos.snapshot(),
    events: services.events.snapshot(),
  };
}

type Check<T> = (value: unknown) => value is T;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const optional =
  <T>(check: Check<T>) =>
  (value: unknown): value is T | undefined =>
    value === undefined || check(value);

function entriesOf<K, V>(value: unknown, isKey: Check<K>, isValue: Check<V>): value is [K, V][] {
  return Array.isArray(value) && value.every((entry) => Array.isArray(entry) && entry.length === 2 && isKey(entry[0]) && isValue(entry[1]));
}

function isFamily(value: unknown): value is Family {
  if (!isObject(value)) return false;
  const { userId, persistent, expiresAt, revoked, current, jkt } = value;
  return (
    isNumber(userId) && isBoolean(persistent) && isNumber(expiresAt) && isBoolean(revoked) && isString(current) && optional(isString)(jkt)
  );
}

function isTokenRecord(value: unknown): value is TokenRecord {
  if (!isObject(value)) return false;
  const { familyId, replacedAt, graceUsed, successor } = value;
  return isString(familyId) && optional(isNumber)(replacedAt) && isBoolean(graceUsed) && optional(isString)(successor);
}

function isTodo(value: unknown): value is Todo {
  return isObject(value) && isNumber(value.id) && isString(value.title) && isBoolean(value.done);
}

function isSigningKey(value: unknown): value is SigningKey {
  if (!isObject(value)) return false;
  const { kid, privateKey, jwks } = value;
  // A CryptoKey read back from IndexedDB; checked by its members, as Node's types have no global CryptoKey.
  const isPrivateKey = isObject(privateKey) && privateKey.type === 'private' && Array.isArray(privateKey.usages);
  return isString(kid) && isPrivateKey && isObject(jwks) && Array.isArray(jwks.keys);
}

/**
 * A stored snapshot read back, or undefined for anything else (another format, a damaged
 * record): storage is outside the API, so what comes from it is checked like a request body.
 */
export function parseSnapshot(value: unknown): ServicesSnapshot | undefined {
  if (!isObject(value) || value.version !== SNAPSHOT_VERSION || !isSigningKey(value.signingKey)) return undefined;
  const { refreshTokens, todos, events } = value;
  if (!isObject(refreshTokens) || !entriesOf(refreshTokens.families, isString, isFamily)) return undefined;
  if (!entriesOf(refreshTokens.tokens, isString, isTokenRecord)) return undefined;
  if (
    !isObject(todos) ||
    !isNumber(todos.nextId) ||
    !entriesOf(todos.lists, isNumber, (list): list is Todo[] => Array.isArray(list) && list.every(isTodo))
  ) {
    return undefined;
  }
  if (events !== undefined && !entriesOf(events, isNumber, isNumber)) return undefined;
  return {
    version: SNAPSHOT_VERSION,
    signingKey: value.signingKey,
    refreshTokens: { families: refreshTokens.families, tokens: refreshTokens.tokens },
    todos: { lists: todos.lists, nextId: todos.nextId },
    ...(events === undefined ? {} : { events }),
  };
}
