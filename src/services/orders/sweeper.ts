/**
 * The scheduled sweeper of saga starts (cron, every minute). `placeOrder` writes an
 * order and its start record (`orders.saga_starts`) in one transaction; the saga's
 * first mirror deletes the record. A record older than ORDER_SAGA_START_GRACE_SECONDS
 * (120) is an order whose saga may never have started (the Worker died between the
 * insert and the Durable Object call): its Durable Object is asked to recover it. A
 * saga that exists is nudged; an order without one is adopted and cancelled (the lost
 * request's payment token is gone, so it is never charged), which releases nothing
 * (nothing was reserved) and tells the customer.
 */
import { asc, lt, sql } from 'drizzle-orm';

import { sagaStarts } from '../../db/pg/schema/orders.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { configOf } from '../../lib/config.ts';
import type { ServiceContext } from '../context.ts';
import { sagaOf } from './saga-client.ts';

/** Start records handled per run; the rest wait for the next minute. */
const BATCH = 100;

export async function sweepSagaStarts(
  svc: Pick<ServiceContext, 'env' | 'stores' | 'logger'>,
): Promise<{ running: number; adopted: number; gone: number; failed: number }> {
  const graceSeconds = configOf(svc.env).orders.sagaStartGraceSeconds;
  // No tenant: saga_starts has no row-level security (ids only), the sweep spans tenants.
  const stale = await inTenantTx(svc.stores.pg('orders').db, '', (tx) =>
    tx
      .select()
      .from(sagaStarts)
      .where(lt(sagaStarts.createdAt, sql`now() - make_interval(secs => ${graceSeconds})`))
      .orderBy(asc(sagaStarts.createdAt))
      .limit(BATCH),
  );
  const counts = { running: 0, adopted: 0, gone: 0, failed: 0 };
  for (const row of stale) {
    try {
      counts[await sagaOf(svc, row.orderId).recover({ orderId: row.orderId, tenantId: row.tenantId })]++;
    } catch (err) {
      counts.failed++;
      svc.logger.warn('saga start not recovered; next sweep retries', { orderId: row.orderId, error: String(err) });
    }
  }
  if (stale.length) svc.logger.info('saga starts swept', counts);
  return counts;
}
