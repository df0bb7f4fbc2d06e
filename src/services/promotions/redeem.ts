/**
 * Checkout's side of a promotion, inside the transaction that writes the order.
 *
 * `claimPromotion` takes one use of the code with ONE conditional statement:
 *   UPDATE promotions SET times_used = times_used + 1
 *    WHERE lower(code) = $code AND (usage_limit IS NULL OR times_used < usage_limit) RETURNING *
 * The UPDATE locks the row until the order's transaction ends; a concurrent order waits,
 * then PostgreSQL re-checks the WHERE on the committed row (READ COMMITTED), so with N uses
 * left exactly N orders get one, however many race. The returned row is the fresh one: the
 * rules are evaluated on it, and the customer's count is read AFTER the lock is held (a new
 * statement, a new snapshot), so two orders of one customer cannot both pass a per-customer
 * limit of 1. A refusal throws: the transaction rolls back, the use with it, and no order is
 * written.
 *
 * `recordRedemption` writes the redemption row once the order exists. Released by the
 * trigger `orders.release_promotion_redemption` (drizzle/0013) when the order becomes
 * CANCELLED: the transaction of the saga's mirror (or any other) that moves it.
 */
import { sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { promotionRedemptions, promotions, type Promotion } from '../../db/pg/schema/promotions.ts';
import { formatMoney } from '../catalog/index.ts';
import { promotionErrors } from './errors.ts';
import { evaluatePromotion } from './evaluate.ts';
import { normalizeCode, ruleOf, type PromotionOrder } from './model.ts';
import { customerRedemptions, promotionByCode } from './queries.ts';

export interface ClaimedPromotion {
  promotion: Promotion;
  discountMinor: number;
  freeShipping: boolean;
}

/** Takes one use of `code` for `userId`'s order, or throws the 422 naming `field`. */
export async function claimPromotion(
  tx: Transaction,
  code: string,
  userId: string,
  order: Omit<PromotionOrder, 'customerRedemptions'>,
  field = 'body.promotionCode',
): Promise<ClaimedPromotion> {
  const [claimed] = await tx
    .update(promotions)
    .set({ timesUsed: sql`${promotions.timesUsed} + 1` })
    .where(
      sql`lower(${promotions.code}) = ${normalizeCode(code)} AND (${promotions.usageLimit} IS NULL OR ${promotions.timesUsed} < ${promotions.usageLimit})`,
    )
    .returning();
  if (!claimed) {
    // Unknown, or used up: the rules on the row as it is now say which.
    const row = await promotionByCode(tx, code);
    const outcome = evaluatePromotion(row && ruleOf(row), { ...order, customerRedemptions: 0 });
    if (outcome.ok) throw new Error('a promotion that could not be claimed evaluated as applicable');
    throw promotionErrors.refused(outcome.reason, outcome.detail, field);
  }
  const before = { ...ruleOf(claimed), timesUsed: claimed.timesUsed - 1 };
  const outcome = evaluatePromotion(before, {
    ...order,
    customerRedemptions: await customerRedemptions(tx, claimed.id, userId),
  });
  if (!outcome.ok) throw promotionErrors.refused(outcome.reason, outcome.detail, field);
  return { promotion: claimed, discountMinor: outcome.discountMinor, freeShipping: outcome.freeShipping };
}

export async function recordRedemption(
  tx: Transaction,
  r: { tenantId: string; promotionId: string; orderId: string; userId: string; amountMinor: number },
): Promise<void> {
  await tx.insert(promotionRedemptions).values({
    tenantId: r.tenantId,
    promotionId: r.promotionId,
    orderId: r.orderId,
    userId: r.userId,
    amount: formatMoney(r.amountMinor),
  });
}
