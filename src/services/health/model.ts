/** What a health check reports: each store's state and latency, and the overall verdict. */
export interface StoreCheck {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: { postgres: StoreCheck; mongo: StoreCheck };
}
