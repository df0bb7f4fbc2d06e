/**
 * The write of POST /orders: ONE non-interactive transaction (`inTenantBatch`: one request over
 * the HTTP path, role and tenant settings included) that inserts the order, its items, its saga
 * start record and first saga mirror and, with a code, takes the promotion's use, then reads who holds the
 * Idempotency-Key. Every write is conditional on the order's INSERT, so the answer tells it all:
 *
 *   holder = the new order         placed
 *   holder = another order         the key was used before, or by a concurrent twin (its
 *                                  INSERT waited on the unique index, then did nothing)
 *   no holder                      the promotion's claim no longer held (promotions/redeem.ts);
 *                                  nothing was written
 *
 * The order's id is made here (not by the database) so the statements after the INSERT can name
 * it; all rows are written by one statement of data-modifying CTEs (foreign keys are checked at
 * its end, when the order exists). The saga start record is what the sweeper (sweeper.ts) hands
 * to the order's Durable Object if this Worker dies before it starts the saga; the saga's first
 * mirror (saga_executions STARTED) is written here too, one round trip fewer for the saga's object,
 * and from this commit on the order counts as holding its units for other orders' RESERVE_STOCK.
 */
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';

import type { HttpDatabase } from '../../db/pg/http.ts';
import { orderItems, orders, type Order, type OrderItem } from '../../db/pg/schema/orders.ts';
import { promotionRedemptions, promotions } from '../../db/pg/schema/promotions.ts';
import { inTenantBatch } from '../../db/pg/tenant-tx.ts';
import { productIdAsUuid } from '../../lib/ids.ts';
import { formatMoney } from '../catalog/index.ts';
import type { ServiceContext } from '../context.ts';
import { claimableSql, claimWritesSql, lockPromotion, type PromotionClaim } from '../promotions/index.ts';
import type { Totals } from './pricing.ts';
import { sagaContextOf, type SagaPromotion } from './saga-client.ts';
import { startedMirror } from './saga-mirror.ts';

export interface OrderRow {
  id: string;
  userId: string;
  paymentMethod: string;
  currency: string;
  totals: Totals;
  address: { street: string; city: string; state: string; zipCode: string; country: string };
  idempotencyKey: string;
  requestFingerprint: string;
}

export interface ItemRow {
  productId: string;
  name: string;
  sku: string | null;
  quantity: number;
  unitPriceMinor: number;
}

/** The saga's first mirror, written with the order (saga-mirror.ts). */
export type StartedMirror = ReturnType<typeof startedMirror>;

/** An order holding an Idempotency-Key, with what its saga needs. */
export interface KeyHolder {
  order: Order;
  items: OrderItem[];
  promotion: SagaPromotion | null;
}

/** The order of `userId` holding `key`, its items and its promotion: three statements of one batch. */
export function keyHolderStatements(db: HttpDatabase, userId: string, key: string) {
  const holder = and(eq(orders.userId, userId), eq(orders.idempotencyKey, key));
  const holderId = db.select({ id: orders.id }).from(orders).where(holder).limit(1);
  return [
    db.select().from(orders).where(holder).limit(1),
    db
      .select()
      .from(orderItems)
      .where(inArray(orderItems.orderId, holderId))
      .orderBy(asc(orderItems.createdAt), asc(orderItems.id)),
    db
      .select({ code: promotions.code, kind: promotions.kind, amount: promotionRedemptions.amount })
      .from(promotionRedemptions)
      .innerJoin(promotions, eq(promotions.id, promotionRedemptions.promotionId))
      .where(inArray(promotionRedemptions.orderId, holderId))
      .limit(1),
  ] as const;
}

/** The answer of `keyHolderStatements` as one value (null: no order holds the key). */
export function keyHolderOf([[order], items, [promotion]]: readonly [
  Order[],
  OrderItem[],
  SagaPromotion[],
]): KeyHolder | null {
  return order ? { order, items, promotion: promotion ?? null } : null;
}

