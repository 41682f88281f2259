/** What the mock API counts since start or the last reset (`GET /__mock/stats`, which adds `liveConnections`: how many are open). */
export interface Stats {
  logins: number;
  refreshes: number;
  refreshFailures: number;
  reuseDetected: number;
  apiRequests: number;
  apiUnauthorized: number;
  /** Live connections refused with 429 too_many_streams. */
  liveRefused: number;
  /** Live connections dropped because their client stopped reading. */
  liveDropped: number;
}

/** All counters at zero. */
export function zeroStats(): Stats {
  return {
    logins: 0,
    refreshes: 0,
    refreshFailures: 0,
    reuseDetected: 0,
    apiRequests: 0,
    apiUnauthorized: 0,
    liveRefused: 0,
    liveDropped: 0,
  };
}
