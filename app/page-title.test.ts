import { describe, expect, it } from 'vitest';
import { APP_NAME, pageTitle } from './page-title';

describe('pageTitle', () => {
  it("puts the page's name before the app's", () => {
    expect(pageTitle('Sign in')).toBe('Sign in · Token Broker Demo');
  });

  it("is the app's name alone for a page without a name", () => {
    expect(pageTitle(undefined)).toBe(APP_NAME);
    expect(pageTitle('')).toBe(APP_NAME);
  });
});
