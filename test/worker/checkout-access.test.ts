/**
 * Who may see and change orders and payments, staff transitions with If-Match,
 * refunds within what was captured, and signature-checked, replay-safe webhooks.
 */
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';

import {
  signTestWebhook,
  TEST_SIGNATURE_HEADER,
  testWebhookBody,
} from '../../src/services/payments/providers/index.ts';
import {
  apiAs,
  call,
  checkoutShop,
  eventually,
  grantRole,
  jsonOf,
  lines,
  orderOf,
  paymentOfOrder,
  placeAndSettle,
  placeOrder,
  problemOf,
  registerUser,
  sagaSettled,
  type PlacedOrder,
  type TestUser,
} from '../fixtures/index.ts';
import { send } from './catalog-helpers.ts';
import { orderRow, ORDERS } from './checkout-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

const patchStatus = (user: Parameters<typeof send>[0], id: string, status: string, ifMatch?: string) =>
  send(user, 'PATCH', `${ORDERS}/${id}/status`, {
    body: { status },
    headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
  });

describe('object-level authorization', () => {
  it("another user's or tenant's order and payment are 404; a USER cannot move or refund", async () => {
    const s = await checkoutShop();
    const other = await checkoutShop();
    const placed = await placeAndSettle(s.user, { lines: lines(s.product) });
    const stranger = await registerUser(s.tenantId);
    const payment = await paymentOfOrder(s.user, placed.order.id);
    for (const who of [stranger, other.user, other.admin]) {
      for (const path of [
        `${ORDERS}/${placed.order.id}`,
        `${ORDERS}/${placed.order.id}/payment`,
        `/api/v1/payments/${payment.id}`,
      ]) {
        expect((await send(who, 'GET', path)).status, path).toBe(404);
      }
      expect((await send(who, 'POST', `${ORDERS}/${placed.order.id}/cancel`, { body: {} })).status).toBe(404);
    }
    expect((await send(other.admin, 'GET', `${ORDERS}/${placed.order.id}/saga`)).status).toBe(404);
    expect((await patchStatus(s.user, placed.order.id, 'PROCESSING', '"1"')).status).toBe(403);
    expect(
      (
        await send(s.user, 'POST', `/api/v1/payments/${payment.id}/refunds`, {
          body: {},
          headers: { 'idempotency-key': 'refund-by-user-1' },
        })
      ).status,
    ).toBe(403);
    expect((await send(s.user, 'GET', `${ORDERS}/${placed.order.id}/saga`)).status).toBe(403);
    expect((await send(null, 'GET', ORDERS)).status).toBe(401);
    expect((await send(s.user, 'GET', `${ORDERS}/not-a-uuid`)).status).toBe(400);
  });

  it("a user lists their own orders; staff list the tenant's, in keyset pages", async () => {
    const s = await checkoutShop(10);
    for (let i = 0; i < 3; i++) await placeAndSettle(s.user, { lines: lines(s.product) });
    await placeAndSettle(s.admin, { lines: lines(s.product) });
    const list = async (who: TestUser, query: { limit?: string; cursor?: string; status?: 'CONFIRMED' }) =>
      jsonOf(await apiAs(who).orders.$get({ query }), 200);
    const own = await list(s.user, { limit: '2' });
    expect(own.data).toHaveLength(2);
    expect(own.data.every((o) => o.userId === s.user.id)).toBe(true);
    expect(own.nextCursor).toBeTruthy();
    const rest = await list(s.user, { limit: '2', cursor: own.nextCursor! });
    expect(rest).toMatchObject({ data: [expect.anything()], nextCursor: null });
    const staff = await list(s.manager, { status: 'CONFIRMED' });
    expect(staff.data).toHaveLength(4);
    expect((await send(s.user, 'GET', `${ORDERS}?cursor=garbage`)).status).toBe(400);
  });
});

