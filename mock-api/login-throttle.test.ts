import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.ts';

function throttle() {
  const clock = { now: Date.UTC(2026, 0, 1) };
  return { clock, throttle: new LoginThrottle({ perUsernameAndClient: 3, perClient: 10, windowSeconds: 300, now: () => clock.now }) };
}

const ATTACKER = '127.0.0.2';
const USER = '127.0.0.3';

describe('LoginThrottle', () => {
  it("slows the guesser down and leaves the real user's client alone", () => {
    const { throttle: t } = throttle();
    for (let i = 0; i < 3; i += 1) t.failed('test', ATTACKER);
    expect(t.retryAfter('test', ATTACKER)).toBeGreaterThan(0);
    expect(t.retryAfter('test', USER)).toBe(0);
  });

  it('backs off exponentially, capped by the window', () => {
    const { throttle: t, clock } = throttle();
    const waits: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      t.failed('test', ATTACKER);
      waits.push(t.retryAfter('test', ATTACKER));
      clock.now += waits.at(-1)! * 1000;
    }
    expect(waits).toEqual([0, 0, 1, 2, 4, 8, 16, 32, 64]);
    for (let i = 0; i < 6; i += 1) t.failed('test', ATTACKER);
    expect(t.retryAfter('test', ATTACKER)).toBeLessThanOrEqual(300);
  });

  it('limits one client across usernames, and forgets after the window', () => {
    const { throttle: t, clock } = throttle();
    for (let i = 0; i < 10; i += 1) t.failed(`user${i}`, ATTACKER);
    expect(t.retryAfter('anyone', ATTACKER)).toBeGreaterThan(0);
    expect(t.retryAfter('anyone', USER)).toBe(0);
    clock.now += 301_000;
    expect(t.retryAfter('anyone', ATTACKER)).toBe(0);
  });

  it('starts a pair again after a success', () => {
    const { throttle: t } = throttle();
    for (let i = 0; i < 3; i += 1) t.failed('test', USER);
    t.succeeded('test', USER);
    expect(t.retryAfter('test', USER)).toBe(0);
  });
});
