/**
 * The redemption race (issue #20): a code's uses are taken in the ONE transaction that writes the
 * order, on condition that the promotion's row, locked first, still allows them
 * (services/promotions/redeem.ts, services/orders/order-insert.ts), so however many orders
 * race for the last uses, exactly as many get the discount as there were uses left. Runs in
 * the contended group (vitest.config.ts): it makes its own contention.
 */
import { env } from 'cloudflare:workers';
import { eq, inArray, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { orders, sagaStarts } from '../../src/db/pg/schema/orders.ts';
import { promotionRedemptions, promotions, type Promotion } from '../../src/db/pg/schema/promotions.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { systemContext } from '../../src/services/context.ts';
import { insertOrder } from '../../src/services/orders/order-insert.ts';
import { createProduct } from './catalog-helpers.ts';
import { lines, order, sagaSettled, type PlacedOrder } from './checkout-helpers.ts';
import { problemOf } from './helpers.ts';
import { createTenant, grantRole, registerUser, type TestUser } from './identity-helpers.ts';
import { createPromotion, promotionRows } from './promotions-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

/** POST /orders without waiting; a 503 (store overloaded) is retried with the same key, as a client would. */
async function placeOnce(user: TestUser, body: Record<string, unknown>): Promise<Response> {
  const key = `key-${crypto.randomUUID()}`;
  for (let attempt = 1; ; attempt++) {
    const res = await order(user, body, { key });
    if (res.status !== 503 || attempt === 5) return res;
    await new Promise((r) => setTimeout(r, 300 * attempt));
  }
}

describe('the last uses of a code under contention', () => {
  it('50 concurrent orders, 10 uses left: exactly 10 get the discount, 40 are refused as exhausted', async () => {
    const tenantId = await createTenant({ maxUsers: 100 });
    const manager = await grantRole(await registerUser(tenantId), 'MANAGER');
    const product = await createProduct(manager, { stockQuantity: 60, price: '20.00' });
    const promo = await createPromotion(manager, { usageLimit: 10 });
    const buyers = await Promise.all(Array.from({ length: 10 }, () => registerUser(tenantId)));

    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        placeOnce(buyers[i % 10]!, { lines: lines(product), promotionCode: promo.code }),
      ),
    );
    const elapsed = Date.now() - started;
    const accepted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status === 422);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(40);
    const types = new Set(await Promise.all(refused.map(async (r) => (await problemOf(r)).type)));
    expect([...types]).toEqual(['https://errors.ecommerce-edge.dev/promotion-code-exhausted']);
    const placed = (await Promise.all(accepted.map((r) => r.json()))) as PlacedOrder[];
    expect(placed.every((p) => p.order.discount === '2.00')).toBe(true);

    const rows = await promotionRows(tenantId, promo.id);
    expect(rows.promotion?.timesUsed).toBe(10);
    expect(rows.redemptions).toHaveLength(10);
    expect(new Set(rows.redemptions.map((r) => r.orderId))).toEqual(new Set(placed.map((p) => p.order.id)));
    console.info(`promotion race: 50 orders for 10 uses answered in ${elapsed} ms`);
    // Let the 10 sagas finish before the next file runs.
    const settled = await Promise.all(placed.map((p) => sagaSettled(p.order.id, 90_000)));
    expect(settled.every((s) => s.status === 'COMPLETED')).toBe(true);
  }, 240_000);

  it('for any uses left and any number of racing order writes, exactly min(left, racers) claims commit', async () => {
    const tenantId = await createTenant();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 16 }), async (left, racers) => {
        const promotion = await newPromotion(tenantId, { usageLimit: left });
        const outcomes = await Promise.all(
          Array.from({ length: racers }, () => racingOrder(tenantId, promotion, crypto.randomUUID())),
        );
        const won = outcomes.filter((o) => o.placed).length;
        const rows = await claimRows(tenantId, promotion.id);
        return won === Math.min(left, racers) && rows.used === won && rows.redemptions === won && rows.orders === won;
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it("one customer's racing orders: exactly min(per-customer limit, racers) claims commit (the count is read under the lock)", async () => {
    const tenantId = await createTenant();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 8 }), async (limit, racers) => {
        const promotion = await newPromotion(tenantId, { perCustomerLimit: limit });
        const userId = crypto.randomUUID();
        const outcomes = await Promise.all(
          Array.from({ length: racers }, () => racingOrder(tenantId, promotion, userId)),
        );
        const won = outcomes.filter((o) => o.placed).length;
        const rows = await claimRows(tenantId, promotion.id);
        return won === Math.min(limit, racers) && rows.used === won && rows.redemptions === won && rows.orders === won;
      }),
      { numRuns: 10 },
    );
  }, 120_000);

  it('a claim on a promotion edited since it was read writes nothing', async () => {
    const tenantId = await createTenant();
    const promotion = await newPromotion(tenantId, { usageLimit: 5 });
    await inTenantTx(stores.pg('orders').db, tenantId, (tx) =>
      tx
        .update(promotions)
        .set({ version: sql`${promotions.version} + 1` })
        .where(eq(promotions.id, promotion.id)),
    );
    const outcome = await racingOrder(tenantId, promotion, crypto.randomUUID());
    expect(outcome).toEqual({ placed: false, holder: false });
    expect(await claimRows(tenantId, promotion.id)).toEqual({ used: 0, redemptions: 0, orders: 0 });
  });
});

