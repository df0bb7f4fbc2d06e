/**
 * Changing an order after checkout:
 * - staff move it along CONFIRMED -> PROCESSING -> SHIPPED -> DELIVERED, one step at a
 *   time, with the version they read (If-Match): a stale version is 412, any other
 *   transition 409. The row is locked while deciding, so two staff members cannot
 *   both move the same version.
 * - its owner, or an ADMIN (a user token: API keys carry no roles), cancels it while it
 *   is PENDING, CONFIRMED or PROCESSING: the saga compensates (refund or void, stock
 *   released) and its mirror writes CANCELLED. MANAGER and SUPPORT see every order of
 *   the tenant but cancel only their own (403 for another's); anyone else gets 404.
 */
import { and, eq, sql } from 'drizzle-orm';

import { orders, type Order } from '../../db/pg/schema/orders.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { SagaState } from '../../durable/saga-state.ts';
import { staleVersion } from '../../lib/etag.ts';
import type { Principal } from '../auth/index.ts';
import type { ServiceContext } from '../context.ts';
import { orderErrors } from './errors.ts';
import { orderEvent, publishOrderEvents } from './events.ts';
import { CANCELLABLE, STAFF_TRANSITIONS, type OrderStatus, type StaffTarget } from './model.ts';
import { ordersDb, orderWithItems, visibleTo } from './queries.ts';
import { sagaOf } from './saga-client.ts';
import { orderView, type OrderView } from './views.ts';

/** `expectedVersion` undefined: `If-Match: *`, any current version. */
export async function changeOrderStatus(
  svc: ServiceContext,
  id: string,
  target: StaffTarget,
  expectedVersion: number | undefined,
): Promise<OrderView> {
  const changed = await inTenantTx(ordersDb(svc), svc.tenantId, async (tx) => {
    const [current] = await tx.select().from(orders).where(eq(orders.id, id)).for('update').limit(1);
    if (!current) throw orderErrors.notFound();
    if (expectedVersion !== undefined && current.version !== expectedVersion)
      throw staleVersion('order', current.version);
    if (STAFF_TRANSITIONS[current.status as OrderStatus] !== target)
      throw orderErrors.invalidTransition(current.status, target);
    await tx
      .update(orders)
      .set({
        status: target,
        version: sql`${orders.version} + 1`,
        updatedAt: sql`now()`,
        ...(target === 'DELIVERED' ? { completedAt: sql`now()` } : {}),
      })
      .where(and(eq(orders.id, id), eq(orders.version, current.version)));
    return orderWithItems(tx, eq(orders.id, id));
  });
  const { order, items } = changed!;
  if (target === 'SHIPPED' || target === 'DELIVERED') {
    const type = target === 'SHIPPED' ? 'ORDER_SHIPPED' : 'ORDER_DELIVERED';
    await publishOrderEvents(svc, [
      orderEvent(type, {
        orderId: order.id,
        tenantId: order.tenantId,
        userId: order.userId,
        orderNumber: order.orderNumber,
        total: order.total,
        currency: order.currency,
      }),
    ]).catch((err: unknown) =>
      svc.logger.error('order event not sent', { orderId: order.id, type, error: String(err) }),
    );
  }
  return orderView(order, items);
}

/** Who may cancel an order they can see: its owner, or an ADMIN. */
export function mayCancel(principal: Principal, order: Pick<Order, 'userId'>): boolean {
  return order.userId === principal.userId || principal.roles.includes('ADMIN');
}

export async function cancelOrder(
  svc: ServiceContext,
  id: string,
  reason: string,
): Promise<{ order: OrderView; saga: SagaState | null }> {
  const found = await inTenantTx(ordersDb(svc), svc.tenantId, (tx) =>
    orderWithItems(tx, and(eq(orders.id, id), visibleTo(svc))),
  );
  if (!found) throw orderErrors.notFound();
  if (!mayCancel(svc.principal!, found.order)) throw orderErrors.cancelForbidden();
  if (!CANCELLABLE.includes(found.order.status as OrderStatus)) throw orderErrors.notCancellable(found.order.status);
  const saga = await sagaOf(svc, id).cancel(reason);
  return { order: orderView(found.order, found.items), saga };
}

/** The payment service reports a full refund: the order's payment_status follows. */
export async function markOrderRefunded(svc: ServiceContext, orderId: string): Promise<void> {
  await inTenantTx(ordersDb(svc), svc.tenantId, (tx) =>
    tx
      .update(orders)
      .set({ paymentStatus: 'REFUNDED', version: sql`${orders.version} + 1`, updatedAt: sql`now()` })
      .where(and(eq(orders.id, orderId), sql`${orders.paymentStatus} <> 'REFUNDED'`)),
  );
}

/** REFUND_ISSUED to the order's owner, once per refund. */
export async function announceRefund(
  svc: ServiceContext,
  orderId: string,
  refundId: string,
  amount: string,
): Promise<void> {
  const [order] = await inTenantTx(ordersDb(svc), svc.tenantId, (tx) =>
    tx.select().from(orders).where(eq(orders.id, orderId)).limit(1),
  );
  if (!order) return;
  const facts = {
    orderId,
    tenantId: order.tenantId,
    userId: order.userId,
    orderNumber: order.orderNumber,
    total: order.total,
    currency: order.currency,
  };
  await publishOrderEvents(svc, [
    orderEvent('REFUND_ISSUED', facts, { eventKey: `REFUND_ISSUED:${refundId}`, extra: { amount } }),
  ]).catch((err: unknown) => svc.logger.error('refund event not sent', { orderId, error: String(err) }));
}
