import { describe, expect, it } from 'vitest';
import { BrokerError } from 'sw-token-broker/client';
import { missingFields, signInFailureMessage } from './sign-in-failure';

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