describe('who may cancel an order: its owner or an ADMIN', () => {
  const cancel = (who: TestUser, id: string) => send(who, 'POST', `${ORDERS}/${id}/cancel`, { body: {} });
  const cancelWithKey = (key: string, id: string) =>
    call(`${ORDERS}/${id}/cancel`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: '{}',
    });
  async function apiKey(user: TestUser, scopes: string[]): Promise<string> {
    return (await jsonOf(await apiAs(user).auth['api-keys'].$post({ json: { name: 'orders', scopes } }), 201)).key;
  }

  const placed = async (who: TestUser, product: Parameters<typeof lines>[0]) =>
    (await jsonOf(await placeOrder(who, { lines: lines(product) }), 202)).order.id;

  it("SUPPORT and MANAGER see another customer's order but get 403; an ADMIN's API key gets 404", async () => {
    const s = await checkoutShop(10);
    const support = await grantRole(await registerUser(s.tenantId), 'SUPPORT');
    const id = await placed(s.user, s.product);
    for (const staff of [support, s.manager]) {
      expect((await send(staff, 'GET', `${ORDERS}/${id}`)).status).toBe(200);
      const refused = await cancel(staff, id);
      expect(refused.status).toBe(403);
      expect((await problemOf(refused)).type).toMatch(/forbidden$/);
    }
    // An ADMIN's API key carries no role: another's order is not even visible to it.
    expect((await cancelWithKey(await apiKey(s.admin, ['read:orders', 'write:orders']), id)).status).toBe(404);
    // The owner's key needs write:orders.
    expect((await cancelWithKey(await apiKey(s.user, ['read:orders']), id)).status).toBe(403);
    // None of them cancelled it: the saga completes.
    expect((await sagaSettled(id, 60_000)).status).toBe('COMPLETED');
  }, 90_000);

  it('the owner (token or API key with write:orders), an ADMIN, and staff for their own orders cancel', async () => {
    const s = await checkoutShop(10);
    const support = await grantRole(await registerUser(s.tenantId), 'SUPPORT');
    const ids = await Promise.all([
      placed(s.user, s.product),
      placed(s.user, s.product),
      placed(s.user, s.product),
      placed(support, s.product),
      placed(s.manager, s.product),
    ]);
    const [byAdmin, byOwner, byKey, supportOwn, managerOwn] = ids as [string, string, string, string, string];
    // Cancelled once CONFIRMED (what a cancel racing the running saga does is the saga's business).
    for (const id of ids) expect((await sagaSettled(id, 60_000)).status).toBe('COMPLETED');
    const ownerKey = await apiKey(s.user, ['read:orders', 'write:orders']);
    const answers = [
      await cancel(s.admin, byAdmin),
      await cancel(s.user, byOwner),
      await cancelWithKey(ownerKey, byKey),
      await cancel(support, supportOwn),
      await cancel(s.manager, managerOwn),
    ];
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    for (const id of ids)
      expect(
        await eventually(async () => ((await sagaSettled(id, 60_000)).status === 'COMPENSATED' ? 'ok' : null), 60_000),
      ).toBe('ok');
    await eventually(async () => (await orderRow(s.tenantId, byOwner))?.status === 'CANCELLED', 30_000);

    // Too late: 409 whose `status` is the HTTP status; the order's is `orderStatus`.
    const again = await cancel(s.user, byOwner);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ status: 409, orderStatus: 'CANCELLED' });
  }, 120_000);
});

describe('staff move orders along the state machine', () => {
  it('CONFIRMED -> PROCESSING -> SHIPPED -> DELIVERED with If-Match; stale 412, missing 428, skipping 409', async () => {
    const s = await checkoutShop();
    const { order } = await placeAndSettle(s.user, { lines: lines(s.product) });
    const v = order.version;
    expect((await patchStatus(s.manager, order.id, 'PROCESSING')).status).toBe(428);
    expect((await patchStatus(s.manager, order.id, 'SHIPPED', `"${v}"`)).status).toBe(409);
    expect((await patchStatus(s.manager, order.id, 'CANCELLED', `"${v}"`)).status).toBe(400);
    const processing = await patchStatus(s.manager, order.id, 'PROCESSING', `"${v}"`);
    expect(processing.status).toBe(200);
    expect(processing.headers.get('etag')).toBe(`"${v + 1}"`);
    const stale = await patchStatus(s.manager, order.id, 'SHIPPED', `"${v}"`);
    expect(stale.status).toBe(412);
    // Two staff members with the same version: exactly one wins.
    const race = await Promise.all([1, 2].map(() => patchStatus(s.manager, order.id, 'SHIPPED', `"${v + 1}"`)));
    expect(race.map((r) => r.status).sort()).toEqual([200, 412]);
    const delivered = await patchStatus(s.admin, order.id, 'DELIVERED', `"${v + 2}"`);
    expect(await delivered.json()).toMatchObject({ status: 'DELIVERED', completedAt: expect.any(String) });
    expect((await patchStatus(s.admin, order.id, 'PROCESSING', `"${v + 3}"`)).status).toBe(409);
    expect((await send(s.user, 'POST', `${ORDERS}/${order.id}/cancel`, { body: {} })).status).toBe(409);
    const types = await eventually(async () => {
      const docs = await stores
        .mongo()
        .collection<{ type: string }>('notifications')
        .find({ tenantId: s.tenantId, userId: s.user.id });
      const t = docs.map((d) => d.type).sort();
      return t.length >= 3 ? t : null;
    });
    expect(types).toEqual(['ORDER_CONFIRMATION', 'ORDER_DELIVERED', 'ORDER_SHIPPED']);
    // A DELIVERED order makes the buyer's review a verified purchase.
    const review = await send(s.user, 'POST', `/api/v1/products/${s.product.id}/reviews`, {
      body: { rating: 5, title: 'Great', comment: 'Works well.' },
    });
    expect(review.status).toBe(201);
    expect(await review.json()).toMatchObject({ verifiedPurchase: true });
  });
});