async function newPromotion(tenantId: string, limits: { usageLimit?: number; perCustomerLimit?: number }) {
  const code = `R${crypto.randomUUID().slice(0, 12)}`;
  const [row] = await inTenantTx(stores.pg('orders').db, tenantId, (tx) =>
    tx
      .insert(promotions)
      .values({ tenantId, code, kind: 'PERCENT', value: 1000, currency: 'USD', ...limits })
      .returning(),
  );
  return row!;
}

/**
 * The write of POST /orders (order-insert.ts) for a claim evaluated on the promotion as created,
 * as racers make it: each its own order id and Idempotency-Key. Its saga start record is removed
 * (no saga runs here, and the sweeper must not adopt it).
 */
async function racingOrder(tenantId: string, promotion: Promotion, userId: string) {
  const ctx = systemContext(env, stores, createLogger('error'), tenantId);
  const id = crypto.randomUUID();
  const holder = await insertOrder(ctx, {
    order: {
      id,
      userId,
      paymentMethod: 'card',
      currency: 'USD',
      totals: { subtotalMinor: 1000, discountMinor: 100, shippingMinor: 0, taxMinor: 0, totalMinor: 900 },
      address: { street: 'Main St 1', city: 'Springfield', state: 'IL', zipCode: '62701', country: 'US' },
      idempotencyKey: `race-${crypto.randomUUID()}`,
      requestFingerprint: 'race',
    },
    items: [{ productId: 'aaaaaaaaaaaaaaaaaaaaaaaa', name: 'Racer', sku: null, quantity: 1, unitPriceMinor: 1000 }],
    claim: { promotionId: promotion.id, version: promotion.version, tenantId, userId, amountMinor: 100 },
  });
  if (holder)
    await inTenantTx(stores.pg('orders').db, tenantId, (tx) => tx.delete(sagaStarts).where(eq(sagaStarts.orderId, id)));
  return { placed: holder?.order.id === id, holder: holder !== null };
}

/** The promotion's use count, its redemptions and the orders that carry them. */
async function claimRows(tenantId: string, promotionId: string) {
  return inTenantTx(stores.pg('orders').db, tenantId, async (tx) => {
    const [row] = await tx
      .select({ used: promotions.timesUsed })
      .from(promotions)
      .where(eq(promotions.id, promotionId));
    const redeemed = await tx
      .select({ orderId: promotionRedemptions.orderId })
      .from(promotionRedemptions)
      .where(eq(promotionRedemptions.promotionId, promotionId));
    const placed = redeemed.length
      ? await tx
          .select({ id: orders.id })
          .from(orders)
          .where(
            inArray(
              orders.id,
              redeemed.map((r) => r.orderId),
            ),
          )
      : [];
    return { used: row?.used ?? -1, redemptions: redeemed.length, orders: placed.length };
  });
}
