/**
 * The order saga as the Durable Object runs it, against real PostgreSQL, the real
 * Mongo-wire server, the real queue and the built-in test payment provider:
 * failures compensate, transient ones retry, stock is never oversold, and a saga
 * resumed from what a crash leaves in storage applies nothing twice.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

import { orders, sagaExecutions } from '../../src/db/pg/schema/orders.ts';
import { payments } from '../../src/db/pg/schema/payments.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import type { OrderSaga } from '../../src/durable/order-saga.ts';
import { sagaOf } from '../../src/services/orders/saga-client.ts';
import type { SagaState } from '../../src/services/orders/saga/state.ts';
import {
  ADDRESS,
  apiWithEnv,
  cancelOrder,
  checkoutShop,
  createProduct,
  createTenant,
  eventually,
  grantRole,
  jsonOf,
  lines,
  placeAndSettle,
  productStock,
  registerUser,
  sagaSettled,
} from '../fixtures/index.ts';
import { orderRow } from './checkout-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

const paymentOf = async (tenantId: string, orderId: string) =>
  (
    await inTenantTx(stores.pg('payments').db, tenantId, (tx) =>
      tx.select().from(payments).where(eq(payments.orderId, orderId)),
    )
  )[0];
const mirrorOf = async (tenantId: string, orderId: string) =>
  (
    await inTenantTx(stores.pg('orders').db, tenantId, (tx) =>
      tx.select().from(sagaExecutions).where(eq(sagaExecutions.aggregateId, orderId)),
    )
  )[0];
const notificationTypes = async (tenantId: string, userId: string) =>
  (await stores.mongo().collection<{ type: string }>('notifications').find({ tenantId, userId }))
    .map((d) => d.type)
    .sort();
const stub = (orderId: string) => env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(orderId));

describe('failures compensate', () => {
  it('a declined card: stock released, order CANCELLED, payment FAILED, saga COMPENSATED, customer told', async () => {
    const s = await checkoutShop(3);
    const placed = await placeAndSettle(s.user, {
      lines: lines(s.product, 2),
      paymentMethod: { type: 'card', token: 'pm_test_declined' },
    });
    expect(placed.saga).toMatchObject({
      status: 'COMPENSATED',
      errorMessage: expect.stringContaining('PROCESS_PAYMENT'),
    });
    expect(placed.order).toMatchObject({ status: 'CANCELLED', paymentStatus: 'FAILED' });
    expect(await productStock(s.manager, s.product.id)).toBe(3);
    expect(await paymentOf(s.tenantId, placed.order.id)).toMatchObject({
      status: 'FAILED',
      errorCode: 'card_declined',
    });
    expect(await mirrorOf(s.tenantId, placed.order.id)).toMatchObject({ status: 'COMPENSATED' });
    expect((await orderRow(s.tenantId, placed.order.id))!.cancelledAt).not.toBeNull();
    const types = await eventually(async () => {
      const t = await notificationTypes(s.tenantId, s.user.id);
      return t.length >= 2 ? t : null;
    });
    expect(types).toEqual(['ORDER_CANCELLED', 'PAYMENT_FAILED']);
  });

  it('out of stock fails RESERVE_STOCK: nothing to undo, nothing charged', async () => {
    const s = await checkoutShop(1);
    const placed = await placeAndSettle(s.user, { lines: lines(s.product, 2) });
    expect(placed.saga?.status).toBe('COMPENSATED');
    expect(placed.order).toMatchObject({ status: 'CANCELLED', paymentStatus: 'PENDING' });
    expect(await paymentOf(s.tenantId, placed.order.id)).toBeUndefined();
    expect(await productStock(s.manager, s.product.id)).toBe(1);
  });

  it('a provider that fails twice then succeeds is retried with backoff; the retries are recorded', async () => {
    const s = await checkoutShop();
    const placed = await placeAndSettle(s.user, {
      lines: lines(s.product),
      paymentMethod: { type: 'card', token: 'pm_test_transient_2' },
    });
    expect(placed.order).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'COMPLETED' });
    expect(await paymentOf(s.tenantId, placed.order.id)).toMatchObject({ status: 'COMPLETED', retryCount: 2 });
    expect((await mirrorOf(s.tenantId, placed.order.id))!.retryCount).toBe(2);
    const history = await stub(placed.order.id).history();
    expect(history.filter((h) => (h.event as { type: string }).type === 'STEP_RETRY')).toHaveLength(2);
  });

  it('a provider that keeps timing out is given up after the last attempt, and the order is compensated', async () => {
    const s = await checkoutShop(4);
    const placed = await placeAndSettle(s.user, {
      lines: lines(s.product, 2),
      paymentMethod: { type: 'card', token: 'pm_test_timeout' },
    });
    expect(placed.saga?.status).toBe('COMPENSATED');
    expect(placed.order.status).toBe('CANCELLED');
    expect(await productStock(s.manager, s.product.id)).toBe(4);
    expect((await mirrorOf(s.tenantId, placed.order.id))!.retryCount).toBe(4); // 5 attempts
  });

  it('a saga past its deadline compensates instead of running the next step', async () => {
    const s = await checkoutShop(2);
    const placed = await placeAndSettle(s.user, { lines: lines(s.product) });
    const saga = stub(placed.order.id);
    // Rewind to "stock reserved, payment not started", an hour ago.
    await runInDurableObject(saga, async (_obj: OrderSaga, state) => {
      const row = state.storage.sql.exec<{ state: string }>('SELECT state FROM saga WHERE id = 1').one();
      const old: SagaState = JSON.parse(row.state);
      const rewound: SagaState = {
        ...old,
        status: 'IN_PROGRESS',
        currentStep: 1,
        completedSteps: ['RESERVE_STOCK'],
        createdAt: new Date(Date.now() - 3_600_000).toISOString(),
        updatedAt: new Date().toISOString(),
      };
      state.storage.sql.exec('UPDATE saga SET state = ? WHERE id = 1', JSON.stringify(rewound));
      await state.storage.setAlarm(Date.now());
    });
    // The rewound saga has no payment yet in its eyes; the real one exists, so undo it too by cancelling it below.
    expect(await runDurableObjectAlarm(saga)).toBe(true);
    const settled = await sagaSettled(placed.order.id);
    expect(settled).toMatchObject({ status: 'COMPENSATED', errorMessage: 'PROCESS_PAYMENT: deadline exceeded' });
    expect(await productStock(s.manager, s.product.id)).toBe(2);
  });
});

describe('cancellation', () => {
  it('cancelling a confirmed order refunds the payment, releases the stock and notifies once', async () => {
    const s = await checkoutShop(5, '30.00');
    const placed = await placeAndSettle(s.user, { lines: lines(s.product, 2) });
    expect(await productStock(s.manager, s.product.id)).toBe(3);
    const res = await cancelOrder(s.user, placed.order.id, { reason: 'changed my mind', wait: 10 });
    const body = await jsonOf(res, 202);
    expect(body.saga?.status).toBe('COMPENSATED');
    expect(body.order).toMatchObject({ status: 'CANCELLED', paymentStatus: 'REFUNDED' });
    expect(await productStock(s.manager, s.product.id)).toBe(5);
    expect(await paymentOf(s.tenantId, placed.order.id)).toMatchObject({ status: 'REFUNDED' });
    const again = await cancelOrder(s.user, placed.order.id);
    expect(again.status).toBe(409);
    const types = await eventually(async () => {
      const t = await notificationTypes(s.tenantId, s.user.id);
      return t.length >= 3 ? t : null;
    });
    expect(types).toEqual(['ORDER_CANCELLED', 'ORDER_CONFIRMATION', 'REFUND_ISSUED']);
  });
});

describe('stock under contention', () => {
  it('50 concurrent orders from different users for the last unit: exactly one confirmed, stock never negative', async () => {
    const tenantId = await createTenant({ maxUsers: 100 });
    const manager = await grantRole(await registerUser(tenantId), 'MANAGER');
    const product = await createProduct(manager, { stockQuantity: 1 });
    const buyers = [];
    for (let i = 0; i < 50; i += 10)
      buyers.push(...(await Promise.all(Array.from({ length: 10 }, () => registerUser(tenantId)))));
    const results = await Promise.all(buyers.map((b) => placeAndSettle(b, { lines: lines(product) })));
    const settled = await Promise.all(results.map((r) => sagaSettled(r.order.id, 90_000)));
    const completed = settled.filter((st) => st.status === 'COMPLETED').length;
    // Exactly one winner, never oversold, and the stock agrees with it.
    expect(completed).toBe(1);
    expect(settled.filter((st) => st.status === 'COMPENSATED')).toHaveLength(49);
    expect(await productStock(manager, product.id)).toBe(0);
  }, 240_000);
});

describe('stock held by orders in checkout (issue 15, item 7)', () => {
  it('3 units, 24 concurrent orders with a mix of cards: all 3 sold, none left on the shelf', async () => {
    const tenantId = await createTenant({ maxUsers: 100 });
    const manager = await grantRole(await registerUser(tenantId), 'MANAGER');
    const product = await createProduct(manager, { stockQuantity: 3 });
    const buyers = [];
    for (let i = 0; i < 24; i += 8)
      buyers.push(...(await Promise.all(Array.from({ length: 8 }, () => registerUser(tenantId)))));
    // Per 8 buyers: 3 declined, 1 timing out (each attempt hangs 2 s), 1 failing twice then paying, 3 paying.
    // (The evidence in docs/checkout.md is the same mix at 5 units and 50 orders, run alone: too heavy for the suite.)
    const tokenOf = (i: number) =>
      i % 8 < 3
        ? 'pm_test_declined'
        : i % 8 === 3
          ? 'pm_test_timeout'
          : i % 8 === 4
            ? 'pm_test_transient_2'
            : 'pm_test_success';
    const results = await Promise.all(
      buyers.map((b, i) =>
        placeAndSettle(b, { lines: lines(product), paymentMethod: { type: 'card', token: tokenOf(i) } }),
      ),
    );
    const settled = await Promise.all(results.map((r) => sagaSettled(r.order.id, 200_000)));
    const confirmed = settled.filter((st) => st.status === 'COMPLETED').length;
    const waited = (
      await Promise.all(
        results.map(async (r) => (await stub(r.order.id).history()).some((h) => h.event.type === 'STEP_WAIT')),
      )
    ).filter(Boolean).length;
    const outcomes: Record<string, number> = {};
    for (const st of settled) {
      const why =
        st.status === 'COMPLETED' ? 'confirmed' : (st.errorMessage ?? '').replace(/[0-9a-f]{24}: /, '').slice(0, 40);
      outcomes[why] = (outcomes[why] ?? 0) + 1;
    }
    console.log('24 orders for 3 units, mixed cards', JSON.stringify({ confirmed, waited, outcomes }));
    expect(confirmed).toBe(3);
    expect(await productStock(manager, product.id)).toBe(0);
  }, 300_000);
});

describe("the saga object's placement (ORDER_SAGA_LOCATION_HINT)", () => {
  it('with a location hint an order is confirmed as without; the order id alone names its object', async () => {
    const s = await checkoutShop(2);
    const hinted = { ORDER_SAGA_LOCATION_HINT: 'enam' };
    const res = await apiWithEnv(hinted, { user: s.user }).orders.$post({
      header: { 'idempotency-key': `key-${crypto.randomUUID()}`, prefer: 'wait=10' },
      json: {
        lines: lines(s.product),
        shippingAddress: ADDRESS,
        paymentMethod: { type: 'card', token: 'pm_test_success' },
      },
    });
    const placed = await jsonOf(res, 202);
    expect(placed.order.status).toBe('CONFIRMED');
    // The same object, reached with or without the hint (a hint places a new object, nothing more).
    const viaHint = await sagaOf({ env: { ...env, ...hinted } }, placed.order.id).state();
    expect(viaHint).toEqual(await stub(placed.order.id).state());
    expect(viaHint?.status).toBe('COMPLETED');
  });
});

describe('crash safety', () => {
  /** Rewrites the saga's storage to what a crash in the middle of `step` leaves behind. */
  async function crashIn(orderId: string, completed: SagaState['completedSteps']) {
    const saga = stub(orderId);
    await runInDurableObject(saga, async (_obj: OrderSaga, state) => {
      const old: SagaState = JSON.parse(
        state.storage.sql.exec<{ state: string }>('SELECT state FROM saga WHERE id = 1').one().state,
      );
      const rewound: SagaState = {
        ...old,
        status: completed.length ? 'IN_PROGRESS' : 'STARTED',
        currentStep: completed.length,
        completedSteps: completed,
        updatedAt: new Date().toISOString(),
      };
      state.storage.sql.exec('UPDATE saga SET state = ? WHERE id = 1', JSON.stringify(rewound));
      // Attempt 1 was in flight; no event was sent yet.
      const meta = JSON.parse(
        state.storage.sql.exec<{ meta: string }>('SELECT meta FROM saga_runner WHERE id = 1').one().meta,
      );
      state.storage.sql.exec(
        'UPDATE saga_runner SET meta = ? WHERE id = 1',
        JSON.stringify({ ...meta, eventsSent: [], mirrored: null }),
      );
      await state.storage.setAlarm(Date.now());
    });
    return saga;
  }

  it('resumed in the middle of any step, it reserves once, charges once and confirms once', async () => {
    const s = await checkoutShop(5);
    const placed = await placeAndSettle(s.user, { lines: lines(s.product, 2) });
    const before = await paymentOf(s.tenantId, placed.order.id);
    expect(await productStock(s.manager, s.product.id)).toBe(3);

    // PROCESS_PAYMENT and CONFIRM_ORDER wrote the mirror of their completion with their own work,
    // so PostgreSQL is ahead of the rewound object: the step runs again and changes nothing.
    const rewinds = [[], ['RESERVE_STOCK'], ['RESERVE_STOCK', 'PROCESS_PAYMENT']] as SagaState['completedSteps'][];
    for (const completed of rewinds) {
      const saga = await crashIn(placed.order.id, completed);
      expect(await runDurableObjectAlarm(saga)).toBe(true);
      expect((await saga.state())?.status).toBe('COMPLETED');
      expect(await productStock(s.manager, s.product.id)).toBe(3);
      expect(await paymentOf(s.tenantId, placed.order.id)).toMatchObject({
        status: 'COMPLETED',
        gatewayTransactionId: before!.gatewayTransactionId,
      });
    }
    expect(await orderRow(s.tenantId, placed.order.id)).toMatchObject({
      status: 'CONFIRMED',
      paymentStatus: 'COMPLETED',
    });
    // The confirmation was sent again by each resumed saga; the consumer stored it once.
    await eventually(async () => (await notificationTypes(s.tenantId, s.user.id)).length > 0);
    await new Promise((r) => setTimeout(r, 3000)); // time for the repeated sends to arrive, were they not deduplicated
    expect(await notificationTypes(s.tenantId, s.user.id)).toEqual(['ORDER_CONFIRMATION']);
  });

  it('CONFIRM_ORDER riding in the payment completion finds the order CANCELLED: nothing of it is written, the step fails alone and the saga compensates', async () => {
    const s = await checkoutShop(5);
    const placed = await placeAndSettle(s.user, { lines: lines(s.product, 2) });
    const orderId = placed.order.id;
    // PostgreSQL as a crash after the authorization was recorded leaves it, with the order
    // cancelled meanwhile by a path the object did not see.
    await inTenantTx(stores.pg('orders').db, s.tenantId, async (tx) => {
      await tx
        .update(payments)
        .set({ status: 'PENDING', transactionType: 'AUTHORIZATION', completedAt: null })
        .where(eq(payments.orderId, orderId));
      await tx.update(orders).set({ status: 'CANCELLED', paymentStatus: 'PENDING' }).where(eq(orders.id, orderId));
      await tx
        .update(sagaExecutions)
        .set({ status: 'IN_PROGRESS', currentStep: 1 })
        .where(eq(sagaExecutions.aggregateId, orderId));
    });
    const before = (await stub(orderId).history()).length;
    const saga = await crashIn(orderId, ['RESERVE_STOCK']);
    expect(await runDurableObjectAlarm(saga)).toBe(true);
    const settled = await sagaSettled(orderId);
    expect(settled).toMatchObject({ status: 'COMPENSATED' });
    const history = (await saga.history()).slice(before).map((h) => h.event); // since the crash
    expect(history).toContainEqual(expect.objectContaining({ type: 'STEP_COMPLETED', step: 'PROCESS_PAYMENT' }));
    expect(history).toContainEqual(
      expect.objectContaining({ type: 'STEP_FAILED', step: 'CONFIRM_ORDER', error: expect.stringContaining('cancel') }),
    );
    expect(history.filter((e) => e.type === 'MIRRORED' && e.alongside !== undefined)).toEqual([]);
    expect(await mirrorOf(s.tenantId, orderId)).toMatchObject({ status: 'COMPENSATED' });
    expect(await paymentOf(s.tenantId, orderId)).toMatchObject({ status: 'REFUNDED' });
    expect(await orderRow(s.tenantId, orderId)).toMatchObject({ status: 'CANCELLED', paymentStatus: 'REFUNDED' });
    expect(await productStock(s.manager, s.product.id)).toBe(5);
  });
});
