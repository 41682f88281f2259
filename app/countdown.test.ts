import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { inSeconds, secondsLeft } from './countdown';
import { useCountdown } from './useCountdown';

describe('secondsLeft', () => {
  it('rounds up, so the last partial second still counts', () => {
    expect(secondsLeft(10_000, 0)).toBe(10);
    expect(secondsLeft(10_000, 9_001)).toBe(1);
    expect(secondsLeft(10_000, 10_000)).toBe(0);
  });

  it('is never negative', () => {
    expect(secondsLeft(0, 5_000)).toBe(0);
  });
});

describe('inSeconds', () => {
  it('says one second in the singular', () => {
    expect([1, 2, 0].map(inSeconds)).toEqual(['1 second', '2 seconds', '0 seconds']);
  });
});

describe('useCountdown', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('counts down once a second and stops at 0', () => {
    const scope = effectScope();
    const countdown = scope.run(() => useCountdown())!;
    countdown.start(3);
    const seen = [countdown.seconds.value];
    for (let i = 0; i < 4; i += 1) {
      vi.advanceTimersByTime(1000);
      seen.push(countdown.seconds.value);
    }
    expect(seen).toEqual([3, 2, 1, 0, 0]);
    expect(vi.getTimerCount()).toBe(0);
    scope.stop();
  });

  it('starts over from a new duration', () => {
    const scope = effectScope();
    const countdown = scope.run(() => useCountdown())!;
    countdown.start(10);
    vi.advanceTimersByTime(4000);
    countdown.start(2);
    expect(countdown.seconds.value).toBe(2);
    expect(vi.getTimerCount()).toBe(1);
    scope.stop();
  });

  it('stops ticking when its scope ends', () => {
    const scope = effectScope();
    scope.run(() => useCountdown())!.start(30);
    scope.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
