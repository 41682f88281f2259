import { describe, expect, it } from 'vitest';
import type { Session } from 'sw-token-broker/client';
import { sessionAnnouncement } from './session-announcement';
import type { User } from './user';

const ada: User = { id: 2, username: 'ada', firstName: 'Ada', lastName: 'Lovelace' };
const signedIn: Session<User> = { status: 'signed-in', user: ada, accessExpiresAt: 1 };
const signedOut: Session<User> = { status: 'signed-out' };

describe('sessionAnnouncement', () => {
  it('names the user who signed in by first name', () => {
    expect(sessionAnnouncement(signedOut, signedIn)).toBe('Signed in as Ada');
  });

  it('says when the user signed out', () => {
    expect(sessionAnnouncement(signedIn, signedOut)).toBe('Signed out');
  });

  it('says nothing while the status stays, as when a token is refreshed', () => {
    expect(sessionAnnouncement(signedIn, { ...signedIn, accessExpiresAt: 2 })).toBeUndefined();
    expect(sessionAnnouncement(signedOut, signedOut)).toBeUndefined();
  });

  it('says nothing when the page learns the session it opened with', () => {
    expect(sessionAnnouncement(undefined, signedIn)).toBeUndefined();
    expect(sessionAnnouncement(undefined, signedOut)).toBeUndefined();
  });
});
