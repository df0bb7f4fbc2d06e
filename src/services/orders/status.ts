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
 * Both run in the order's Durable Object, one at a time (order-writes.ts): either the
 * cancel wins (the move answers 409) or the move wins (the cancel answers 409).
 */
import { and, eq, sql } from 'drizzle-orm';

import { orders, type Order } from '../../db/pg/schema/orders.ts';
import { inTenantRead, inTenantTx } from '../../db/pg/tenant-tx.ts';
import { staleVersion } from '../../lib/etag.ts';
import type { Principal } from '../auth/index.ts';
import type { ServiceContext } from '../context.ts';
import { orderErrors } from './errors.ts';
import { orderEvent, publishOrderEvents } from './events.ts';
import { CANCELLABLE, type OrderStatus, type StaffTarget } from './model.ts';
import { ordersDb, visibleOrder } from './queries.ts';
import { sagaOf } from './saga-client.ts';
import type { SagaState } from './saga/state.ts';
import { orderView, type OrderView } from './views.ts';

/** The order's object (or PostgreSQL behind it) did not answer: 503, nothing was decided for certain. */
function unreachable(svc: ServiceContext, orderId: string, err: unknown): never {
  svc.logger.error('order write not done', { orderId, error: String(err) });
  throw orderErrors.writeUnavailable();
}

/**
 * `expectedVersion` undefined: `If-Match: *`, any current version. The move runs in the
 * order's Durable Object, one at a time with cancellations (see order-writes.ts).
 */
export async function changeOrderStatus(
  svc: ServiceContext,
  input: { id: string; target: StaffTarget; expectedVersion: number | undefined },
): Promise<OrderView> {
  const { id, target, expectedVersion } = input;
  // 404 for an order of another tenant (RLS) before the object is asked anything.
  const found = await inTenantRead(svc.stores.pg('orders'), svc.tenantId, (tx) =>
    tx.select({ id: orders.id }).from(orders).where(eq(orders.id, id)).limit(1),
  );
  if (found.length === 0) throw orderErrors.notFound();
  const moved = await sagaOf(svc, id)
    .moveStatus({ orderId: id, tenantId: svc.tenantId, target, expectedVersion })
    .catch((err: unknown) => unreachable(svc, id, err));
  if (!moved.ok) {
    if (moved.reason === 'not_found') throw orderErrors.notFound();
    if (moved.reason === 'stale') throw staleVersion('order', moved.version);
    if (moved.reason === 'cancelling') throw orderErrors.cancelPending(moved.from, target);
    throw orderErrors.invalidTransition(moved.from, target);
  }
  const { order, items } = moved;
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
function mayCancel(principal: Principal, order: Pick<Order, 'userId'>): boolean {
  return order.userId === principal.userId || principal.roles.includes('ADMIN');
}

/**
 * The owner or an ADMIN cancels. The order's Durable Object decides, one at a time with staff
 * moves: it re-reads the status in its queue (409 once a move made it SHIPPED), records
 * the cancel (every later move answers 409) and compensates. An order whose saga never
 * started (the Worker died after the insert) is cancelled all the same: the object adopts it.
 */
export async function cancelOrder(
  svc: ServiceContext,
  input: { id: string; reason: string },
): Promise<{ order: OrderView; saga: SagaState | null }> {
  const { id, reason } = input;
  const found = await visibleOrder(svc, id);
  if (!found) throw orderErrors.notFound();
  if (!mayCancel(svc.principal!, found.order)) throw orderErrors.cancelForbidden();
  if (!CANCELLABLE.includes(found.order.status as OrderStatus)) throw orderErrors.notCancellable(found.order.status);
  const cancelled = await sagaOf(svc, id)
    .cancel({ orderId: id, tenantId: svc.tenantId, reason })
    .catch((err: unknown) => unreachable(svc, id, err));
  if (!cancelled.ok) {
    if (cancelled.reason === 'not_found') throw orderErrors.notFound();
    throw orderErrors.notCancellable(cancelled.status);
  }
  return { order: orderView(found.order, found.items), saga: cancelled.state };
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
  { orderId, refundId, amount }: { orderId: string; refundId: string; amount: string },
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
