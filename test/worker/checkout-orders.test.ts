import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

import { sagaExecutions } from '../../src/db/pg/schema/orders.ts';
import { payments } from '../../src/db/pg/schema/payments.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { roundTripsOf, type StoreUsage } from '../../src/db/stores.ts';
import {
  ADDRESS,
  apiAs,
  checkoutShop,
  eventually,
  jsonOf,
  lines,
  placeOrder as order,
  paymentOfOrder,
  problemOf,
  productStock,
} from '../fixtures/index.ts';
import { PRODUCTS, send } from './catalog-helpers.ts';
import { orderRaw, orderRow, ORDERS } from './checkout-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

async function storedNotifications(tenantId: string, userId: string) {
  return stores.mongo().collection<{ type: string; eventId: string }>('notifications').find({ tenantId, userId });
}

describe('POST /orders: the happy path', () => {
  it('prices on the server, reserves stock once, charges, confirms, mirrors the saga and notifies once', async () => {
    const s = await checkoutShop(5, '20.00');
    const res = await order(
      s.user,
      { lines: [...lines(s.product, 2), { productId: s.product.id, quantity: 1 }] },
      { wait: 10 },
    );
    const placed = await jsonOf(res, 202);
    expect(res.headers.get('location')).toMatch(/^\/api\/v1\/orders\/[0-9a-f-]{36}$/);
    expect(placed.saga?.status).toBe('COMPLETED');
    // One merged line of 3 at the catalog's price; 8% tax on 60.00; free shipping from 50.00.
    expect(placed.order).toMatchObject({
      status: 'CONFIRMED',
      paymentStatus: 'COMPLETED',
      subtotal: '60.00',
      tax: '4.80',
      shipping: '0.00',
      total: '64.80',
    });
    expect(placed.order.orderNumber).toMatch(/^ORD-\d{4}-\d{6,}$/);
    expect(placed.order.items).toHaveLength(1);
    // The answer is the order as it stands: what the settled saga's mirror read back, no read of its own.
    const read = await apiAs(s.user).orders[':id'].$get({ param: { id: placed.order.id } });
    expect(await jsonOf(read, 200)).toEqual(placed.order);
    expect(res.headers.get('etag')).toBe(read.headers.get('etag'));
    expect(placed.order.items[0]).toMatchObject({
      quantity: 3,
      unitPrice: '20.00',
      totalPrice: '60.00',
      productName: s.product.name,
    });
    expect(await productStock(s.manager, s.product.id)).toBe(2);

    const [mirror] = await inTenantTx(stores.pg('orders').db, s.tenantId, (tx) =>
      tx.select().from(sagaExecutions).where(eq(sagaExecutions.aggregateId, placed.order.id)),
    );
    expect(mirror).toMatchObject({ sagaType: 'ORDER_CHECKOUT', status: 'COMPLETED', currentStep: 3, totalSteps: 3 });
    expect(mirror!.completedAt).not.toBeNull();
    expect(JSON.stringify(mirror!.context)).not.toContain('pm_test_success'); // the token stays in the saga

    expect(await paymentOfOrder(s.user, placed.order.id)).toMatchObject({
      status: 'COMPLETED',
      amount: '64.80',
      transactionType: 'CAPTURE',
      card: { brand: 'visa', last4: '4242' },
    });
    const [row] = await inTenantTx(stores.pg('payments').db, s.tenantId, (tx) =>
      tx.select().from(payments).where(eq(payments.orderId, placed.order.id)),
    );
    expect(row!.gatewayResponse).not.toContain('4242'); // sealed at rest

    // What the order cost, per step, as the saga's log records it (budgets against regressions):
    // round trips (connection setups, PostgreSQL messages or HTTP requests, Data API and provider calls).
    const history = await env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(placed.order.id)).history();
    const cost = Object.fromEntries(
      history
        .filter((h) => h.event.type === 'STEP_COMPLETED')
        .map((h) => [h.event.step as string, h.event.usage as unknown as StoreUsage]),
    );
    console.log('checkout cost per step', JSON.stringify(cost));
    expect(cost.RESERVE_STOCK).toMatchObject({ pgQueries: 0, pgHttp: 0, dataApiCalls: 1 }); // one line, one call
    // Authorize, record the authorization, capture, complete the payment with the step's mirror.
    expect(roundTripsOf(cost.PROCESS_PAYMENT!)).toBeLessThanOrEqual(4);
    expect(cost.PROCESS_PAYMENT).toMatchObject({ pgConnects: 0, dataApiCalls: 0, providerCalls: 2 });
    // CONFIRM_ORDER (the order's status read and the completed saga's mirror) rode in the payment's
    // completion: done, with no round trip of its own.
    expect(Object.keys(cost)).toEqual(['RESERVE_STOCK', 'PROCESS_PAYMENT', 'CONFIRM_ORDER']);
    expect(cost.CONFIRM_ORDER).toBeUndefined();
    const mirrors = history
      .filter((h) => h.event.type === 'MIRRORED')
      .map((h) => (h.event.usage ? roundTripsOf(h.event.usage as unknown as StoreUsage) : h.event.foldedInto));
    // STARTED is written by the order's own INSERT; the state after RESERVE_STOCK is not mirrored
    // (PROCESS_PAYMENT's completion supersedes it); PROCESS_PAYMENT's completion carries the mirror
    // of the completed saga, CONFIRM_ORDER riding along.
    expect(mirrors).toEqual(['PROCESS_PAYMENT']);
    expect(history.find((h) => h.event.type === 'MIRRORED')?.event).toMatchObject({
      status: 'COMPLETED',
      alongside: 'CONFIRM_ORDER',
    });

    const stored = await eventually(async () => {
      const docs = await storedNotifications(s.tenantId, s.user.id);
      return docs.some((d) => d.type === 'ORDER_CONFIRMATION') ? docs : null;
    });
    expect(stored.filter((d) => d.type === 'ORDER_CONFIRMATION')).toHaveLength(1);
  });

  it('answers 202 at once without Prefer and the saga finishes in the background', async () => {
    const s = await checkoutShop();
    const res = await order(s.user, { lines: lines(s.product) });
    const { order: placed } = await jsonOf(res, 202);
    expect(placed.status).toBe('PENDING');
    await eventually(async () => (await orderRow(s.tenantId, placed.id))?.status === 'CONFIRMED');
    const got = await apiAs(s.user).orders[':id'].$get({ param: { id: placed.id } });
    expect(got.headers.get('etag')).toBe(`"${(await orderRow(s.tenantId, placed.id))!.version}"`);
  });

  it("uses a saved address by id and refuses another user's address", async () => {
    const s = await checkoutShop();
    const addr = await apiAs(s.user).users.me.addresses.$post({
      json: { type: 'SHIPPING', ...ADDRESS, street: '9 Elm St' },
    });
    const { id } = await jsonOf(addr, 201);
    const res = await order(
      s.user,
      { lines: lines(s.product), shippingAddress: undefined, shippingAddressId: id },
      { wait: 10 },
    );
    expect(res.status).toBe(202);
    const other = await order(s.admin, { lines: lines(s.product), shippingAddress: undefined, shippingAddressId: id });
    expect(other.status).toBe(422);
    expect((await problemOf(other)).errors?.[0]?.field).toBe('body.shippingAddressId');
  });
});

