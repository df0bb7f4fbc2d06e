/**
 * The writes to an order that must not race one another, run by the order's Durable
 * Object (`OrderSaga`), which runs them one at a time: a staff status move and a
 * cancellation. The object is the single writer per order: a cancel that is recorded
 * makes every later move answer 409 (`cancelling`), and a move that reached SHIPPED
 * makes every later cancel answer 409 (`not_cancellable`). Never both.
 *
 * Outcomes are plain data (they cross Durable Object RPC); `status.ts` turns the
 * refusals into problems.
 */
import { and, asc, eq, sql } from 'drizzle-orm';

import { orderItems, orders } from '../../db/pg/schema/orders.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { ServiceContext } from '../context.ts';
import {
  CANCELLABLE,
  STAFF_TRANSITIONS,
  type CancelCheck,
  type MoveOutcome,
  type OrderStatus,
  type StaffTarget,
} from './model.ts';
import { ordersDb, orderWithItems } from './queries.ts';

/** A staff move, one step forward, with the version read (If-Match); the row is locked while deciding. */
export async function applyStaffMove(
  svc: ServiceContext,
  { id, target, expectedVersion }: { id: string; target: StaffTarget; expectedVersion: number | undefined },
): Promise<MoveOutcome> {
  return inTenantTx(ordersDb(svc), svc.tenantId, async (tx): Promise<MoveOutcome> => {
    const [current] = await tx.select().from(orders).where(eq(orders.id, id)).for('update').limit(1);
    if (!current) return { ok: false, reason: 'not_found' };
    if (expectedVersion !== undefined && current.version !== expectedVersion)
      return { ok: false, reason: 'stale', version: current.version };
    if (STAFF_TRANSITIONS[current.status as OrderStatus] !== target)
      return { ok: false, reason: 'invalid_transition', from: current.status };
    await tx
      .update(orders)
      .set({
        status: target,
        version: sql`${orders.version} + 1`,
        updatedAt: sql`now()`,
        ...(target === 'DELIVERED' ? { completedAt: sql`now()` } : {}),
      })
      .where(and(eq(orders.id, id), eq(orders.version, current.version)));
    const changed = (await orderWithItems(tx, eq(orders.id, id)))!;
    return { ok: true, ...changed };
  });
}

/** Whether the order may be cancelled now (read inside the object's queue, after any move before it). */
export async function cancellableNow(svc: ServiceContext, id: string): Promise<CancelCheck> {
  return inTenantTx(ordersDb(svc), svc.tenantId, async (tx): Promise<CancelCheck> => {
    const [order] = await tx.select().from(orders).where(eq(orders.id, id)).limit(1);
    if (!order) return { ok: false, reason: 'not_found' };
    if (!CANCELLABLE.includes(order.status as OrderStatus))
      return { ok: false, reason: 'not_cancellable', status: order.status };
    const items = await tx
      .select()
      .from(orderItems)
      .where(eq(orderItems.orderId, id))
      .orderBy(asc(orderItems.createdAt), asc(orderItems.id));
    return { ok: true, order, items };
  });
}
