/** API shapes of promotions: camelCase, ISO timestamps, amounts in integer minor units / basis points. */
import type { Promotion, PromotionRedemption } from '../../db/pg/schema/promotions.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function promotionView(p: Promotion) {
  return {
    id: p.id,
    code: p.code,
    description: p.description,
    kind: p.kind,
    value: p.value,
    currency: p.currency,
    startsAt: iso(p.startsAt),
    endsAt: iso(p.endsAt),
    minSubtotalMinor: p.minSubtotalMinor,
    productIds: p.productIds ?? [],
    categoryIds: p.categoryIds ?? [],
    usageLimit: p.usageLimit,
    perCustomerLimit: p.perCustomerLimit,
    timesUsed: p.timesUsed,
    active: p.active,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
export type PromotionView = ReturnType<typeof promotionView>;

export function redemptionView(r: PromotionRedemption) {
  return {
    id: r.id,
    promotionId: r.promotionId,
    orderId: r.orderId,
    userId: r.userId,
    amount: r.amount,
    createdAt: r.createdAt.toISOString(),
    releasedAt: iso(r.releasedAt),
  };
}
export type RedemptionView = ReturnType<typeof redemptionView>;
