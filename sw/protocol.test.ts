import { describe, expect, it } from 'vitest';
import { isClaimMessage, isSkipWaitingMessage } from './protocol.ts';

describe('worker control messages', () => {
  it('recognizes exactly { type: "CLAIM" } and { type: "SKIP_WAITING" }', () => {
    expect(isClaimMessage({ type: 'CLAIM' })).toBe(true);
    expect(isSkipWaitingMessage({ type: 'SKIP_WAITING' })).toBe(true);
    for (const other of [{ type: 'claim' }, { type: 'CLAIM', extra: 1 }, 'CLAIM', null, [], { type: 'SKIP_WAITING' }]) {
      expect(isClaimMessage(other)).toBe(false);
    }
    expect(isSkipWaitingMessage({ type: 'CLAIM' })).toBe(false);
  });
});
