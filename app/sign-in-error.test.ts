import { describe, expect, it } from 'vitest';
import { SIGN_IN_ERROR_CODES } from 'sw-token-broker/client';
import { sessionEndMessage, signInErrorMessage } from './sign-in-error';

describe('signInErrorMessage', () => {
  it('has words for every code the worker sends, and none of them is the code itself', () => {
    for (const code of SIGN_IN_ERROR_CODES) {
      const words = signInErrorMessage(code);
      expect(words, code).toMatch(/\.$/);
      expect(words).not.toContain(code);
    }
  });

  it('says nothing for an unknown or repeated query value', () => {
    expect(signInErrorMessage('<script>')).toBeUndefined();
    expect(signInErrorMessage(['state_mismatch', 'nonce_mismatch'])).toBeUndefined();
    expect(signInErrorMessage(undefined)).toBeUndefined();
    expect(signInErrorMessage('toString')).toBeUndefined();
  });
});

describe('sessionEndMessage', () => {
  it('tells the user to sign in again when the worker lost a refresh token it could only keep in memory', () => {
    expect(sessionEndMessage('refresh-token-lost')).toMatch(/Sign in again\.$/);
    expect(sessionEndMessage(undefined)).toBeUndefined();
  });
});
