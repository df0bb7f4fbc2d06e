/**
 * The pure evaluation of a promotion code (services/promotions/evaluate.ts): each rule
 * refuses on its own, the amounts and their rounding (PERCENT floors), scope, and the
 * discount never passing what it applies to (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { priceOrder } from '../../src/services/orders/pricing.ts';
import { evaluatePromotion, type PromotionOrder, type PromotionRule } from '../../src/services/promotions/index.ts';

const NOW = new Date('2026-12-06T12:00:00Z');
const rule = (over: Partial<PromotionRule> = {}): PromotionRule => ({
  code: 'SPRING10',
  kind: 'PERCENT',
  value: 1000,
  currency: 'USD',
  startsAt: null,
  endsAt: null,
  minSubtotalMinor: null,
  productIds: null,
  categoryIds: null,
  usageLimit: null,
  perCustomerLimit: null,
  timesUsed: 0,
  active: true,
  ...over,
});
const A = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const cart = (over: Partial<PromotionOrder> = {}): PromotionOrder => ({
  subtotalMinor: 3000,
  shippingMinor: 599,
  currency: 'USD',
  lines: [
    { productId: A, categoryIds: ['c-shoes'], quantity: 1, unitPriceMinor: 1000 },
    { productId: B, categoryIds: ['c-hats'], quantity: 2, unitPriceMinor: 1000 },
  ],
  now: NOW,
  customerRedemptions: 0,
  ...over,
});
const reason = (r: ReturnType<typeof evaluatePromotion>) => (r.ok ? 'ok' : r.reason);

describe('evaluatePromotion: each rule refuses on its own', () => {
  it('applies a valid code', () => {
    expect(evaluatePromotion(rule(), cart())).toEqual({
      ok: true,
      code: 'SPRING10',
      discountMinor: 300,
      freeShipping: false,
    });
  });
  it('unknown: no promotion', () => expect(reason(evaluatePromotion(null, cart()))).toBe('unknown'));
  it('inactive', () => expect(reason(evaluatePromotion(rule({ active: false }), cart()))).toBe('inactive'));
  it('not started: startsAt is inclusive', () => {
    expect(reason(evaluatePromotion(rule({ startsAt: new Date(NOW.getTime() + 1) }), cart()))).toBe('not-started');
    expect(reason(evaluatePromotion(rule({ startsAt: NOW }), cart()))).toBe('ok');
  });
  it('expired: endsAt is exclusive', () => {
    expect(reason(evaluatePromotion(rule({ endsAt: NOW }), cart()))).toBe('expired');
    expect(reason(evaluatePromotion(rule({ endsAt: new Date(NOW.getTime() + 1) }), cart()))).toBe('ok');
  });
  it('exhausted: timesUsed reached usageLimit', () => {
    expect(reason(evaluatePromotion(rule({ usageLimit: 10, timesUsed: 10 }), cart()))).toBe('exhausted');
    expect(reason(evaluatePromotion(rule({ usageLimit: 10, timesUsed: 9 }), cart()))).toBe('ok');
  });
  it('per-customer limit', () => {
    expect(reason(evaluatePromotion(rule({ perCustomerLimit: 1 }), cart({ customerRedemptions: 1 })))).toBe(
      'customer-limit',
    );
    expect(reason(evaluatePromotion(rule({ perCustomerLimit: 2 }), cart({ customerRedemptions: 1 })))).toBe('ok');
  });
  it('wrong currency', () => {
    const r = evaluatePromotion(rule({ currency: 'EUR' }), cart());
    expect(r).toMatchObject({ ok: false, reason: 'wrong-currency' });
    expect(!r.ok && r.detail).toContain('EUR');
  });
  it('minimum subtotal, of the whole order', () => {
    expect(reason(evaluatePromotion(rule({ minSubtotalMinor: 3001 }), cart()))).toBe('minimum-subtotal');
    expect(reason(evaluatePromotion(rule({ minSubtotalMinor: 3000 }), cart()))).toBe('ok');
  });
  it('out of scope: no line of the products or categories named', () => {
    const other = 'cccccccccccccccccccccccc';
    expect(reason(evaluatePromotion(rule({ productIds: [other] }), cart()))).toBe('out-of-scope');
    expect(reason(evaluatePromotion(rule({ categoryIds: ['c-none'] }), cart()))).toBe('out-of-scope');
  });
});

describe('evaluatePromotion: amounts', () => {
  it('PERCENT floors in minor units (never more than the stated percent)', () => {
    // 12.5% of 9.99 = 1.24875 -> 1.24
    const r = evaluatePromotion(
      rule({ value: 1250 }),
      cart({ subtotalMinor: 999, lines: [{ productId: A, categoryIds: [], quantity: 1, unitPriceMinor: 999 }] }),
    );
    expect(r).toMatchObject({ ok: true, discountMinor: 124 });
  });
  it('PERCENT 100% takes the whole base', () => {
    expect(evaluatePromotion(rule({ value: 10_000 }), cart())).toMatchObject({ discountMinor: 3000 });
  });
  it('FIXED_AMOUNT is capped at the base', () => {
    expect(evaluatePromotion(rule({ kind: 'FIXED_AMOUNT', value: 500 }), cart())).toMatchObject({ discountMinor: 500 });
    expect(evaluatePromotion(rule({ kind: 'FIXED_AMOUNT', value: 10_000 }), cart())).toMatchObject({
      discountMinor: 3000,
    });
  });
  it('FREE_SHIPPING: no discount, shipping waived', () => {
    expect(evaluatePromotion(rule({ kind: 'FREE_SHIPPING', value: 0 }), cart())).toEqual({
      ok: true,
      code: 'SPRING10',
      discountMinor: 0,
      freeShipping: true,
    });
  });
  it('a scope limits the base to the lines in it (product or category, ids case-insensitive)', () => {
    expect(evaluatePromotion(rule({ productIds: [A.toUpperCase()] }), cart())).toMatchObject({ discountMinor: 100 });
    expect(evaluatePromotion(rule({ categoryIds: ['c-hats'] }), cart())).toMatchObject({ discountMinor: 200 });
    expect(evaluatePromotion(rule({ kind: 'FIXED_AMOUNT', value: 5000, productIds: [A] }), cart())).toMatchObject({
      discountMinor: 1000,
    });
  });
  it('priceOrder: the discount lowers the taxed amount; FREE_SHIPPING zeroes shipping', () => {
    const rules = { taxRateBps: 800, shippingFlatMinor: 599, freeShippingFromMinor: null };
    const lines = [{ unitPriceMinor: 1000, quantity: 3 }];
    expect(priceOrder(lines, rules, { discountMinor: 300, freeShipping: false })).toEqual({
      subtotalMinor: 3000,
      discountMinor: 300,
      shippingMinor: 599,
      taxMinor: 216,
      totalMinor: 3000 - 300 + 599 + 216,
    });
    expect(priceOrder(lines, rules, { discountMinor: 0, freeShipping: true })).toMatchObject({ shippingMinor: 0 });
    expect(priceOrder(lines, rules, { discountMinor: 99_999, freeShipping: false })).toMatchObject({
      discountMinor: 3000,
      taxMinor: 0,
      totalMinor: 599,
    });
  });

  it('for any order and code, 0 <= discount <= the base in scope, and the total never goes below zero', () => {
    const line = fc.record({
      productId: fc.constantFrom(A, B),
      categoryIds: fc.subarray(['c1', 'c2']),
      quantity: fc.integer({ min: 1, max: 100 }),
      unitPriceMinor: fc.integer({ min: 0, max: 1_000_000 }),
    });
    const anyRule = fc.oneof(
      fc.record({ kind: fc.constant('PERCENT' as const), value: fc.integer({ min: 1, max: 10_000 }) }),
      fc.record({ kind: fc.constant('FIXED_AMOUNT' as const), value: fc.integer({ min: 1, max: 10_000_000 }) }),
      fc.record({ kind: fc.constant('FREE_SHIPPING' as const), value: fc.constant(0) }),
    );
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 8 }),
        anyRule,
        fc.option(fc.subarray([A, B]), { nil: null }),
        (lines, r, productIds) => {
          const subtotalMinor = lines.reduce((s, l) => s + l.unitPriceMinor * l.quantity, 0);
          const out = evaluatePromotion(rule({ ...r, productIds }), cart({ lines, subtotalMinor }));
          if (!out.ok) return out.reason === 'out-of-scope' && (productIds?.length ?? 0) > 0;
          const base = lines
            .filter((l) => !productIds?.length || productIds.includes(l.productId))
            .reduce((s, l) => s + l.unitPriceMinor * l.quantity, 0);
          const totals = priceOrder(
            lines,
            { taxRateBps: 800, shippingFlatMinor: 599, freeShippingFromMinor: null },
            out,
          );
          return (
            Number.isInteger(out.discountMinor) &&
            out.discountMinor >= 0 &&
            out.discountMinor <= base &&
            totals.totalMinor >= 0 &&
            (r.kind !== 'PERCENT' || out.discountMinor === Math.floor((base * r.value) / 10_000))
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
