/** What a health check reports: each store's state and latency, the configuration, and the overall verdict. */
import type { ConfigurationReport } from './configuration.ts';

export interface StoreCheck {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  /** `ok`: both stores answer and the configuration is accepted; anything else answers 503. */
  status: 'ok' | 'degraded' | 'misconfigured';
  checks: { postgres: StoreCheck; mongo: StoreCheck };
  configuration: ConfigurationReport;
}
