/**
 * Order totals from server-side prices, in integer minor units (never floats).
 *
 *   subtotal = sum(unit price x quantity)
 *   discount = 0 (no promotions exist yet; the column is kept for them)
 *   shipping = ORDER_SHIPPING_FLAT, or 0 when subtotal >= ORDER_FREE_SHIPPING_FROM
 *   tax      = round_half_up((subtotal - discount) x ORDER_TAX_RATE_BPS / 10000)
 *              (shipping is not taxed)
 *   total    = subtotal - discount + shipping + tax
 *
 * Rules are Worker vars so a shop configures them without a deploy of code.
 */
import type { Env } from '../../env.ts';
import { parseMoney } from '../catalog/index.ts';

export interface PricingRules {
  taxRateBps: number;
  shippingFlatMinor: number;
  freeShippingFromMinor: number | null;
}

export function pricingRules(env: Env): PricingRules {
  const taxRateBps = Number(env.ORDER_TAX_RATE_BPS ?? '0');
  if (!Number.isInteger(taxRateBps) || taxRateBps < 0 || taxRateBps > 10_000)
    throw new Error('ORDER_TAX_RATE_BPS must be an integer 0..10000');
  return {
    taxRateBps,
    shippingFlatMinor: parseMoney(env.ORDER_SHIPPING_FLAT ?? '0'),
    freeShippingFromMinor: env.ORDER_FREE_SHIPPING_FROM ? parseMoney(env.ORDER_FREE_SHIPPING_FROM) : null,
  };
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

export function priceOrder(lines: PricedLine[], rules: PricingRules): Totals {
  const subtotalMinor = lines.reduce((sum, l) => sum + l.unitPriceMinor * l.quantity, 0);
  const discountMinor = 0;
  const free = rules.freeShippingFromMinor !== null && subtotalMinor >= rules.freeShippingFromMinor;
  const shippingMinor = free ? 0 : rules.shippingFlatMinor;
  // Half-up rounding in integers: floor((x * bps + 5000) / 10000).
  const taxMinor = Math.floor(((subtotalMinor - discountMinor) * rules.taxRateBps + 5_000) / 10_000);
  const totalMinor = subtotalMinor - discountMinor + shippingMinor + taxMinor;
  if (!Number.isSafeInteger(totalMinor) || totalMinor > 99_999_999_99)
    throw new RangeError('order total exceeds DECIMAL(10,2)');
  return { subtotalMinor, discountMinor, shippingMinor, taxMinor, totalMinor };
}
