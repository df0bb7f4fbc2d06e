/**
 * What a promotion code is, as the pure evaluation sees it (no database types), and
 * what an evaluation answers. A promotion's row (`db/pg/schema/promotions.ts`) is one
 * (`ruleOf`), and so is anything a cart holds.
 *
 * Rules, in the order they are checked (the first that fails is the answer):
 *   unknown -> inactive -> not started / expired (`startsAt <= now < endsAt`) ->
 *   exhausted (`timesUsed >= usageLimit`) -> per-customer limit -> currency ->
 *   minimum subtotal (of the whole order) -> scope (at least one line in scope).
 * Amounts, in integer minor units:
 *   PERCENT       discount = floor(base x bps / 10000), FLOOR: never more than the stated percent
 *   FIXED_AMOUNT  discount = min(value, base)
 *   FREE_SHIPPING discount = 0, freeShipping = true (shipping becomes 0; tax is on goods only)
 * where base = the subtotal of the lines in scope (all lines when the code has no scope).
 * The discount never passes the base, so the order's total never goes below zero.
 * One code per order: stacking is a later decision.
 */
import { PROMOTION_KINDS, type Promotion } from '../../db/pg/schema/promotions.ts';

export { PROMOTION_KINDS };
export type PromotionKind = (typeof PROMOTION_KINDS)[number];

export interface PromotionRule {
  code: string;
  kind: PromotionKind;
  /** Basis points (PERCENT), minor units (FIXED_AMOUNT), 0 (FREE_SHIPPING). */
  value: number;
  currency: string;
  startsAt: Date | null;
  endsAt: Date | null;
  minSubtotalMinor: number | null;
  productIds: string[] | null;
  categoryIds: string[] | null;
  usageLimit: number | null;
  perCustomerLimit: number | null;
  timesUsed: number;
  active: boolean;
}

export interface PromotionLine {
  productId: string;
  categoryIds: string[];
  quantity: number;
  unitPriceMinor: number;
}

export interface PromotionOrder {
  subtotalMinor: number;
  shippingMinor: number;
  currency: string;
  lines: PromotionLine[];
  now: Date;
  /** This customer's redemptions of the code that still count (not released). */
  customerRedemptions: number;
}

export const PROMOTION_REFUSALS = [
  'unknown',
  'inactive',
  'not-started',
  'expired',
  'exhausted',
  'customer-limit',
  'wrong-currency',
  'minimum-subtotal',
  'out-of-scope',
] as const;
export type PromotionRefusal = (typeof PROMOTION_REFUSALS)[number];

export type PromotionEvaluation =
  | { ok: true; code: string; discountMinor: number; freeShipping: boolean }
  | { ok: false; reason: PromotionRefusal; detail: string };

/** A promotion row as a rule. */
export function ruleOf(p: Promotion): PromotionRule {
  return {
    code: p.code,
    kind: p.kind,
    value: p.value,
    currency: p.currency,
    startsAt: p.startsAt,
    endsAt: p.endsAt,
    minSubtotalMinor: p.minSubtotalMinor,
    productIds: p.productIds,
    categoryIds: p.categoryIds,
    usageLimit: p.usageLimit,
    perCustomerLimit: p.perCustomerLimit,
    timesUsed: p.timesUsed,
    active: p.active,
  };
}

/** Codes are compared case-insensitively (the unique index is on lower(code)). */
export const normalizeCode = (code: string) => code.trim().toLowerCase();
