import { describe, expect, it } from 'vitest';
import { accessTokenWords } from './token-life';

const NOW = Date.UTC(2026, 0, 1);

describe('accessTokenWords', () => {
  it('gives the time left in minutes and seconds', () => {
    expect(accessTokenWords(NOW + 287_000, NOW)).toBe('Access token: valid for 4 min 47 s more, then renewed on the next request.');
    expect(accessTokenWords(NOW + 29_100, NOW)).toBe('Access token: valid for 30 s more, then renewed on the next request.');
  });

  it('never says expired once the expiry time has passed: the worker renews it on the next request', () => {
    for (const at of [NOW, NOW - 1, NOW - 3_600_000]) {
      const words = accessTokenWords(at, NOW);
      expect(words).toBe('Access token: renewed on the next request.');
      expect(words).not.toMatch(/expire/i);
    }
  });

  it('says when the worker holds no access token yet', () => {
    expect(accessTokenWords(undefined, NOW)).toBe('Access token: none held yet; the worker gets one on the next request.');
  });
});
