/**
 * A code checked outside checkout (a cart's `PUT /promotion-code`, a price preview): the
 * promotion as stored now, this customer's count, the pure rules. Nothing is taken: the
 * use is claimed only in the order's write (redeem.ts), where it is checked again.
 */
import type { ServiceContext } from '../context.ts';
import { promotionErrors } from './errors.ts';
import { evaluatePromotion } from './evaluate.ts';
import { ruleOf, type PromotionOrder } from './model.ts';
import { findPromotionByCode } from './queries.ts';

/** The discount `code` would give, or the 422 `promotion-code-<reason>` naming `field`. */
export async function checkPromotionCode(
  svc: ServiceContext,
  input: { code: string; userId: string | null; field?: string; order: Omit<PromotionOrder, 'customerRedemptions'> },
): Promise<{ code: string; discountMinor: number; freeShipping: boolean }> {
  const found = await findPromotionByCode(svc, { code: input.code, userId: input.userId });
  const outcome = evaluatePromotion(found && ruleOf(found.promotion), {
    ...input.order,
    customerRedemptions: found?.customerRedemptions ?? 0,
  });
  if (!outcome.ok) throw promotionErrors.refused(outcome.reason, outcome.detail, input.field);
  return { code: outcome.code, discountMinor: outcome.discountMinor, freeShipping: outcome.freeShipping };
}
