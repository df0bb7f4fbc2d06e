/**
 * The pure evaluation of one promotion code against one order (rules and rounding in
 * model.ts). No I/O: checkout runs it on the promotion row it locked in the order's
 * transaction; a cart runs it on its estimate.
 */
import { formatMoney } from '../catalog/index.ts';
import type { PromotionEvaluation, PromotionLine, PromotionOrder, PromotionRefusal, PromotionRule } from './model.ts';

const refuse = (reason: PromotionRefusal, detail: string): PromotionEvaluation => ({ ok: false, reason, detail });

function inScope(rule: PromotionRule, line: PromotionLine): boolean {
  const products = rule.productIds ?? [];
  const categories = rule.categoryIds ?? [];
  if (products.length === 0 && categories.length === 0) return true;
  const id = line.productId.toLowerCase();
  return products.some((p) => p.toLowerCase() === id) || line.categoryIds.some((c) => categories.includes(c));
}

export function evaluatePromotion(rule: PromotionRule | null, order: PromotionOrder): PromotionEvaluation {
  if (!rule) return refuse('unknown', 'No promotion has this code.');
  if (!rule.active) return refuse('inactive', `The code ${rule.code} is not active.`);
  const now = order.now.getTime();
  if (rule.startsAt && now < rule.startsAt.getTime())
    return refuse('not-started', `The code ${rule.code} is valid from ${rule.startsAt.toISOString()}.`);
  if (rule.endsAt && now >= rule.endsAt.getTime())
    return refuse('expired', `The code ${rule.code} expired at ${rule.endsAt.toISOString()}.`);
  if (rule.usageLimit !== null && rule.timesUsed >= rule.usageLimit)
    return refuse('exhausted', `The code ${rule.code} has been used as many times as it may be.`);
  if (rule.perCustomerLimit !== null && order.customerRedemptions >= rule.perCustomerLimit)
    return refuse('customer-limit', `You have used the code ${rule.code} as many times as one customer may.`);
  if (rule.currency !== order.currency)
    return refuse('wrong-currency', `The code ${rule.code} is for orders in ${rule.currency}, not ${order.currency}.`);
  if (rule.minSubtotalMinor !== null && order.subtotalMinor < rule.minSubtotalMinor)
    return refuse(
      'minimum-subtotal',
      `The code ${rule.code} needs a subtotal of at least ${formatMoney(rule.minSubtotalMinor)} ${rule.currency}.`,
    );
  const scoped = order.lines.filter((l) => inScope(rule, l));
  if (scoped.length === 0) return refuse('out-of-scope', `No product of this order is eligible for ${rule.code}.`);
  const base = Math.min(
    scoped.reduce((sum, l) => sum + l.unitPriceMinor * l.quantity, 0),
    order.subtotalMinor,
  );
  switch (rule.kind) {
    case 'PERCENT':
      // Floor in integers: base <= 99,999,999.99 (10^10 minor) x 10^4 stays a safe integer.
      return {
        ok: true,
        code: rule.code,
        discountMinor: Math.floor((base * rule.value) / 10_000),
        freeShipping: false,
      };
    case 'FIXED_AMOUNT':
      return { ok: true, code: rule.code, discountMinor: Math.min(rule.value, base), freeShipping: false };
    case 'FREE_SHIPPING':
      return { ok: true, code: rule.code, discountMinor: 0, freeShipping: true };
  }
}
