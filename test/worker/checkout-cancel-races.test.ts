/**
 * One writer per order (issue 15, item 1): a cancellation and a staff status move are
 * ordered through the order's Durable Object. Either the cancel wins (the move answers
 * 409) or the move wins (the cancel answers 409), never both: goods never leave with
 * the money going back.
 */
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

import { payments } from '../../src/db/pg/schema/payments.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { applyEvent, initialState, undoPlan } from '../../src/services/orders/saga/state.ts';
import {
  apiAs,
  cancelOrder,
  checkoutShop,
  lines,
  placeAndSettle,
  problemOf,
  productStock,
  sagaSettled,
  type TestUser,
} from '../fixtures/index.ts';
import { send } from './catalog-helpers.ts';
import { orderRow, ORDERS, sagaContext } from './checkout-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

const paymentOf = async (tenantId: string, orderId: string) =>
  (
    await inTenantTx(stores.pg('payments').db, tenantId, (tx) =>
      tx.select().from(payments).where(eq(payments.orderId, orderId)),
    )
  )[0];

async function etag(who: TestUser, id: string): Promise<string> {
  return (await apiAs(who).orders[':id'].$get({ param: { id } })).headers.get('etag')!;
}

const move = async (who: TestUser, id: string, status: string) =>
  send(who, 'PATCH', `${ORDERS}/${id}/status`, { body: { status }, headers: { 'if-match': await etag(who, id) } });

const cancel = (who: TestUser, id: string) => cancelOrder(who, id, { reason: 'changed my mind' });

describe('cancel racing the saga itself', () => {
  it('a cancel recorded while the last step runs is not lost: the saga compensates instead of completing', () => {
    const now = new Date().toISOString();
    let state = initialState(crypto.randomUUID(), crypto.randomUUID(), sagaContext(), now);
    state = applyEvent(state, { type: 'STEP_COMPLETED', step: 'RESERVE_STOCK' }, now);
    state = applyEvent(state, { type: 'STEP_COMPLETED', step: 'PROCESS_PAYMENT' }, now);
    state = applyEvent(state, { type: 'CANCEL_REQUESTED', reason: 'too late?' }, now); // CONFIRM_ORDER in flight
    state = applyEvent(state, { type: 'STEP_COMPLETED', step: 'CONFIRM_ORDER' }, now);
    expect(state).toMatchObject({ status: 'COMPENSATING', errorMessage: 'cancelled: too late?' });
    expect(undoPlan(state)).toEqual(['CONFIRM_ORDER', 'PROCESS_PAYMENT', 'RESERVE_STOCK']);
  });
});

describe('cancel racing a staff move', () => {
  it('cancel first: the move to SHIPPED answers 409, and the order ends CANCELLED, refunded, stock back', async () => {
    const s = await checkoutShop(5);
    const placed = await placeAndSettle(s.user, { lines: lines(s.product, 2) });
    expect((await move(s.manager, placed.order.id, 'PROCESSING')).status).toBe(200);

    expect((await cancel(s.user, placed.order.id)).status).toBe(202);
    const shipped = await move(s.manager, placed.order.id, 'SHIPPED');
    expect(shipped.status).toBe(409);
    expect((await problemOf(shipped)).type).toMatch(/order-being-cancelled$/);

    expect((await sagaSettled(placed.order.id)).status).toBe('COMPENSATED');
    expect(await orderRow(s.tenantId, placed.order.id)).toMatchObject({
      status: 'CANCELLED',
      paymentStatus: 'REFUNDED',
    });
    expect(await paymentOf(s.tenantId, placed.order.id)).toMatchObject({ status: 'REFUNDED' });
    expect(await productStock(s.manager, s.product.id)).toBe(5);
  });

  it('move first: the cancel of a SHIPPED order answers 409; money stays captured and stock taken', async () => {
    const s = await checkoutShop(5);
    const placed = await placeAndSettle(s.user, { lines: lines(s.product, 2) });
    expect((await move(s.manager, placed.order.id, 'PROCESSING')).status).toBe(200);
    expect((await move(s.manager, placed.order.id, 'SHIPPED')).status).toBe(200);
    const refused = await cancel(s.user, placed.order.id);
    expect(refused.status).toBe(409);
    expect((await problemOf(refused)).type).toMatch(/order-not-cancellable$/);
    const saga = await env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(placed.order.id)).state();
    expect(saga).toMatchObject({ status: 'COMPLETED', cancelRequested: null });
    expect(await orderRow(s.tenantId, placed.order.id)).toMatchObject({
      status: 'SHIPPED',
      paymentStatus: 'COMPLETED',
    });
    expect(await paymentOf(s.tenantId, placed.order.id)).toMatchObject({ status: 'COMPLETED' });
    expect(await productStock(s.manager, s.product.id)).toBe(3);
  });

  it('sent at the same moment, on many orders: exactly one of the two wins each time', async () => {
    const s = await checkoutShop(20);
    const placed = await Promise.all(
      Array.from({ length: 6 }, () => placeAndSettle(s.user, { lines: lines(s.product, 1) })),
    );
    for (const p of placed) expect((await move(s.manager, p.order.id, 'PROCESSING')).status).toBe(200);
    const outcomes = await Promise.all(
      placed.map(async (p) => {
        const tag = await etag(s.manager, p.order.id);
        const [c, m] = await Promise.all([
          cancel(s.user, p.order.id),
          send(s.manager, 'PATCH', `${ORDERS}/${p.order.id}/status`, {
            body: { status: 'SHIPPED' },
            headers: { 'if-match': tag },
          }),
        ]);
        return { id: p.order.id, cancel: c.status, move: m.status };
      }),
    );
    let shippedUnits = 0;
    for (const o of outcomes) {
      const cancelWon = o.cancel === 202;
      // Never both; a move that lost to a cancel is 409, a cancel that lost to a move is 409.
      expect(cancelWon ? o.move : o.cancel, JSON.stringify(o)).toBe(409);
      expect(cancelWon ? o.cancel : o.move, JSON.stringify(o)).toBe(cancelWon ? 202 : 200);
      const settled = await sagaSettled(o.id);
      const row = await orderRow(s.tenantId, o.id);
      const payment = await paymentOf(s.tenantId, o.id);
      if (cancelWon) {
        expect(settled.status).toBe('COMPENSATED');
        expect(row).toMatchObject({ status: 'CANCELLED', paymentStatus: 'REFUNDED' });
        expect(payment!.status).toBe('REFUNDED');
      } else {
        shippedUnits++;
        expect(settled.status).toBe('COMPLETED');
        expect(row).toMatchObject({ status: 'SHIPPED', paymentStatus: 'COMPLETED' });
        expect(payment!.status).toBe('COMPLETED');
      }
    }
    expect(await productStock(s.manager, s.product.id)).toBe(20 - shippedUnits);
  }, 60_000);
});
