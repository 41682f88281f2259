import type { Session } from 'sw-token-broker/client';
import type { User } from './user';

/**
 * What to announce when the session changes from `before` to `after`: "Signed in as <first name>"
 * or "Signed out", and nothing when the status stayed (a refreshed token) or was not known before
 * (the page just opened).
 */
export function sessionAnnouncement(before: Session<User> | undefined, after: Session<User> | undefined): string | undefined {
  if (before === undefined || after === undefined || before.status === after.status) return undefined;
  return after.status === 'signed-in' ? `Signed in as ${after.user?.firstName ?? 'you'}` : 'Signed out';
}
