/**
 * The access token's state in words for the session panel. Past its expiry time the session is
 * still fine (the worker refreshes on the next request), so this never says "expired".
 */
export function accessTokenWords(accessExpiresAt: number | undefined, now: number): string {
  if (accessExpiresAt === undefined) return 'Access token: none held yet; the worker gets one on the next request.';
  const seconds = Math.ceil((accessExpiresAt - now) / 1000);
  if (seconds <= 0) return 'Access token: renewed on the next request.';
  const minutes = Math.floor(seconds / 60);
  const left = minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
  return `Access token: valid for ${left} more, then renewed on the next request.`;
}