/** The INSERT of the order and everything beside it, in one statement. */
function insertSql(
  tenantId: string,
  o: OrderRow,
  items: ItemRow[],
  claim: PromotionClaim | null,
  saga: StartedMirror,
): SQL {
  const t = o.totals;
  const values = sql.join(
    items.map(
      (i) =>
        sql`(${productIdAsUuid(i.productId)}::uuid, ${i.name.slice(0, 255)}, ${i.sku}, ${i.quantity}::int, ${formatMoney(i.unitPriceMinor)}::numeric, ${formatMoney(i.unitPriceMinor * i.quantity)}::numeric)`,
    ),
    sql`, `,
  );
  const order = sql.raw('placed');
  return sql`WITH placed AS (
    INSERT INTO orders.orders (id, tenant_id, user_id, order_number, payment_method, subtotal, tax, shipping,
      discount, total, currency, shipping_street, shipping_city, shipping_state, shipping_zip_code,
      shipping_country, idempotency_key, request_fingerprint)
    SELECT ${o.id}::uuid, ${tenantId}::uuid, ${o.userId}::uuid,
      'ORD-' || to_char(now(), 'YYYY') || '-' || lpad(nextval('orders.order_number_seq')::text, 6, '0'),
      ${o.paymentMethod}, ${formatMoney(t.subtotalMinor)}::numeric, ${formatMoney(t.taxMinor)}::numeric,
      ${formatMoney(t.shippingMinor)}::numeric, ${formatMoney(t.discountMinor)}::numeric,
      ${formatMoney(t.totalMinor)}::numeric, ${o.currency}, ${o.address.street}, ${o.address.city},
      ${o.address.state}, ${o.address.zipCode}, ${o.address.country}, ${o.idempotencyKey}, ${o.requestFingerprint}
    WHERE ${claim ? claimableSql(claim) : sql`true`}
    ON CONFLICT (tenant_id, user_id, idempotency_key) DO NOTHING
    RETURNING id, order_number
  ), items AS (
    INSERT INTO orders.order_items (tenant_id, order_id, product_id, product_name, product_sku, quantity,
      unit_price, total_price)
    SELECT ${tenantId}::uuid, o.id, v.* FROM placed o,
      (VALUES ${values}) AS v(product_id, product_name, product_sku, quantity, unit_price, total_price)
    RETURNING id
  ), started AS (
    INSERT INTO orders.saga_starts (order_id, tenant_id) SELECT o.id, ${tenantId}::uuid FROM placed o
    RETURNING order_id
  ), mirrored AS (
    INSERT INTO orders.saga_executions (saga_type, aggregate_id, tenant_id, status, current_step, total_steps, context)
    SELECT ${saga.sagaType}, o.id, ${tenantId}::uuid, ${saga.status}, 0, ${saga.totalSteps}::int,
      ${JSON.stringify(saga.context)}::jsonb || jsonb_build_object('orderNumber', o.order_number)
    FROM placed o
    RETURNING id
  )${claim ? sql`, ${claimWritesSql(claim, order)}` : sql``}
  SELECT count(*)::int AS placed FROM placed`;
}

/** Writes the order (see the file's comment) and answers who holds its Idempotency-Key now. */
export async function insertOrder(
  ctx: ServiceContext,
  input: { order: OrderRow; items: ItemRow[]; claim: PromotionClaim | null; promotion?: SagaPromotion | null },
): Promise<KeyHolder | null> {
  const { order, items, claim } = input;
  const pg = ctx.stores.pg('orders');
  const facts = { ...order, orderNumber: '', total: formatMoney(order.totals.totalMinor) }; // the number: made by the INSERT
  const lines = items.map((i) => ({ productId: productIdAsUuid(i.productId), quantity: i.quantity }));
  const saga = startedMirror(order.id, ctx.tenantId, sagaContextOf(facts, lines, null, input.promotion ?? null));
  const insert = (db: HttpDatabase) => db.execute(insertSql(ctx.tenantId, order, items, claim, saga));
  const holder = (db: HttpDatabase) => keyHolderStatements(db, order.userId, order.idempotencyKey);
  const results = claim
    ? (await inTenantBatch(pg, ctx.tenantId, (db) => [lockPromotion(db, claim), insert(db), ...holder(db)])).slice(2)
    : (await inTenantBatch(pg, ctx.tenantId, (db) => [insert(db), ...holder(db)])).slice(1);
  return keyHolderOf(results as unknown as Parameters<typeof keyHolderOf>[0]);
}
