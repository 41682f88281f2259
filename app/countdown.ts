/** Whole seconds from `now` until `until` (epoch ms), rounded up so the last second still shows 1; never below 0. */
export function secondsLeft(until: number, now: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}

/** "1 second", "2 seconds": a duration in words. */
export function inSeconds(seconds: number): string {
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}
