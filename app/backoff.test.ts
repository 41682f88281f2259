import { describe, expect, it } from 'vitest';
import { MAX_RETRY_SECONDS, retryDelaySeconds } from './backoff';

describe('retryDelaySeconds', () => {
  it('doubles from 1 s and stops at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((failures) => retryDelaySeconds(failures))).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
  });

  it('waits at least as long as the server asked, and never longer than the cap', () => {
    expect(retryDelaySeconds(1, 5)).toBe(5);
    expect(retryDelaySeconds(6, 5)).toBe(30);
    expect(retryDelaySeconds(1, 3600)).toBe(MAX_RETRY_SECONDS);
  });
});
