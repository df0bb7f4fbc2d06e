/**
 * Idempotency-Key spaces (issue 15, item 2): keys the server makes for its own work live
 * where no client can write, and a client's key is scoped to the caller and the operation.
 */
import { describe, expect, it } from 'vitest';

import { clientIdempotencyKey, internalIdempotencyKey } from '../../src/lib/idempotency.ts';
import {
  apiAs,
  cancelOrder,
  checkoutShop,
  createProduct,
  eventually,
  jsonOf,
  lines,
  placeOrder as order,
  orderOf,
  paymentOfOrder as paymentOf,
  placeAndSettle,
  problemOf,
  productStock,
  sagaSettled,
  type TestUser,
} from '../fixtures/index.ts';

const refund = (who: TestUser, paymentId: string, key: string, json: { amount?: string }) =>
  apiAs(who).payments[':id'].refunds.$post({ param: { id: paymentId }, header: { 'idempotency-key': key }, json });

describe('internal keys live where no client can write', () => {
  it("a staff refund with the saga's own key (order:<id>:compensation) does not block the cancellation", async () => {
    const s = await checkoutShop(5, '20.00');
    const placed = await placeAndSettle(s.user, { lines: lines(s.product, 1) }); // 20.00 + 1.60 tax + 5.99
    expect((await sagaSettled(placed.order.id, 60_000)).status).toBe('COMPLETED');
    const payment = await paymentOf(s.user, placed.order.id);
    expect(await productStock(s.manager, s.product.id)).toBe(4);

    const squat = await refund(s.manager, payment.id, `order:${placed.order.id}:compensation`, { amount: '1.00' });
    expect(squat.status).toBe(201);

    const cancel = await cancelOrder(s.user, placed.order.id, { reason: 'changed my mind', wait: 10 });
    expect(cancel.status).toBe(202);
    const saga = await eventually(async () => {
      const settled = await sagaSettled(placed.order.id, 60_000);
      return settled.status === 'COMPLETED' ? null : settled;
    }, 60_000);
    expect({ status: saga.status, error: saga.errorMessage }).toMatchObject({ status: 'COMPENSATED' });
    const after = await paymentOf(s.user, placed.order.id);
    expect(after.status).toBe('REFUNDED');
    expect(after.refunds.map((r) => [r.amount, r.status]).sort()).toEqual(
      [
        ['1.00', 'SUCCEEDED'],
        [(Number(payment.amount) - 1).toFixed(2), 'SUCCEEDED'],
      ].sort(),
    );
    const got = await orderOf(s.user, placed.order.id);
    expect(got.status).toBe('CANCELLED');
    expect(await productStock(s.manager, s.product.id)).toBe(5);
  }, 120_000);

  it('a client key is stored as client:<sha-256> and an internal key can never take that form', async () => {
    const a = await clientIdempotencyKey({ callerId: 'u1', operation: 'POST /x' }, 'k');
    expect(a).toMatch(/^client:[0-9a-f]{64}$/);
    expect(await clientIdempotencyKey({ callerId: 'u2', operation: 'POST /x' }, 'k')).not.toBe(a);
    expect(await clientIdempotencyKey({ callerId: 'u1', operation: 'POST /y' }, 'k')).not.toBe(a);
    expect(internalIdempotencyKey('order:1:compensation')).toBe('order:1:compensation');
    expect(() => internalIdempotencyKey(a)).toThrow();
  });
});

describe("a client's key is scoped to the caller and the operation", () => {
  it('two staff members using one key on one payment make two refunds; one caller replays or gets 422', async () => {
    const s = await checkoutShop(5, '30.00');
    const placed = await placeAndSettle(s.user, { lines: lines(s.product, 1) });
    expect((await sagaSettled(placed.order.id, 60_000)).status).toBe('COMPLETED');
    const payment = await paymentOf(s.user, placed.order.id);
    const key = `refund-${crypto.randomUUID()}`;

    const byManager = await refund(s.manager, payment.id, key, { amount: '1.00' });
    const byAdmin = await refund(s.admin, payment.id, key, { amount: '1.00' });
    expect([byManager.status, byAdmin.status]).toEqual([201, 201]);
    const [m, a] = await Promise.all([jsonOf(byManager, 201), jsonOf(byAdmin, 201)]);
    expect(a.id).not.toBe(m.id);

    const again = await refund(s.manager, payment.id, key, { amount: '1.00' });
    expect((await jsonOf(again, 201)).id).toBe(m.id);
    const changed = await refund(s.manager, payment.id, key, { amount: '2.00' });
    expect(changed.status).toBe(422);
    expect((await problemOf(changed)).type).toMatch(/idempotency-key-reused$/);

    // The same caller's key on another payment is another request: 422, never that payment's refund.
    const other = await placeAndSettle(s.user, { lines: lines(s.product, 1) });
    expect((await sagaSettled(other.order.id, 60_000)).status).toBe('COMPLETED');
    const otherPayment = await paymentOf(s.user, other.order.id);
    const elsewhere = await refund(s.manager, otherPayment.id, key, { amount: '1.00' });
    expect(elsewhere.status).toBe(422);
    expect((await paymentOf(s.user, other.order.id)).refunds).toHaveLength(0);
    expect((await paymentOf(s.user, placed.order.id)).refunds).toHaveLength(2);
  }, 120_000);

  it('one key across orders, products and refunds, and across users, never collides', async () => {
    const s = await checkoutShop(10);
    const key = `shared-${crypto.randomUUID()}`;
    // Two users, one key: two orders.
    const [mine, theirs] = await Promise.all([
      order(s.user, { lines: lines(s.product) }, { key }),
      order(s.admin, { lines: lines(s.product) }, { key }),
    ]);
    expect([mine.status, theirs.status]).toEqual([202, 202]);
    const ids = await Promise.all([jsonOf(mine, 202), jsonOf(theirs, 202)]);
    expect(ids[0].order.id).not.toBe(ids[1].order.id);
    // The admin's order key on a product create and on a refund: each its own request.
    const product = await apiAs(s.admin).products.$post({
      json: { name: `P ${key}`, price: '3.00', stockQuantity: 1, status: 'ACTIVE', published: true },
      header: { 'idempotency-key': key },
    });
    const sameKeyOtherUser = await apiAs(s.manager).products.$post({
      json: { name: `Q ${key}`, price: '3.00', stockQuantity: 1, status: 'ACTIVE', published: true },
      header: { 'idempotency-key': key },
    });
    expect((await jsonOf(sameKeyOtherUser, 201)).id).not.toBe((await jsonOf(product, 201)).id);
    const settled = await sagaSettled(ids[0].order.id);
    expect(settled.status).toBe('COMPLETED');
    const payment = await paymentOf(s.user, ids[0].order.id);
    expect((await refund(s.admin, payment.id, key, { amount: '1.00' })).status).toBe(201);
    await createProduct(s.manager); // the catalog still works for keyless creates
  }, 90_000);
});
