/**
 * Promotion codes through the API (issue #20): staff CRUD with If-Match, codes unique per
 * tenant case-insensitively, each rule refused at checkout as a 422 naming promotionCode
 * with nothing written, the discount in the order and the payment, PROMOTION_APPLIED in the
 * order's saga history, per-customer limits, tenant isolation, and a cancelled or
 * compensated order giving its use back.
 */
import { env } from 'cloudflare:workers';
import { inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

import { orders } from '../../src/db/pg/schema/orders.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { Problem } from '../../src/lib/problem.ts';
import { checkPromotionCode } from '../../src/services/promotions/index.ts';
import { createProduct, send } from './catalog-helpers.ts';
import { checkoutShop, lines, order, orderRow, ORDERS, placeAndSettle, type PlacedOrder } from './checkout-helpers.ts';
import { problemOf } from './helpers.ts';
import { registerUser } from './identity-helpers.ts';
import { createPromotion, promotionRows, PROMOTIONS } from './promotions-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

const refusal = async (res: Response) => {
  expect(res.status).toBe(422);
  const p = await problemOf(res);
  expect(p.errors?.map((e) => e.field)).toEqual(['body.promotionCode']);
  return p.type.replace('https://errors.ecommerce-edge.dev/', '');
};

describe('staff CRUD', () => {
  it('ADMIN and MANAGER manage codes with If-Match; a USER cannot; codes are unique per tenant, case-insensitive', async () => {
    const s = await checkoutShop();
    const created = await send(s.manager, 'POST', PROMOTIONS, {
      body: { code: 'Spring10', kind: 'PERCENT', value: 1000, currency: 'USD', usageLimit: 5 },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"0"');
    const p = (await created.json()) as { id: string; code: string; timesUsed: number };
    expect(p).toMatchObject({ code: 'Spring10', timesUsed: 0, productIds: [], active: true });

    expect((await send(s.user, 'GET', PROMOTIONS)).status).toBe(403);
    expect(
      (await send(s.user, 'POST', PROMOTIONS, { body: { code: 'X1', kind: 'PERCENT', value: 1, currency: 'USD' } }))
        .status,
    ).toBe(403);

    const dup = await send(s.admin, 'POST', PROMOTIONS, {
      body: { code: 'SPRING10', kind: 'FIXED_AMOUNT', value: 100, currency: 'USD' },
    });
    expect(dup.status).toBe(409);
    expect((await problemOf(dup)).errors?.[0]?.field).toBe('body.code');
    // Another tenant may have the same code.
    const other = await checkoutShop();
    await createPromotion(other.manager, { code: 'spring10' });

    const path = `${PROMOTIONS}/${p.id}`;
    expect((await send(s.manager, 'PATCH', path, { body: { value: 1500 } })).status).toBe(428);
    expect(
      (await send(s.manager, 'PATCH', path, { body: { value: 1500 }, headers: { 'if-match': '"7"' } })).status,
    ).toBe(412);
    const bad = await send(s.manager, 'PATCH', path, { body: { value: 20_000 }, headers: { 'if-match': '"0"' } });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors?.map((e) => e.field)).toEqual(['body.value']);
    const patched = await send(s.admin, 'PATCH', path, { body: { value: 1500 }, headers: { 'if-match': '"0"' } });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe('"1"');
    expect(await patched.json()).toMatchObject({ value: 1500, version: 1 });
    const got = await send(s.manager, 'GET', path);
    expect(got.headers.get('etag')).toBe('"1"');

    // FREE_SHIPPING takes value 0; a window must end after it starts.
    const fs = await send(s.manager, 'POST', PROMOTIONS, {
      body: { code: 'SHIPFREE', kind: 'FREE_SHIPPING', value: 5, currency: 'USD' },
    });
    expect((await problemOf(fs)).errors?.map((e) => e.field)).toEqual(['body.value']);
    const window = await send(s.manager, 'POST', PROMOTIONS, {
      body: {
        code: 'W1',
        kind: 'PERCENT',
        value: 5,
        currency: 'USD',
        startsAt: '2026-12-02T00:00:00Z',
        endsAt: '2026-12-01T00:00:00Z',
      },
    });
    expect((await problemOf(window)).errors?.map((e) => e.field)).toEqual(['body.endsAt']);

    // A cursor walks the list newest first.
    await createPromotion(s.manager);
    await createPromotion(s.manager);
    const first = (await (await send(s.manager, 'GET', `${PROMOTIONS}?limit=2`)).json()) as {
      data: { id: string }[];
      nextCursor: string | null;
    };
    expect(first.data).toHaveLength(2);
    const second = (await (
      await send(s.manager, 'GET', `${PROMOTIONS}?limit=2&cursor=${first.nextCursor}`)
    ).json()) as { data: { id: string }[]; nextCursor: string | null };
    expect(second.data.map((d) => d.id)).toEqual([p.id]);
    expect(second.nextCursor).toBeNull();

    // Delete needs If-Match too; an unused code goes.
    expect((await send(s.manager, 'DELETE', path)).status).toBe(428);
    expect((await send(s.manager, 'DELETE', path, { headers: { 'if-match': '"1"' } })).status).toBe(204);
    expect((await send(s.manager, 'GET', path)).status).toBe(404);
  });

  it("another tenant's promotion is 404 to staff and its code unknown at checkout", async () => {
    const a = await checkoutShop();
    const b = await checkoutShop();
    const promo = await createPromotion(a.manager, { code: `ONLYA${crypto.randomUUID().slice(0, 6)}` });
    expect((await send(b.manager, 'GET', `${PROMOTIONS}/${promo.id}`)).status).toBe(404);
    expect((await send(b.manager, 'GET', `${PROMOTIONS}/${promo.id}/redemptions`)).status).toBe(404);
    const res = await order(b.user, { lines: lines(b.product), promotionCode: promo.code });
    expect(await refusal(res)).toBe('promotion-code-unknown');
  });
});

describe('checkout with a code', () => {
  it('10% off lands in orders.discount, the payment is the discounted total, history and redemptions show it', async () => {
    const s = await checkoutShop(5, '20.00');
    const promo = await createPromotion(s.manager, { code: `Pct${crypto.randomUUID().slice(0, 6)}`, usageLimit: 3 });
    // 2 x 20.00 = 40.00; 10% = 4.00; tax 8% of 36.00 = 2.88; shipping 5.99 (below 50.00): 44.87.
    const placed = await placeAndSettle(s.user, {
      lines: lines(s.product, 2),
      promotionCode: promo.code.toLowerCase(),
    });
    expect(placed.saga?.status).toBe('COMPLETED');
    expect(placed.order).toMatchObject({
      status: 'CONFIRMED',
      subtotal: '40.00',
      discount: '4.00',
      tax: '2.88',
      shipping: '5.99',
      total: '44.87',
    });
    const payment = await send(s.user, 'GET', `${ORDERS}/${placed.order.id}/payment`);
    expect(await payment.json()).toMatchObject({ status: 'COMPLETED', amount: '44.87' });

    const saga = (await (await send(s.admin, 'GET', `${ORDERS}/${placed.order.id}/saga`)).json()) as {
      history: { event: { type: string; code?: string; amount?: string } }[];
    };
    expect(saga.history.find((h) => h.event.type === 'PROMOTION_APPLIED')?.event).toMatchObject({
      code: promo.code,
      amount: '4.00',
    });

    const redemptions = (await (await send(s.manager, 'GET', `${PROMOTIONS}/${promo.id}/redemptions`)).json()) as {
      data: { orderId: string; userId: string; amount: string; releasedAt: string | null }[];
    };
    expect(redemptions.data).toEqual([
      expect.objectContaining({ orderId: placed.order.id, userId: s.user.id, amount: '4.00', releasedAt: null }),
    ]);
    expect((await promotionRows(s.tenantId, promo.id)).promotion?.timesUsed).toBe(1);

    // The same Idempotency-Key again: the same order, no second use.
    const key = `key-${crypto.randomUUID()}`;
    const body = { lines: lines(s.product), promotionCode: promo.code };
    const once = await placeAndSettle(s.user, body, key);
    const twice = await placeAndSettle(s.user, body, key);
    expect(twice.order.id).toBe(once.order.id);
    expect((await promotionRows(s.tenantId, promo.id)).promotion?.timesUsed).toBe(2);
  });

  it('twins (one Idempotency-Key, sent at once) make one order and take one use, even of a last use', async () => {
    const s = await checkoutShop(10, '20.00');
    for (const usageLimit of [1, null]) {
      const promo = await createPromotion(s.manager, { usageLimit });
      const key = `key-${crypto.randomUUID()}`;
      const body = { lines: lines(s.product), promotionCode: promo.code };
      const twins = await Promise.all(Array.from({ length: 4 }, () => order(s.user, body, { key })));
      expect(twins.map((r) => r.status)).toEqual([202, 202, 202, 202]);
      const ids = new Set(await Promise.all(twins.map(async (r) => ((await r.json()) as PlacedOrder).order.id)));
      expect(ids.size).toBe(1);
      const rows = await promotionRows(s.tenantId, promo.id);
      expect(rows.promotion?.timesUsed).toBe(1);
      expect(rows.redemptions).toHaveLength(1);
    }
  });

  it('FIXED_AMOUNT is capped at the subtotal (total never below zero); FREE_SHIPPING zeroes the shipping', async () => {
    const s = await checkoutShop(5, '3.00');
    const fixed = await createPromotion(s.manager, { kind: 'FIXED_AMOUNT', value: 1000 });
    const a = await placeAndSettle(s.user, { lines: lines(s.product), promotionCode: fixed.code });
    expect(a.order).toMatchObject({ subtotal: '3.00', discount: '3.00', tax: '0.00', shipping: '5.99', total: '5.99' });

    const ship = await createPromotion(s.manager, { kind: 'FREE_SHIPPING', value: 0 });
    const b = await placeAndSettle(s.user, { lines: lines(s.product), promotionCode: ship.code });
    expect(b.order).toMatchObject({ subtotal: '3.00', discount: '0.00', tax: '0.24', shipping: '0.00', total: '3.24' });
    const rows = await promotionRows(s.tenantId, ship.id);
    expect(rows.redemptions.map((r) => r.amount)).toEqual(['5.99']);
  });

  it('each refused code answers 422 naming promotionCode, and nothing is written', async () => {
    const s = await checkoutShop(5, '20.00');
    const hour = 3600_000;
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>?]> = [
      ['promotion-code-inactive', { active: false }],
      ['promotion-code-expired', { endsAt: new Date(Date.now() - hour).toISOString() }],
      ['promotion-code-not-started', { startsAt: new Date(Date.now() + hour).toISOString() }],
      ['promotion-code-wrong-currency', { currency: 'EUR' }],
      ['promotion-code-minimum-subtotal', { minSubtotalMinor: 5000 }],
      ['promotion-code-out-of-scope', { productIds: ['0123456789abcdef01234567'] }],
      ['promotion-code-out-of-scope', { categoryIds: ['no-such-category'] }],
    ];
    for (const [type, over] of cases) {
      const promo = await createPromotion(s.manager, over);
      const res = await order(s.user, { lines: lines(s.product), promotionCode: promo.code });
      expect(await refusal(res), JSON.stringify(over)).toBe(type);
      const rows = await promotionRows(s.tenantId, promo.id);
      expect(rows.promotion?.timesUsed).toBe(0);
      expect(rows.redemptions).toEqual([]);
    }
    expect(await refusal(await order(s.user, { lines: lines(s.product), promotionCode: 'NO-SUCH-CODE' }))).toBe(
      'promotion-code-unknown',
    );
    // Exhausted: one use, taken.
    const one = await createPromotion(s.manager, { usageLimit: 1 });
    await placeAndSettle(s.user, { lines: lines(s.product), promotionCode: one.code });
    expect(await refusal(await order(s.user, { lines: lines(s.product), promotionCode: one.code }))).toBe(
      'promotion-code-exhausted',
    );
    // None of the refused requests wrote an order: only the one that used the code exists.
    const mine = (await (await send(s.user, 'GET', ORDERS)).json()) as { data: unknown[] };
    expect(mine.data).toHaveLength(1);
  });

  it('a code in scope by product discounts only that product', async () => {
    const s = await checkoutShop(5, '20.00');
    const other = await createProduct(s.manager, { price: '10.00' });
    const promo = await createPromotion(s.manager, { value: 5000, productIds: [other.id] });
    const placed = await placeAndSettle(s.user, {
      lines: [...lines(s.product), ...lines(other)],
      promotionCode: promo.code,
    });
    expect(placed.order).toMatchObject({ subtotal: '30.00', discount: '5.00' });
  });

  it('per-customer limit: a second use by the same customer is refused, another customer may', async () => {
    const s = await checkoutShop(5, '20.00');
    const promo = await createPromotion(s.manager, { perCustomerLimit: 1 });
    await placeAndSettle(s.user, { lines: lines(s.product), promotionCode: promo.code });
    expect(await refusal(await order(s.user, { lines: lines(s.product), promotionCode: promo.code }))).toBe(
      'promotion-code-customer-limit',
    );
    const other = await registerUser(s.tenantId);
    const placed = await placeAndSettle(other, { lines: lines(s.product), promotionCode: promo.code });
    expect(placed.order.discount).toBe('2.00');
  });

  it('per-customer limit under concurrency: 5 orders of one customer at once, limit 1, exactly one gets it', async () => {
    const s = await checkoutShop(10, '20.00');
    const promo = await createPromotion(s.manager, { perCustomerLimit: 1 });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => order(s.user, { lines: lines(s.product), promotionCode: promo.code })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([202, 422, 422, 422, 422]);
    expect((await promotionRows(s.tenantId, promo.id)).redemptions).toHaveLength(1);
  });
});

describe('compensation gives the use back', () => {
  it('a cancelled order releases its redemption (trigger on the move to CANCELLED): the customer may use it again', async () => {
    const s = await checkoutShop(5, '20.00');
    const promo = await createPromotion(s.manager, { usageLimit: 1, perCustomerLimit: 1 });
    const placed = await placeAndSettle(s.user, { lines: lines(s.product), promotionCode: promo.code });
    expect(placed.order.status).toBe('CONFIRMED');
    const cancel = await send(s.user, 'POST', `${ORDERS}/${placed.order.id}/cancel`, {
      body: { reason: 'changed my mind' },
      headers: { prefer: 'wait=10' },
    });
    expect(cancel.status).toBe(202);
    expect((await orderRow(s.tenantId, placed.order.id))?.status).toBe('CANCELLED');
    const rows = await promotionRows(s.tenantId, promo.id);
    expect(rows.promotion?.timesUsed).toBe(0);
    expect(rows.redemptions).toHaveLength(1);
    expect(rows.redemptions[0]?.releasedAt).not.toBeNull();
    const again = await placeAndSettle(s.user, { lines: lines(s.product), promotionCode: promo.code });
    expect(again.order.discount).toBe('2.00');
  });

  it('a declined payment compensates the saga: the order is CANCELLED and the use released', async () => {
    const s = await checkoutShop(5, '20.00');
    const promo = await createPromotion(s.manager, { usageLimit: 1 });
    const placed = await placeAndSettle(s.user, {
      lines: lines(s.product),
      promotionCode: promo.code,
      paymentMethod: { type: 'card', token: 'pm_test_declined' },
    });
    expect(placed.saga?.status).toBe('COMPENSATED');
    expect(placed.order.status).toBe('CANCELLED');
    const rows = await promotionRows(s.tenantId, promo.id);
    expect(rows.promotion?.timesUsed).toBe(0);
    expect(rows.redemptions[0]?.releasedAt).not.toBeNull();
    const listed = (await (await send(s.manager, 'GET', `${PROMOTIONS}/${promo.id}/redemptions`)).json()) as {
      data: { releasedAt: string | null }[];
    };
    expect(listed.data[0]?.releasedAt).not.toBeNull();
  });
});

describe('an order deleted with its redemption', () => {
  it('gives the use back (trigger on the redemption cascade), and a released one is not given back twice', async () => {
    const s = await checkoutShop(5, '20.00');
    const promo = await createPromotion(s.manager, { usageLimit: 5 });
    const kept = await placeAndSettle(s.user, { lines: lines(s.product), promotionCode: promo.code });
    const cancelled = await placeAndSettle(s.user, { lines: lines(s.product), promotionCode: promo.code });
    await send(s.user, 'POST', `${ORDERS}/${cancelled.order.id}/cancel`, { body: {}, headers: { prefer: 'wait=10' } });
    expect((await promotionRows(s.tenantId, promo.id)).promotion?.timesUsed).toBe(1);
    await inTenantTx(stores.pg('orders').db, s.tenantId, (tx) =>
      tx.delete(orders).where(inArray(orders.id, [kept.order.id, cancelled.order.id])),
    );
    const rows = await promotionRows(s.tenantId, promo.id);
    expect(rows.redemptions).toEqual([]);
    expect(rows.promotion?.timesUsed).toBe(0);
  });
});

describe('checkPromotionCode (a cart asks before checkout)', () => {
  it('answers the discount without taking a use; refusals name the field the caller gives; other tenants see unknown', async () => {
    const a = await checkoutShop(5, '20.00');
    const b = await checkoutShop(5, '20.00');
    const promo = await createPromotion(a.manager, { usageLimit: 1, perCustomerLimit: 1 });
    const cart = {
      subtotalMinor: 4000,
      shippingMinor: 599,
      currency: 'USD',
      lines: [{ productId: a.product.id, categoryIds: [], quantity: 2, unitPriceMinor: 2000 }],
      now: new Date(),
    };
    const svc = (tenantId: string) => ({ env, stores, tenantId, principal: null, logger: createLogger('error') });
    expect(
      await checkPromotionCode(svc(a.tenantId), { code: promo.code.toLowerCase(), userId: a.user.id, order: cart }),
    ).toEqual({
      code: promo.code,
      discountMinor: 400,
      freeShipping: false,
    });
    expect((await promotionRows(a.tenantId, promo.id)).promotion?.timesUsed).toBe(0);
    const refused = await checkPromotionCode(svc(b.tenantId), {
      code: promo.code,
      userId: b.user.id,
      field: 'body.code',
      order: cart,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Problem);
    expect((refused as Problem).hasType('promotion-code-unknown')).toBe(true);
    expect((refused as Problem).errors?.map((e) => e.field)).toEqual(['body.code']);
    // Once the customer used it, the check says so.
    await placeAndSettle(a.user, { lines: lines(a.product), promotionCode: promo.code });
    const again = await checkPromotionCode(svc(a.tenantId), { code: promo.code, userId: a.user.id, order: cart }).catch(
      (e: unknown) => e,
    );
    expect((again as Problem).hasType('promotion-code-exhausted')).toBe(true);
  });
});
