/**
 * What the saga's work runs with: its settings (wrangler vars), a bound on every await,
 * and the service context the Durable Object builds for itself (system work: no principal).
 */
import { createStores } from '../../../db/stores.ts';
import type { Env } from '../../../env.ts';
import { configOf } from '../../../lib/config.ts';
import { createLogger } from '../../../lib/logger.ts';
import type { ServiceContext } from '../../context.ts';

export function sagaConfig(env: Env) {
  const orders = configOf(env).orders;
  return {
    deadlineMs: orders.sagaDeadlineMs,
    maxAttempts: orders.sagaMaxAttempts,
    undoMaxAttempts: orders.sagaUndoMaxAttempts,
    stockWaitMs: orders.sagaStockWaitMs,
    retryBaseMs: orders.sagaRetryBaseMs,
    stepTimeoutMs: orders.sagaStepTimeoutMs,
  };
}
export type SagaConfig = ReturnType<typeof sagaConfig>;

/**
 * No await of the runner may hang: a store call that never answers (a connection the
 * driver lost without rejecting the query) would hold the alarm forever, and an alarm
 * in progress blocks the watchdog. Past `ms` the work counts as a transient failure.
 */
export function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `work` with the saga's own stores for `tenantId`, closed afterwards (bounded). */
export async function withSagaContext<T>(
  env: Env,
  tenantId: string,
  logFields: Record<string, string>,
  work: (svc: ServiceContext) => Promise<T>,
): Promise<T> {
  const stores = createStores(env);
  const logger = createLogger(env.LOG_LEVEL, { ...logFields, saga: 'order' });
  try {
    return await work({ env, stores, tenantId, principal: null, logger });
  } finally {
    await bounded(stores.close(), 5_000, 'closing the stores').catch(() => {});
  }
}