describe('POST /orders: bad input and idempotency', () => {
  it('refuses bad bodies with 400 naming the field, and writes nothing', async () => {
    const s = await checkoutShop();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ lines: [] }, 'body.lines'],
      [{ lines: [{ productId: s.product.id, quantity: 0 }] }, 'body.lines.0.quantity'],
      [{ lines: [{ productId: s.product.id, quantity: 101 }] }, 'body.lines.0.quantity'],
      [{ lines: [{ productId: 'nope', quantity: 1 }] }, 'body.lines.0.productId'],
      [{ lines: [{ productId: s.product.id, quantity: 1, price: '0.01' }] }, 'body.lines.0'],
      [
        { lines: lines(s.product), paymentMethod: { type: 'card', token: '4242 4242 4242 4242' } },
        'body.paymentMethod.token',
      ],
      [{ lines: lines(s.product), shippingAddressId: crypto.randomUUID() }, 'body.shippingAddressId'],
      [{ lines: Array.from({ length: 51 }, () => ({ productId: s.product.id, quantity: 1 })) }, 'body.lines'],
    ];
    for (const [body, field] of cases) {
      const res = await orderRaw(s.user, body); // bodies the typed client would refuse to send
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await problemOf(res)).errors?.map((e) => e.field).join(',')).toContain(field);
    }
    const missingKey = await send(s.user, 'POST', ORDERS, {
      body: { lines: lines(s.product), shippingAddress: ADDRESS, paymentMethod: { token: 'pm_test_success' } },
    });
    expect(missingKey.status).toBe(400);
    expect((await problemOf(missingKey)).errors?.[0]?.field).toBe('header.idempotency-key');
    const list = await apiAs(s.user).orders.$get({ query: {} });
    expect((await jsonOf(list, 200)).data).toHaveLength(0);
  });

  it('refuses unknown, unpublished or other-tenant products and another currency with 422', async () => {
    const s = await checkoutShop();
    const other = await checkoutShop();
    for (const productId of ['0123456789abcdef01234567', other.product.id]) {
      const res = await order(s.user, { lines: [{ productId, quantity: 1 }] });
      expect(res.status).toBe(422);
      expect((await problemOf(res)).errors?.[0]?.field).toBe('body.lines.0.productId');
    }
    const eur = await order(s.user, { lines: lines(s.product), currency: 'EUR' });
    expect(eur.status).toBe(422);
    expect((await problemOf(eur)).type).toMatch(/currency-mismatch$/);
  });

  it('the same key and body give the same order; the same key with another body is 422', async () => {
    const s = await checkoutShop();
    const key = `key-${crypto.randomUUID()}`;
    const first = await order(s.user, { lines: lines(s.product) }, { key });
    const again = await order(s.user, { lines: lines(s.product) }, { key });
    const a = await jsonOf(first, 202);
    const b = await jsonOf(again, 202);
    expect(b.order.id).toBe(a.order.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const changed = await order(s.user, { lines: lines(s.product, 2) }, { key });
    expect(changed.status).toBe(422);
    expect((await problemOf(changed)).type).toMatch(/idempotency-key-reused$/);
    // Concurrent twins with one key: one order.
    const twinKey = `key-${crypto.randomUUID()}`;
    const twins = await Promise.all([1, 2, 3].map(() => order(s.user, { lines: lines(s.product) }, { key: twinKey })));
    const ids = new Set(await Promise.all(twins.map(async (r) => (await jsonOf(r, 202)).order.id)));
    expect(ids.size).toBe(1);
  });

  it('a replay answers the order made first, even once its product changed price or was withdrawn', async () => {
    const s = await checkoutShop();
    const key = `key-${crypto.randomUUID()}`;
    const first = await jsonOf(await order(s.user, { lines: lines(s.product) }, { key }), 202);
    expect(
      (await send(s.manager, 'PUT', `${PRODUCTS}/${s.product.id}/price`, { body: { price: '12.50' } })).status,
    ).toBe(200);
    const repriced = await order(s.user, { lines: lines(s.product) }, { key });
    expect(repriced.headers.get('idempotent-replayed')).toBe('true');
    expect((await jsonOf(repriced, 202)).order).toMatchObject({ id: first.order.id, subtotal: '10.00' });
    expect((await send(s.manager, 'DELETE', `${PRODUCTS}/${s.product.id}`)).status).toBe(204);
    const withdrawn = await order(s.user, { lines: lines(s.product) }, { key });
    expect((await jsonOf(withdrawn, 202)).order.id).toBe(first.order.id);
    // A new key for the withdrawn product is refused, and writes nothing.
    const refused = await order(s.user, { lines: lines(s.product) });
    expect(refused.status).toBe(422);
  });
});
