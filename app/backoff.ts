/** The longest wait between automatic attempts, seconds. */
export const MAX_RETRY_SECONDS = 30;

/**
 * Seconds before automatic attempt number `failures` + 1: 1, 2, 4 ... 30 after 1, 2, 3 ...
 * failures, or the server's Retry-After where that is longer (still capped at 30).
 */
export function retryDelaySeconds(failures: number, retryAfter?: number): number {
  const backoff = Math.min(2 ** Math.max(failures - 1, 0), MAX_RETRY_SECONDS);
  return Math.min(Math.max(backoff, retryAfter ?? 0), MAX_RETRY_SECONDS);
}
