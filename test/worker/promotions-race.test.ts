/**
 * The redemption race (issue #20): a code's uses are taken by ONE conditional UPDATE in the
 * transaction that writes the order (services/promotions/redeem.ts), so however many orders
 * race for the last uses, exactly as many get the discount as there were uses left. Runs in
 * the contended group (vitest.config.ts): it makes its own contention.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { orders } from '../../src/db/pg/schema/orders.ts';
import { promotions } from '../../src/db/pg/schema/promotions.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { Problem } from '../../src/lib/problem.ts';
import { claimPromotion, recordRedemption } from '../../src/services/promotions/index.ts';
import {
  createProduct,
  createPromotion,
  createTenant,
  grantRole,
  jsonOf,
  lines,
  placeOrder,
  problemOf,
  registerUser,
  sagaSettled,
  type OrderInput,
  type TestUser,
} from '../fixtures/index.ts';
import { promotionRows } from './promotions-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

/** POST /orders without waiting; a 503 (store overloaded) is retried with the same key, as a client would. */
async function placeOnce(user: TestUser, body: Pick<OrderInput, 'lines' | 'promotionCode'>) {
  const key = `key-${crypto.randomUUID()}`;
  for (let attempt = 1; ; attempt++) {
    const res = await placeOrder(user, body, { key });
    const status: number = res.status; // 503: the store is overloaded (not among the route's declared answers)
    if (status !== 503 || attempt === 5) return res;
    await new Promise((r) => setTimeout(r, 300 * attempt));
  }
}

/** A response's status as a number: 422 is not among POST /orders' declared answers. */
const statusOf = (res: { status: number }): number => res.status;

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
    const refused = results.filter((r) => statusOf(r) === 422);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(40);
    const types = new Set(await Promise.all(refused.map(async (r) => (await problemOf(r)).type)));
    expect([...types]).toEqual(['https://errors.ecommerce-edge.dev/promotion-code-exhausted']);
    const placed = await Promise.all(accepted.map((r) => jsonOf(r, 202)));
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

  it('for any uses left and any number of racing transactions, exactly min(left, racers) claims commit', async () => {
    const tenantId = await createTenant();
    const { db } = stores.pg('orders');
    const order = { subtotalMinor: 1000, shippingMinor: 0, currency: 'USD', lines: [], now: new Date() };
    const line = { productId: 'aaaaaaaaaaaaaaaaaaaaaaaa', categoryIds: [], quantity: 1, unitPriceMinor: 1000 };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 16 }), async (left, racers) => {
        const code = `R${crypto.randomUUID().slice(0, 12)}`;
        await inTenantTx(db, tenantId, (tx) =>
          tx
            .insert(promotions)
            .values({ tenantId, code, kind: 'PERCENT', value: 1000, currency: 'USD', usageLimit: left }),
        );
        const outcomes = await Promise.allSettled(
          Array.from({ length: racers }, () =>
            inTenantTx(db, tenantId, async (tx) => {
              const claimed = await claimPromotion(tx, code, crypto.randomUUID(), { ...order, lines: [line] });
              await new Promise((r) => setTimeout(r, 5)); // hold the lock a moment, as an order's inserts do
              return claimed;
            }),
          ),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled').length;
        const lost = outcomes.filter(
          (o) => o.status === 'rejected' && o.reason instanceof Problem && o.reason.hasType('promotion-code-exhausted'),
        ).length;
        const [row] = await inTenantTx(db, tenantId, (tx) =>
          tx
            .select({ used: promotions.timesUsed })
            .from(promotions)
            .where(sql`lower(${promotions.code}) = lower(${code})`),
        );
        return won === Math.min(left, racers) && won + lost === racers && row?.used === won;
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it("one customer's racing orders: exactly min(per-customer limit, racers) claims commit (the count is read under the lock)", async () => {
    const tenantId = await createTenant();
    const { db } = stores.pg('orders');
    const cart = { subtotalMinor: 1000, shippingMinor: 0, currency: 'USD', now: new Date() };
    const line = { productId: 'aaaaaaaaaaaaaaaaaaaaaaaa', categoryIds: [], quantity: 1, unitPriceMinor: 1000 };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 8 }), async (limit, racers) => {
        const code = `K${crypto.randomUUID().slice(0, 12)}`;
        const userId = crypto.randomUUID();
        await inTenantTx(db, tenantId, (tx) =>
          tx
            .insert(promotions)
            .values({ tenantId, code, kind: 'PERCENT', value: 1000, currency: 'USD', perCustomerLimit: limit }),
        );
        const outcomes = await Promise.allSettled(
          Array.from({ length: racers }, () =>
            inTenantTx(db, tenantId, async (tx) => {
              const claimed = await claimPromotion(tx, code, userId, { ...cart, lines: [line] });
              // What place-order writes next, holding the promotion's row lock meanwhile.
              const [o] = await tx
                .insert(orders)
                .values({ tenantId, userId, orderNumber: `T-${crypto.randomUUID()}`, subtotal: '10.00', total: '9.00' })
                .returning({ id: orders.id });
              await new Promise((r) => setTimeout(r, 5));
              await recordRedemption(tx, {
                tenantId,
                promotionId: claimed.promotion.id,
                orderId: o!.id,
                userId,
                amountMinor: 100,
              });
            }),
          ),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled').length;
        const lost = outcomes.filter(
          (o) =>
            o.status === 'rejected' && o.reason instanceof Problem && o.reason.hasType('promotion-code-customer-limit'),
        ).length;
        return won === Math.min(limit, racers) && won + lost === racers;
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});
