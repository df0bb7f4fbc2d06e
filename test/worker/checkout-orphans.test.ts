/**
 * An order written without its saga (issue 15, item 5): the Worker died between the
 * order's transaction and the Durable Object call. The start is durable: the order's
 * transaction writes a start record, the saga's first mirror removes it, and a
 * scheduled sweeper hands records past their grace period to the order's object, which
 * cancels an order that has no saga. A cancel of such an order actually cancels it.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

import { orderItems, orders, sagaExecutions, sagaStarts } from '../../src/db/pg/schema/orders.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import worker from '../../src/index.ts';
import { productIdAsUuid } from '../../src/lib/ids.ts';
import {
  apiAs,
  cancelOrder,
  checkoutShop,
  eventually,
  jsonOf,
  lines,
  placeAndSettle,
  productStock,
  sagaSettled,
  type Product,
  type TestUser,
} from '../fixtures/index.ts';
import { orderRow } from './checkout-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

const stub = (orderId: string) => env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(orderId));

/** What placeOrder's transaction leaves when the Worker dies right after it: order, items, start record. */
async function orphanOrder(tenantId: string, user: TestUser, product: Product, startedSecondsAgo: number) {
  return inTenantTx(stores.pg('orders').db, tenantId, async (tx) => {
    const [order] = await tx
      .insert(orders)
      .values({
        tenantId,
        userId: user.id,
        orderNumber: sql`'ORD-' || to_char(now(), 'YYYY') || '-' || lpad(nextval('orders.order_number_seq')::text, 6, '0')`,
        paymentMethod: 'card',
        subtotal: '10.00',
        total: '10.00',
        currency: 'USD',
        idempotencyKey: `orphan-${crypto.randomUUID()}`,
      })
      .returning();
    await tx.insert(orderItems).values({
      tenantId,
      orderId: order!.id,
      productId: productIdAsUuid(product.id),
      productName: product.name,
      quantity: 1,
      unitPrice: '10.00',
      totalPrice: '10.00',
    });
    await tx.insert(sagaStarts).values({
      orderId: order!.id,
      tenantId,
      createdAt: sql`now() - make_interval(secs => ${startedSecondsAgo})`,
    });
    return order!;
  });
}

const startRecord = async (tenantId: string, orderId: string) =>
  (
    await inTenantTx(stores.pg('orders').db, tenantId, (tx) =>
      tx.select().from(sagaStarts).where(eq(sagaStarts.orderId, orderId)),
    )
  )[0];

async function sweep(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('the durable start of an order saga', () => {
  it("a placed order's start record is written with it and removed by the saga's first mirror", async () => {
    const s = await checkoutShop();
    const placed = await placeAndSettle(s.user, { lines: lines(s.product) });
    expect(placed.order.status).toBe('CONFIRMED');
    expect(await startRecord(s.tenantId, placed.order.id)).toBeUndefined();
  });

  it('cancelling an order whose saga never started cancels it (it used to answer 202 and do nothing)', async () => {
    const s = await checkoutShop(3);
    const orphan = await orphanOrder(s.tenantId, s.user, s.product, 0);
    const saga = await apiAs(s.manager).orders[':id'].saga.$get({ param: { id: orphan.id } });
    expect((await jsonOf(saga, 200)).state).toBeNull();

    const res = await cancelOrder(s.user, orphan.id, { reason: 'never mind', wait: 10 });
    const body = await jsonOf(res, 202);
    expect(body.saga?.status).toBe('COMPENSATED');
    expect(body.order.status).toBe('CANCELLED');
    const [mirror] = await inTenantTx(stores.pg('orders').db, s.tenantId, (tx) =>
      tx.select().from(sagaExecutions).where(eq(sagaExecutions.aggregateId, orphan.id)),
    );
    expect(mirror).toMatchObject({ status: 'COMPENSATED' });
    expect(await startRecord(s.tenantId, orphan.id)).toBeUndefined();
    expect(await productStock(s.manager, s.product.id)).toBe(3);
    const types = await eventually(async () => {
      const docs = await stores
        .mongo()
        .collection<{ type: string }>('notifications')
        .find({ tenantId: s.tenantId, userId: s.user.id });
      return docs.length ? docs.map((d) => d.type) : null;
    });
    expect(types).toEqual(['ORDER_CANCELLED']);
  });

  it('the sweeper cancels an order whose saga never started once its grace period is over, and leaves younger ones', async () => {
    const s = await checkoutShop(3);
    const stale = await orphanOrder(s.tenantId, s.user, s.product, 3600);
    const fresh = await orphanOrder(s.tenantId, s.user, s.product, 0);
    // A saga that exists but whose record is stale (its first mirror not written yet) is only nudged.
    const running = await placeAndSettle(s.user, { lines: lines(s.product) });
    await inTenantTx(stores.pg('orders').db, s.tenantId, (tx) =>
      tx.insert(sagaStarts).values({
        orderId: running.order.id,
        tenantId: s.tenantId,
        createdAt: sql`now() - interval '1 hour'`,
      }),
    );

    await sweep();

    expect((await sagaSettled(stale.id)).status).toBe('COMPENSATED');
    expect((await stub(stale.id).state())?.cancelRequested).toBe('checkout did not start');
    expect(await orderRow(s.tenantId, stale.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await startRecord(s.tenantId, stale.id)).toBeUndefined();

    expect(await stub(fresh.id).state()).toBeNull();
    expect(await startRecord(s.tenantId, fresh.id)).toBeDefined();
    expect((await orderRow(s.tenantId, fresh.id))!.status).toBe('PENDING');

    expect((await stub(running.order.id).state())?.status).toBe('COMPLETED');
    expect(await orderRow(s.tenantId, running.order.id)).toMatchObject({ status: 'CONFIRMED' });
    expect(await startRecord(s.tenantId, running.order.id)).toBeUndefined();
    // Nothing was ever charged for the orphan.
    const payment = await apiAs(s.user).orders[':id'].payment.$get({ param: { id: stale.id } });
    expect(payment.status).toBe(404);
  });
});
