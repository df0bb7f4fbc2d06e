/**
 * What a compensation undoes, and what happens when it cannot (issue 15, items 3 and 4):
 * - a step interrupted by a cancel or the deadline after it was attempted is undone too:
 *   no payment is left PENDING (an open authorization) behind a COMPENSATED saga;
 * - an undo that fails is retried with backoff; one that never succeeds ends the saga
 *   COMPENSATION_FAILED (never COMPENSATED), in a dead letter and in the staff list.
 */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

import { sagaExecutions } from '../../src/db/pg/schema/orders.ts';
import { payments } from '../../src/db/pg/schema/payments.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import type { SagaState } from '../../src/services/orders/saga/state.ts';
import {
  apiAs,
  checkoutShop,
  eventually,
  jsonOf,
  lines,
  placeOrder as order,
  placeAndSettle,
  productStock,
  sagaSettled,
} from '../fixtures/index.ts';
import { send } from './catalog-helpers.ts';
import { orderRow, ORDERS } from './checkout-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

const stub = (orderId: string) => env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(orderId));
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
const eventTypes = (history: { event: { type?: unknown } }[]) => history.map((h) => String(h.event.type));

/** Drives the object's retry alarms at once until the saga is terminal (retries back off up to a minute). */
async function driveToEnd(orderId: string): Promise<SagaState> {
  const saga = stub(orderId);
  for (let i = 0; i < 60; i++) {
    const state = await saga.state();
    if (state && ['COMPLETED', 'COMPENSATED', 'COMPENSATION_FAILED'].includes(state.status)) return state;
    await runDurableObjectAlarm(saga);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('saga did not end');
}

describe('the interrupted step is compensated too', () => {
  it('cancelled while PROCESS_PAYMENT is being retried: the payment is closed, not left PENDING', async () => {
    const s = await checkoutShop(4);
    // pm_test_timeout: each attempt hangs 2 s then fails (outcome unknown), so the cancel lands mid-step.
    const res = await order(s.user, {
      lines: lines(s.product, 2),
      paymentMethod: { type: 'card', token: 'pm_test_timeout' },
    });
    const { order: placed } = await jsonOf(res, 202);
    await eventually(async () => (await paymentOf(s.tenantId, placed.id)) ?? null, 10_000);
    const cancel = await send(s.user, 'POST', `${ORDERS}/${placed.id}/cancel`, { body: { reason: 'too slow' } });
    expect(cancel.status).toBe(202);

    const settled = await sagaSettled(placed.id, 30_000);
    expect(settled).toMatchObject({ status: 'COMPENSATED', errorMessage: 'PROCESS_PAYMENT: cancelled: too slow' });
    expect(settled.compensatedSteps).toEqual(['PROCESS_PAYMENT', 'RESERVE_STOCK']);
    expect(await paymentOf(s.tenantId, placed.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await orderRow(s.tenantId, placed.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await productStock(s.manager, s.product.id)).toBe(4);
  });
});

describe('a failed undo is retried, never swallowed', () => {
  it('a void that fails twice is retried with backoff until the authorization is released', async () => {
    const s = await checkoutShop(3);
    // Authorized, capture refused for good, then the void fails on attempts 1 and 2.
    const res = await order(s.user, {
      lines: lines(s.product),
      paymentMethod: { type: 'card', token: 'pm_test_void_fails_2' },
    });
    const { order: placed } = await jsonOf(res, 202);
    const settled = await sagaSettled(placed.id, 30_000);
    expect(settled.status).toBe('COMPENSATED');
    const history = await stub(placed.id).history();
    const undoRetries = history.filter((h) => h.event.type === 'STEP_RETRY' && h.event.compensating === true);
    expect(undoRetries.map((h) => h.event.step)).toEqual(['PROCESS_PAYMENT', 'PROCESS_PAYMENT']);
    expect(eventTypes(history)).toContain('STEP_COMPENSATED');
    // Voided (the hold released), not merely marked FAILED with the authorization open.
    expect(await paymentOf(s.tenantId, placed.id)).toMatchObject({
      status: 'CANCELLED',
      errorCode: 'charge_expired_for_capture',
    });
    expect(settled.context.paymentOutcome).toBe('VOIDED');
    expect(await orderRow(s.tenantId, placed.id)).toMatchObject({ status: 'CANCELLED', paymentStatus: 'FAILED' });
    expect(await productStock(s.manager, s.product.id)).toBe(3);
  });

  it('a void that never succeeds ends COMPENSATION_FAILED, not COMPENSATED', async () => {
    const s = await checkoutShop(3);
    const res = await order(s.user, {
      lines: lines(s.product),
      paymentMethod: { type: 'card', token: 'pm_test_void_fails_999' },
    });
    const { order: placed } = await jsonOf(res, 202);
    const ended = await driveToEnd(placed.id);
    expect(ended.status).toBe('COMPENSATION_FAILED');
    expect(ended.errorMessage).toContain('compensation of PROCESS_PAYMENT failed');
    // The authorization is still open, and the order is not said to be cancelled.
    expect(await paymentOf(s.tenantId, placed.id)).toMatchObject({ status: 'PENDING' });
    expect(await orderRow(s.tenantId, placed.id)).toMatchObject({ status: 'PENDING' });
    await eventually(async () => (await mirrorOf(s.tenantId, placed.id))?.status === 'COMPENSATION_FAILED');
  });

  it('a refund that never succeeds after a cancel: COMPENSATION_FAILED, a dead letter, the staff filter, no cancel notice', async () => {
    const s = await checkoutShop(5);
    const placed = await placeAndSettle(s.user, {
      lines: lines(s.product, 2),
      paymentMethod: { type: 'card', token: 'pm_test_refund_fails' },
    });
    expect(placed.order.status).toBe('CONFIRMED');
    const cancel = await send(s.user, 'POST', `${ORDERS}/${placed.order.id}/cancel`, { body: { reason: 'no' } });
    expect(cancel.status).toBe(202);
    const ended = await driveToEnd(placed.order.id);
    expect(ended).toMatchObject({ status: 'COMPENSATION_FAILED', compensatedSteps: ['CONFIRM_ORDER'] });
    await eventually(async () => (await mirrorOf(s.tenantId, placed.order.id))?.status === 'COMPENSATION_FAILED');

    // Money not returned: the order keeps its status and its stock; staff see it, and a dead letter says why.
    expect(await orderRow(s.tenantId, placed.order.id)).toMatchObject({
      status: 'CONFIRMED',
      paymentStatus: 'COMPLETED',
    });
    expect(await productStock(s.manager, s.product.id)).toBe(3);
    const letter = await eventually(() =>
      stores
        .mongo()
        .collection('dead_letters')
        .findOne({ messageId: `order-saga:${placed.order.id}` }),
    );
    expect(letter).toMatchObject({ queue: 'order-saga', reason: 'compensation-failed' });
    expect(JSON.stringify(letter)).not.toContain('pm_test_refund_fails');
    const list = await apiAs(s.manager).orders.$get({ query: { sagaStatus: 'COMPENSATION_FAILED' } });
    const ids = (await jsonOf(list, 200)).data.map((o) => o.id);
    expect(ids).toEqual([placed.order.id]);
    const others = await apiAs(s.manager).orders.$get({ query: { sagaStatus: 'COMPLETED' } });
    expect((await jsonOf(others, 200)).data).toHaveLength(0);
    // The order cannot be moved on while its cancel is unresolved.
    const tag = (await send(s.manager, 'GET', `${ORDERS}/${placed.order.id}`)).headers.get('etag')!;
    const moved = await send(s.manager, 'PATCH', `${ORDERS}/${placed.order.id}/status`, {
      body: { status: 'PROCESSING' },
      headers: { 'if-match': tag },
    });
    expect(moved.status).toBe(409);
    // The customer was told of the confirmation only, not of a cancellation that did not happen.
    await new Promise((r) => setTimeout(r, 2000));
    const types = (
      await stores
        .mongo()
        .collection<{ type: string }>('notifications')
        .find({ tenantId: s.tenantId, userId: s.user.id })
    ).map((d) => d.type);
    expect(types).toEqual(['ORDER_CONFIRMATION']);
  }, 60_000);
});
