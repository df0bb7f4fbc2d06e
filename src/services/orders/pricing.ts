/**
 * Order totals from server-side prices, in integer minor units (never floats).
 *
 *   subtotal = sum(unit price x quantity)
 *   discount = the promotion code's discount (services/promotions: at most ONE code per
 *              order, stacking is a later decision), never more than the subtotal
 *   shipping = ORDER_SHIPPING_FLAT, or 0 when subtotal >= ORDER_FREE_SHIPPING_FROM or the
 *              code is FREE_SHIPPING
 *   tax      = round_half_up((subtotal - discount) x ORDER_TAX_RATE_BPS / 10000)
 *              (shipping is not taxed)
 *   total    = subtotal - discount + shipping + tax   (>= 0: discount <= subtotal)
 *
 * Rules are Worker vars so a shop configures them without a deploy of code.
 *
 * Every amount is stored as DECIMAL(10,2): an order whose subtotal or total would pass
 * 99,999,999.99 is refused (422 `order-total-too-large`) before anything is written; the
 * subtotal is checked before the tax multiplies it, so no step leaves the safe integers.
 */
import type { Env } from '../../env.ts';
import { configOf } from '../../lib/config.ts';
import { formatMoney } from '../catalog/index.ts';
import { orderErrors } from './errors.ts';

/** The largest amount a DECIMAL(10,2) column holds, in minor units. */
export const MAX_AMOUNT_MINOR = 99_999_999_99;

export interface PricingRules {
  taxRateBps: number;
  shippingFlatMinor: number;
  freeShippingFromMinor: number | null;
}

/** The shop's pricing vars (parsed once, with every other var, by lib/config.ts). */
export function pricingRules(env: Env): PricingRules {
  const { taxRateBps, shippingFlatMinor, freeShippingFromMinor } = configOf(env).orders;
  return { taxRateBps, shippingFlatMinor, freeShippingFromMinor };
}

export interface PricedLine {
  quantity: number;
  unitPriceMinor: number;
}

export interface Totals {
  subtotalMinor: number;
  discountMinor: number;
  shippingMinor: number;
  taxMinor: number;
  totalMinor: number;
}

/** What a promotion code takes off (evaluatePromotion's answer); none: no code. */
export interface AppliedPromotion {
  discountMinor: number;
  freeShipping: boolean;
}

/** The subtotal of the lines, 422 `order-total-too-large` past DECIMAL(10,2). */
export function subtotalOf(lines: PricedLine[]): number {
  const subtotalMinor = lines.reduce((sum, l) => sum + l.unitPriceMinor * l.quantity, 0);
  if (!Number.isSafeInteger(subtotalMinor) || subtotalMinor > MAX_AMOUNT_MINOR)
    throw orderErrors.totalTooLarge(formatMoney(MAX_AMOUNT_MINOR));
  return subtotalMinor;
}

/** The shipping before any promotion. */
export function shippingOf(subtotalMinor: number, rules: PricingRules): number {
  const free = rules.freeShippingFromMinor !== null && subtotalMinor >= rules.freeShippingFromMinor;
  return free ? 0 : rules.shippingFlatMinor;
}

/** Throws 422 `order-total-too-large` when an amount would not fit DECIMAL(10,2). */
export function priceOrder(
  lines: PricedLine[],
  rules: PricingRules,
  promotion: AppliedPromotion = { discountMinor: 0, freeShipping: false },
): Totals {
  const tooLarge = () => orderErrors.totalTooLarge(formatMoney(MAX_AMOUNT_MINOR));
  const subtotalMinor = subtotalOf(lines);
  const discountMinor = Math.max(0, Math.min(promotion.discountMinor, subtotalMinor));
  const shippingMinor = promotion.freeShipping ? 0 : shippingOf(subtotalMinor, rules);
  // Half-up rounding in integers: floor((x * bps + 5000) / 10000).
  const taxMinor = Math.floor(((subtotalMinor - discountMinor) * rules.taxRateBps + 5_000) / 10_000);
  const totalMinor = subtotalMinor - discountMinor + shippingMinor + taxMinor;
  if (!Number.isSafeInteger(totalMinor) || totalMinor > MAX_AMOUNT_MINOR) throw tooLarge();
  return { subtotalMinor, discountMinor, shippingMinor, taxMinor, totalMinor };
}
