import { describe, expect, it } from 'vitest';
import { BrokerError, SIGN_IN_ERROR_CODES } from 'sw-token-broker/client';
import { missingFields, sessionEndMessage, signInErrorMessage, signInFailureMessage } from './sign-in-messages';

describe('missingFields', () => {
  it('asks only for the field that is missing', () => {
    expect(missingFields('', 'secret')).toEqual({ fields: ['username'], message: 'Enter your username.' });
    expect(missingFields('ada', '')).toEqual({ fields: ['password'], message: 'Enter your password.' });
  });

  it('asks for both when both are missing, a blank username counting as missing', () => {
    expect(missingFields('  ', '')?.fields).toEqual(['username', 'password']);
  });

  it('is undefined when both are filled in', () => {
    expect(missingFields('ada', 'lovelace')).toBeUndefined();
  });
});

describe('signInFailureMessage', () => {
  it('tells wrong credentials apart from an unreachable service', () => {
    const wrong = signInFailureMessage(new BrokerError('invalid_credentials', 'no'));
    const unreachable = signInFailureMessage(new BrokerError('network', 'down'));
    expect(wrong).toMatch(/incorrect/);
    expect(unreachable).toMatch(/unreachable/);
  });

  it("never shows the worker's own message", () => {
    expect(signInFailureMessage(new BrokerError('internal', 'TypeError at broker.ts:12'))).not.toMatch(/TypeError/);
    expect(signInFailureMessage(new Error('raw'))).not.toMatch(/raw/);
  });
});

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
