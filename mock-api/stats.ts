/** What the mock API counts since start or the last reset (`GET /__mock/stats`). */
export interface Stats {
  logins: number;
  refreshes: number;
  refreshFailures: number;
  reuseDetected: number;
  apiRequests: number;
  apiUnauthorized: number;
}

/** All counters at zero. */
export function zeroStats(): Stats {
  return { logins: 0, refreshes: 0, refreshFailures: 0, reuseDetected: 0, apiRequests: 0, apiUnauthorized: 0 };
}