describe('refunds', () => {
  it('partial then the rest, never more than captured; the full refund marks payment and order REFUNDED', async () => {
    const s = await checkoutShop(5, '30.00');
    const { order } = await placeAndSettle(s.user, { lines: lines(s.product, 2) }); // 60.00 + 4.80 tax
    const payment = await paymentOfOrder(s.user, order.id);
    expect(payment.amount).toBe('64.80');
    const refund = (key: string, body: Record<string, unknown>) =>
      send(s.manager, 'POST', `/api/v1/payments/${payment.id}/refunds`, { body, headers: { 'idempotency-key': key } });
    const typedRefund = (key: string, json: { amount?: string; reason?: string }) =>
      apiAs(s.manager).payments[':id'].refunds.$post({
        param: { id: payment.id },
        header: { 'idempotency-key': key },
        json,
      });
    const firstBody = await jsonOf(await typedRefund('refund-key-0001', { amount: '10.00', reason: 'scratched' }), 201);
    expect(firstBody.status).toBe('SUCCEEDED');
    expect((await jsonOf(await typedRefund('refund-key-0001', { amount: '10.00', reason: 'scratched' }), 201)).id).toBe(
      firstBody.id,
    );
    expect((await refund('refund-key-0001', { amount: '11.00' })).status).toBe(422);
    const over = await refund('refund-key-0002', { amount: '54.81' });
    expect(over.status).toBe(422);
    expect((await problemOf(over)).errors?.[0]).toMatchObject({ field: 'body.amount', message: 'at most 54.80' });
    expect((await refund('refund-key-0003', { amount: '-1' })).status).toBe(400);
    const huge = await refund('refund-key-0006', { amount: '100000000.00' }); // more than DECIMAL(10,2) holds
    expect(huge.status).toBe(400);
    expect((await problemOf(huge)).errors?.[0]?.field).toBe('body.amount');
    const rest = await typedRefund('refund-key-0004', {});
    expect(await jsonOf(rest, 201)).toMatchObject({ amount: '54.80', status: 'SUCCEEDED' });
    const after = await jsonOf(await apiAs(s.user).payments[':id'].$get({ param: { id: payment.id } }), 200);
    expect(after).toMatchObject({ status: 'REFUNDED', refunds: [expect.anything(), expect.anything()] });
    expect((await orderOf(s.user, order.id)).paymentStatus).toBe('REFUNDED');
    const late = await refund('refund-key-0005', { amount: '1.00' });
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ status: 409, paymentStatus: 'REFUNDED' });
  });
});

describe('payment webhooks', () => {
  async function deliver(body: string, signature?: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signature !== undefined) headers[TEST_SIGNATURE_HEADER] = signature;
    return call('/api/v1/payments/webhooks/test', { method: 'POST', headers, body });
  }

  it('bad signatures are 400, a replay changes nothing, events out of order never move a payment back', async () => {
    const s = await checkoutShop();
    const placed: PlacedOrder = await placeAndSettle(s.user, { lines: lines(s.product) });
    const payment = await paymentOfOrder(s.user, placed.order.id);
    const metadata = { orderId: placed.order.id, tenantId: s.tenantId };
    const amount = Math.round(Number(payment.amount) * 100);
    const refunded = testWebhookBody({
      id: `evt_${crypto.randomUUID()}`,
      type: 'charge.refunded',
      transactionId: payment.gatewayTransactionId!, // a captured payment has one
      object: { metadata, amount, amount_refunded: amount },
    });
    const secret = env.PAYMENTS_TEST_WEBHOOK_SECRET!;

    expect((await deliver(refunded)).status).toBe(400);
    expect((await deliver(refunded, await signTestWebhook('whsec_wrong', refunded))).status).toBe(400);
    expect(
      (await deliver(refunded.replace('charge.refunded', 'charge.refunDed'), await signTestWebhook(secret, refunded)))
        .status,
    ).toBe(400);
    expect(
      (await deliver(refunded, await signTestWebhook(secret, refunded, Math.floor(Date.now() / 1000) - 3600))).status,
    ).toBe(400);
    expect((await call('/api/v1/payments/webhooks/paypal', { method: 'POST', body: '{}' })).status).toBe(404);

    const ok = await deliver(refunded, await signTestWebhook(secret, refunded));
    expect(await ok.json()).toEqual({ received: true, duplicate: false, applied: 'payment refunded' });
    const replay = await deliver(refunded, await signTestWebhook(secret, refunded));
    expect(await replay.json()).toEqual({ received: true, duplicate: true, applied: null });
    // A late "succeeded" after the refund: acknowledged, nothing moves back.
    const late = testWebhookBody({
      id: `evt_${crypto.randomUUID()}`,
      type: 'payment_intent.succeeded',
      transactionId: payment.gatewayTransactionId!, // a captured payment has one
      object: { metadata, amount },
      created: Math.floor(Date.now() / 1000) - 60,
    });
    expect(await (await deliver(late, await signTestWebhook(secret, late))).json()).toMatchObject({
      duplicate: false,
      applied: null,
    });
    expect(await (await send(s.user, 'GET', `/api/v1/payments/${payment.id}`)).json()).toMatchObject({
      status: 'REFUNDED',
    });
    expect(await (await send(s.user, 'GET', `${ORDERS}/${placed.order.id}`)).json()).toMatchObject({
      paymentStatus: 'REFUNDED',
    });
  });
});
