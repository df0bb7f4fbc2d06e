/**
 * A Durable Object that is mid-saga when a new version deploys keeps its state in the
 * shape the old version wrote: until 2026-12 a flat context with the lines as a JSON
 * string and the payment token kept to the end. The new version migrates it on read
 * (services/orders/saga/context.ts, state.ts) and carries on; and it keeps the token
 * only while the payment step may still need it.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import type { OrderSaga } from '../../src/durable/order-saga.ts';
import { readSagaState } from '../../src/services/orders/saga/state.ts';
import { send } from './catalog-helpers.ts';
import {
  checkoutShop,
  lines,
  orderRow,
  ORDERS,
  placeAndSettle,
  productStock,
  sagaSettled,
} from './checkout-helpers.ts';

const stub = (orderId: string) => env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(orderId));
const PRODUCT = '6b06eed21006e491d07feb71';

/** A state as the previous version stored it. */
function legacyState(overrides: Record<string, unknown> = {}, context: Record<string, unknown> = {}) {
  const now = new Date().toISOString();
  return {
    orderId: crypto.randomUUID(),
    tenantId: crypto.randomUUID(),
    status: 'IN_PROGRESS',
    currentStep: 1,
    totalSteps: 3,
    completedSteps: ['RESERVE_STOCK'],
    compensatedSteps: [],
    context: {
      userId: crypto.randomUUID(),
      orderNumber: 'ORD-1',
      currency: 'USD',
      total: '20.00',
      totalMinor: 2000,
      paymentMethod: 'card',
      paymentToken: 'pm_test_success',
      lines: JSON.stringify([[PRODUCT, 2]]),
      stockReserved: true,
      ...context,
    },
    errorMessage: null,
    cancelRequested: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** The saga's state row exactly as stored (not through the RPC reads, which blank the token). */
async function storedState(orderId: string): Promise<Record<string, unknown> & { context: Record<string, unknown> }> {
  return runInDurableObject(stub(orderId), (_obj: OrderSaga, state) =>
    JSON.parse(state.storage.sql.exec<{ state: string }>('SELECT state FROM saga WHERE id = 1').one().state),
  );
}

/** Replaces the stored state of an order's saga with `legacy` (its order, tenant and times kept). */
async function storeLegacy(orderId: string, shape: (current: Record<string, unknown>) => Record<string, unknown>) {
  await runInDurableObject(stub(orderId), async (_obj: OrderSaga, state) => {
    const current = JSON.parse(
      state.storage.sql.exec<{ state: string }>('SELECT state FROM saga WHERE id = 1').one().state,
    );
    state.storage.sql.exec('UPDATE saga SET state = ? WHERE id = 1', JSON.stringify(shape(current)));
  });
}

describe('reading a state an older version stored', () => {
  it('lines as a JSON string become structured lines; the rest of the context is kept', () => {
    const state = readSagaState(legacyState());
    expect(state.context.lines).toEqual([{ productId: PRODUCT, quantity: 2 }]);
    expect(state.context).toMatchObject({ totalMinor: 2000, paymentToken: 'pm_test_success', stockReserved: true });
    expect(state.failedStep).toBeNull();
  });

  it("an adopted saga's '' token is no token; a token kept past the payment step is dropped on read", () => {
    expect(readSagaState(legacyState({}, { paymentToken: '' })).context.paymentToken).toBeNull();
    const done = readSagaState(
      legacyState({
        status: 'COMPLETED',
        currentStep: 3,
        completedSteps: ['RESERVE_STOCK', 'PROCESS_PAYMENT', 'CONFIRM_ORDER'],
      }),
    );
    expect(done.context.paymentToken).toBeNull();
  });

  it('a shape it cannot read is refused, not half-read', () => {
    expect(() => readSagaState(legacyState({}, { lines: '[["not-an-id", 2]]' }))).toThrow();
    expect(() => readSagaState(legacyState({ status: 'SOMEWHERE' }))).toThrow();
  });
});

describe('a Durable Object mid-saga when the new version deploys', () => {
  it('resumes an old-shape state after RESERVE_STOCK and completes; the token is gone from storage after payment', async () => {
    const s = await checkoutShop(3);
    const placed = await placeAndSettle(s.user, { lines: lines(s.product, 2) });
    expect(placed.saga?.status).toBe('COMPLETED');
    expect((await storedState(placed.order.id)).context.paymentToken).toBeNull();
    // Rewound to "stock reserved, payment next", in the old shape (the payment itself went
    // through already: the step finds it, as after a crash).
    await storeLegacy(placed.order.id, (current) =>
      legacyState({
        orderId: current.orderId,
        tenantId: current.tenantId,
        createdAt: current.createdAt,
        updatedAt: new Date().toISOString(),
      }),
    );
    await runInDurableObject(stub(placed.order.id), (_obj: OrderSaga, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub(placed.order.id)); // or it already ran on its own
    expect(await sagaSettled(placed.order.id)).toMatchObject({ status: 'COMPLETED' });
    const stored = await storedState(placed.order.id);
    expect(stored.context.lines).toEqual([{ productId: PRODUCT, quantity: 2 }]);
    expect(stored.context.paymentToken).toBeNull();
    expect(await productStock(s.manager, s.product.id)).toBe(1);
  });

  it('an old-shape completed saga is cancelled: stock released from its old lines, payment refunded', async () => {
    const s = await checkoutShop(3, '30.00');
    const placed = await placeAndSettle(s.user, { lines: lines(s.product, 2) });
    expect(await productStock(s.manager, s.product.id)).toBe(1);
    await storeLegacy(placed.order.id, (current) => {
      const context = current.context as Record<string, unknown>;
      const items = context.lines as Array<{ productId: string; quantity: number }>;
      return {
        ...current,
        failedStep: undefined,
        context: {
          ...context,
          paymentToken: 'pm_test_success',
          lines: JSON.stringify(items.map((l) => [l.productId, l.quantity])),
        },
      };
    });
    const res = await send(s.user, 'POST', `${ORDERS}/${placed.order.id}/cancel`, {
      body: { reason: 'changed my mind' },
      headers: { prefer: 'wait=10' },
    });
    expect(res.status).toBe(202);
    expect(await sagaSettled(placed.order.id)).toMatchObject({ status: 'COMPENSATED' });
    expect(await productStock(s.manager, s.product.id)).toBe(3);
    expect(await orderRow(s.tenantId, placed.order.id)).toMatchObject({
      status: 'CANCELLED',
      paymentStatus: 'REFUNDED',
    });
    const stored = await storedState(placed.order.id);
    expect(stored.context).toMatchObject({ paymentToken: null, paymentOutcome: 'REFUNDED' });
    expect(Array.isArray(stored.context.lines)).toBe(true);
  });
});
