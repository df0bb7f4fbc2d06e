/**
 * Undersell (issue 15, item 7). The rule: when the units an order needs are held by
 * other orders still in checkout (reserved, neither confirmed nor given back), its
 * RESERVE_STOCK waits for them (bounded by ORDER_SAGA_STOCK_WAIT_SECONDS) instead of
 * failing "out of stock" for good; units sold to confirmed orders fail it at once.
 *
 * The holder here is an order frozen in the middle of PROCESS_PAYMENT (its saga
 * rewound to "stock reserved, payment running", its alarm removed), so what the
 * waiting order sees does not depend on timing.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

import { sagaExecutions } from '../../src/db/pg/schema/orders.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import type { OrderSaga } from '../../src/durable/order-saga.ts';
import type { SagaState } from '../../src/services/orders/saga/state.ts';
import {
  cancelOrder,
  checkoutShop,
  eventually,
  jsonOf,
  lines,
  placeOrder as order,
  placeAndSettle,
  productStock,
  sagaSettled,
} from '../fixtures/index.ts';
import { orderRow } from './checkout-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

const stub = (orderId: string) => env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(orderId));

/** Freezes a completed order's saga back in PROCESS_PAYMENT: its unit is held by an order "in checkout". */
async function freezeInPayment(tenantId: string, orderId: string): Promise<void> {
  await runInDurableObject(stub(orderId), async (_obj: OrderSaga, state) => {
    const old: SagaState = JSON.parse(
      state.storage.sql.exec<{ state: string }>('SELECT state FROM saga WHERE id = 1').one().state,
    );
    const frozen: SagaState = {
      ...old,
      status: 'IN_PROGRESS',
      currentStep: 1,
      completedSteps: ['RESERVE_STOCK'],
      updatedAt: new Date().toISOString(),
    };
    state.storage.sql.exec('UPDATE saga SET state = ? WHERE id = 1', JSON.stringify(frozen));
    await state.storage.deleteAlarm();
  });
  await inTenantTx(stores.pg('orders').db, tenantId, (tx) =>
    tx
      .update(sagaExecutions)
      .set({
        status: 'IN_PROGRESS',
        currentStep: 1,
        context: sql`jsonb_set(${sagaExecutions.context}, '{completedSteps}', '["RESERVE_STOCK"]'::jsonb)`,
      })
      .where(eq(sagaExecutions.aggregateId, orderId)),
  );
}

const waits = async (orderId: string) =>
  (await stub(orderId).history()).filter((h) => h.event.type === 'STEP_WAIT').length;

describe('RESERVE_STOCK and units held by orders in checkout', () => {
  it('waits for a unit held by an order whose payment then fails, and sells it', async () => {
    const s = await checkoutShop(1);
    const holder = await placeAndSettle(s.user, { lines: lines(s.product) });
    expect(await productStock(s.manager, s.product.id)).toBe(0);
    await freezeInPayment(s.tenantId, holder.order.id);

    const res = await order(s.admin, { lines: lines(s.product) });
    const { order: waiting } = await jsonOf(res, 202);
    await eventually(async () => (await waits(waiting.id)) > 0, 10_000);
    expect((await stub(waiting.id).state())?.status).toBe('STARTED');

    // The holder's checkout ends without the sale (here a cancel): its unit comes back and is sold.
    const cancel = await cancelOrder(s.user, holder.order.id, { reason: 'gone' });
    expect(cancel.status).toBe(202);
    expect((await sagaSettled(holder.order.id)).status).toBe('COMPENSATED');
    expect((await sagaSettled(waiting.id, 30_000)).status).toBe('COMPLETED');
    expect(await orderRow(s.tenantId, waiting.id)).toMatchObject({ status: 'CONFIRMED' });
    expect(await orderRow(s.tenantId, holder.order.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await productStock(s.manager, s.product.id)).toBe(0);
  });

  it('stops waiting, out of stock, once the holder completes its checkout', async () => {
    const s = await checkoutShop(1);
    const holder = await placeAndSettle(s.user, { lines: lines(s.product) });
    await freezeInPayment(s.tenantId, holder.order.id);
    const res = await order(s.admin, { lines: lines(s.product) });
    const { order: waiting } = await jsonOf(res, 202);
    await eventually(async () => (await waits(waiting.id)) > 0, 10_000);

    // The holder resumes: its payment is found captured, it confirms, the unit is sold to it.
    await runInDurableObject(stub(holder.order.id), (_obj: OrderSaga, state) => state.storage.setAlarm(Date.now()));
    expect((await sagaSettled(holder.order.id)).status).toBe('COMPLETED');
    const lost = await sagaSettled(waiting.id, 30_000);
    expect(lost).toMatchObject({ status: 'COMPENSATED' });
    expect(lost.errorMessage).toContain('only 0 of 1 in stock');
    expect(await productStock(s.manager, s.product.id)).toBe(0);
  });

  it('sold to confirmed orders: fails at once, without waiting', async () => {
    const s = await checkoutShop(1);
    await placeAndSettle(s.user, { lines: lines(s.product) });
    const late = await placeAndSettle(s.admin, { lines: lines(s.product) });
    expect(late.saga?.status).toBe('COMPENSATED');
    expect(await waits(late.order.id)).toBe(0);
  });
});
