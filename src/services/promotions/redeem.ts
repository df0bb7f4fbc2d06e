/**
 * Checkout's side of a promotion: read before the order's write, claimed inside it.
 *
 * The placement (services/orders/place-order.ts) reads the code and this customer's count
 * (`promotionForClaim`, in the read it makes beside the catalog's), evaluates the rules on that
 * row in JS, then writes the order in ONE non-interactive transaction (one request over the HTTP
 * path) whose promotion statements are:
 *   1. `lockPromotion`: SELECT ... FOR UPDATE on the row read. A concurrent order of the same
 *      code waits here until the holder commits.
 *   2. `claimableSql`, the condition the order's INSERT carries: the row is still the version
 *      the rules were evaluated on, a use is free (`times_used < usage_limit`), and this
 *      customer's count is under `per_customer_limit`. It runs in the statement AFTER the lock,
 *      so under READ COMMITTED it reads a fresh snapshot with the lock held: every use committed
 *      before is seen and none can be added until this transaction ends. However many orders
 *      race, exactly as many get a use as there were left, and a customer's limit holds.
 *   3. `claimWritesSql`, in the same statement as the order's INSERT and only for a row it
 *      inserted: `times_used + 1` and the redemption row.
 * A claim that no longer holds inserts no order and writes nothing: the placement reads again and
 * answers with the rules on the fresh row (a 422 naming the field, or a retry that succeeds).
 *
 * Released by the trigger `orders.release_promotion_redemption` (drizzle/0013) when the order
 * becomes CANCELLED: the transaction of the saga's mirror (or any other) that moves it.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';

import type { HttpDatabase } from '../../db/pg/http.ts';
import { promotionRedemptions, promotions, type Promotion } from '../../db/pg/schema/promotions.ts';
import { formatMoney } from '../catalog/index.ts';
import { normalizeCode } from './model.ts';

/** What the order's write needs to take one use of a promotion evaluated on a row read before. */
export interface PromotionClaim {
  promotionId: string;
  /** The row's version the rules were evaluated on: an edit since refuses the claim. */
  version: number;
  tenantId: string;
  userId: string;
  /** What the code takes off (FREE_SHIPPING: the shipping waived), recorded on the redemption. */
  amountMinor: number;
}

/** The promotion of `code` and how many of `userId`'s redemptions of it still count: two statements of a read batch. */
export function promotionForClaim(db: HttpDatabase, code: string, userId: string) {
  const byCode = sql`lower(${promotions.code}) = ${normalizeCode(code)}`;
  return [
    db.select().from(promotions).where(byCode).limit(1),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(promotionRedemptions)
      .innerJoin(promotions, eq(promotions.id, promotionRedemptions.promotionId))
      .where(and(byCode, eq(promotionRedemptions.userId, userId), sql`${promotionRedemptions.releasedAt} IS NULL`)),
  ] as const;
}

/** The read answer of `promotionForClaim` as one value. */
export function claimRead(
  rows: readonly [Promotion[], Array<{ n: number }>],
): { promotion: Promotion; customerRedemptions: number } | null {
  const [[promotion], [count]] = rows;
  return promotion ? { promotion, customerRedemptions: count?.n ?? 0 } : null;
}

/** Statement 1 of a claim: the promotion's row, locked until the order's transaction ends. */
export function lockPromotion(db: HttpDatabase, claim: PromotionClaim) {
  return db.select({ id: promotions.id }).from(promotions).where(eq(promotions.id, claim.promotionId)).for('update');
}

/** True while the row is as read, a use is free and the customer is under their limit (run after `lockPromotion`). */
export function claimableSql(claim: PromotionClaim): SQL {
  return sql`EXISTS (
    SELECT 1 FROM orders.promotions p
     WHERE p.id = ${claim.promotionId}::uuid
       AND p.version = ${claim.version}::int
       AND (p.usage_limit IS NULL OR p.times_used < p.usage_limit)
       AND (p.per_customer_limit IS NULL OR (
         SELECT count(*) FROM orders.promotion_redemptions r
          WHERE r.promotion_id = p.id AND r.user_id = ${claim.userId}::uuid AND r.released_at IS NULL
       ) < p.per_customer_limit))`;
}

/** Data-modifying CTEs taking the use for the order the CTE `orderCte` inserted (none: nothing happens). */
export function claimWritesSql(claim: PromotionClaim, orderCte: SQL): SQL {
  return sql`claimed AS (
    UPDATE orders.promotions SET times_used = times_used + 1
      FROM ${orderCte} o WHERE orders.promotions.id = ${claim.promotionId}::uuid
    RETURNING orders.promotions.id
  ), redeemed AS (
    INSERT INTO orders.promotion_redemptions (tenant_id, promotion_id, order_id, user_id, amount)
    SELECT ${claim.tenantId}::uuid, ${claim.promotionId}::uuid, o.id, ${claim.userId}::uuid, ${formatMoney(claim.amountMinor)}::numeric
      FROM ${orderCte} o
    RETURNING id
  )`;
}
