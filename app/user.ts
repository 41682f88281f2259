/** A user as the demo's API describes one. */
export interface User {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
}

/** Reads a User out of an untrusted value (a token response, a message, IndexedDB), keeping only its fields. */
export function parseUser(value: unknown): User | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, username, firstName, lastName } = value as Record<string, unknown>;
  if (typeof id !== 'number' || typeof username !== 'string' || typeof firstName !== 'string' || typeof lastName !== 'string')
    return undefined;
  return { id, username, firstName, lastName };
}

/** Whether a value is a User (for validating API answers). */
export const isUser = (value: unknown): value is User => parseUser(value) !== undefined;
