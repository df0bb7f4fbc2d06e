/**
 * Reading orders. Object-level authorization lives here: a USER sees only their own
 * orders (another user's is 404, exactly like one that does not exist); staff
 * (ADMIN, MANAGER, SUPPORT) see every order of their tenant. Tenant isolation is
 * RLS: every statement runs in `inTenantTx`, or `inTenantRead` for the reads of a request.
 */
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { orderItems, orders, sagaExecutions, type Order, type OrderItem } from '../../db/pg/schema/orders.ts';
import { inTenantBatch, inTenantRead, inTenantTx } from '../../db/pg/tenant-tx.ts';
import { toPage, type Page, type TimeIdCursor } from '../../lib/pagination.ts';
import { isStaff } from '../auth/index.ts';
import type { ServiceContext } from '../context.ts';
import { orderErrors } from './errors.ts';
import type { OrderStatus } from './model.ts';
import type { SagaStatus } from './saga/state.ts';
import { orderSummaryView, orderView, type OrderView } from './views.ts';

export const ordersDb = (svc: ServiceContext) => svc.stores.pg('orders').db;

/** Who may see an order: its owner, or staff of its tenant. */
export function visibleTo(svc: ServiceContext): SQL | undefined {
  if (!svc.principal) throw new Error('an order query needs a principal');
  return isStaff(svc.principal) ? undefined : eq(orders.userId, svc.principal.userId);
}

export async function orderWithItems(
  tx: Transaction,
  where: SQL | undefined,
): Promise<{ order: Order; items: OrderItem[] } | null> {
  const [order] = await tx.select().from(orders).where(where).limit(1);
  if (!order) return null;
  const items = await tx
    .select()
    .from(orderItems)
    .where(eq(orderItems.orderId, order.id))
    .orderBy(asc(orderItems.createdAt), asc(orderItems.id));
  return { order, items };
}

/** The order `id` with its items if the caller may see it, else null: one read-only request. */
export async function visibleOrder(
  svc: ServiceContext,
  id: string,
): Promise<{ order: Order; items: OrderItem[] } | null> {
  // The order and its items in one read-only batch (one round trip on the HTTP path): the items
  // are those of the order the caller may see, so they need not wait for the order's answer.
  const where = and(eq(orders.id, id), visibleTo(svc));
  const [[order], items] = await inTenantBatch(
    svc.stores.pg('orders'),
    svc.tenantId,
    (db) => [
      db.select().from(orders).where(where).limit(1),
      db
        .select()
        .from(orderItems)
        .where(inArray(orderItems.orderId, db.select({ id: orders.id }).from(orders).where(where).limit(1)))
        .orderBy(asc(orderItems.createdAt), asc(orderItems.id)),
    ],
    { readOnly: true },
  );
  return order ? { order, items } : null;
}

export async function getOrder(svc: ServiceContext, id: string): Promise<OrderView> {
  const found = await visibleOrder(svc, id);
  if (!found) throw orderErrors.notFound();
  return orderView(found.order, found.items);
}

export interface ListOrdersQuery {
  status?: OrderStatus | undefined;
  /** The saga's status as mirrored in saga_executions (e.g. COMPENSATION_FAILED). */
  sagaStatus?: SagaStatus | undefined;
  limit: number;
  cursor?: TimeIdCursor | undefined;
}

/** Newest first, keyset pages on (created_at, id). */
export async function listOrders(
  svc: ServiceContext,
  query: ListOrdersQuery,
): Promise<Page<ReturnType<typeof orderSummaryView>>> {
  return inTenantRead(svc.stores.pg('orders'), svc.tenantId, async (tx) => {
    const conds: Array<SQL | undefined> = [visibleTo(svc)];
    if (query.status) conds.push(eq(orders.status, query.status));
    if (query.sagaStatus)
      conds.push(
        sql`exists (select 1 from ${sagaExecutions} where ${sagaExecutions.aggregateId} = ${orders.id} and ${sagaExecutions.status} = ${query.sagaStatus})`,
      );
    if (query.cursor)
      conds.push(sql`(${orders.createdAt}, ${orders.id}) < (${query.cursor.at}::timestamp, ${query.cursor.id}::uuid)`);
    const rows = await tx
      .select({ order: orders, at: sql<string>`${orders.createdAt}::text` })
      .from(orders)
      .where(and(...conds))
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(query.limit + 1);
    return toPage(
      rows,
      query.limit,
      (r) => [r.at, r.order.id],
      (r) => orderSummaryView(r.order),
    );
  });
}

/** The saga's read: no principal, the tenant it carries. */
export async function loadOrderForSaga(svc: ServiceContext, orderId: string): Promise<Order | null> {
  const [order] = await inTenantTx(ordersDb(svc), svc.tenantId, (tx) =>
    tx.select().from(orders).where(eq(orders.id, orderId)).limit(1),
  );
  return order ?? null;
}

/**
 * Units of a product that other orders still in checkout hold or may hold: their saga
 * reserved the stock (RESERVE_STOCK completed, as mirrored) and has neither completed
 * nor given it back, or it is at RESERVE_STOCK (STARTED: it may have reserved a moment
 * ago, before its mirror says so) and is not itself waiting. Those units may come back
 * (a declined card, a cancel): RESERVE_STOCK waits for them, within its bound, instead
 * of turning the buyer away. Orders whose first mirror is not written have not reserved.
 * `waiting`: the orders at RESERVE_STOCK whose mirror says they wait. One of them may have
 * just got a unit, before its next mirror clears the flag: the caller asks the product's
 * holds (written with the stock itself) what they hold.
 */
export async function unitsHeldInCheckout(
  svc: ServiceContext,
  { productUuid, exceptOrderId }: { productUuid: string; exceptOrderId: string },
): Promise<{ held: number; waiting: string[] }> {
  const waitingFlag = sql`coalesce(${sagaExecutions.context}->'waitingForStock' = 'true'::jsonb, false)`;
  const [row] = await inTenantTx(ordersDb(svc), svc.tenantId, (tx) =>
    tx
      .select({
        held: sql<string>`coalesce(sum(${orderItems.quantity}) filter (where not ${waitingFlag}), 0)::text`,
        waiting: sql<string[] | null>`array_agg(${orderItems.orderId}::text) filter (where ${waitingFlag})`,
      })
      .from(orderItems)
      .innerJoin(sagaExecutions, eq(sagaExecutions.aggregateId, orderItems.orderId))
      .where(
        and(
          eq(orderItems.productId, productUuid),
          sql`${orderItems.orderId} <> ${exceptOrderId}::uuid`,
          sql`(
            (${sagaExecutions.status} = 'STARTED'
              and ${sagaExecutions.context}->>'cancelRequested' is null)
            or (${sagaExecutions.status} in ('IN_PROGRESS', 'COMPENSATING')
              and ${sagaExecutions.context}->'completedSteps' @> '["RESERVE_STOCK"]'::jsonb
              and not (${sagaExecutions.context}->'compensatedSteps' @> '["RESERVE_STOCK"]'::jsonb))
          )`,
        ),
      ),
  );
  return { held: Number(row?.held ?? 0), waiting: row?.waiting ?? [] };
}
