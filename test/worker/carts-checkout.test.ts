/**
 * Cart checkout through the real order placement and saga: re-priced from the store, replayed
 * by Idempotency-Key, closed when the order is CONFIRMED and reopened when the saga compensates
 * (both from the order events on the notifications queue).
 */
import { describe, expect, it } from 'vitest';

import {
  addLine,
  anonymousCart,
  cartCall,
  getCart,
  json,
  userCart,
  warmProduct,
  type CartBody,
} from './carts-helpers.ts';
import { PRODUCTS, send } from './catalog-helpers.ts';
import { ADDRESS, checkoutShop, orderRow, type PlacedOrder } from './checkout-helpers.ts';
import { eventually, problemOf } from './helpers.ts';
import { createPromotion } from './promotions-helpers.ts';

function checkout(who: Parameters<typeof cartCall>[0], cartId: string, key: string, token = 'pm_test_success') {
  return cartCall(who, 'POST', `/${cartId}/checkout`, {
    body: { paymentMethod: { type: 'card', token } },
    headers: { 'idempotency-key': key, prefer: 'wait=10' },
  });
}

describe('promotion code', () => {
  it('is checked when set (a refused code is a 422 naming body.code) and lands in the order at checkout', async () => {
    const { tenantId, manager, user, product } = await checkoutShop(5, '20.00');
    await warmProduct(tenantId, product);
    const who = { tenantId, user };
    const cart = await userCart(user);
    await addLine(who, cart.id, product, 2);
    await cartCall(who, 'PUT', `/${cart.id}/shipping-address`, { body: ADDRESS });
    const promo = await createPromotion(manager, { kind: 'PERCENT', value: 1000 });
    const expired = await createPromotion(manager, { endsAt: new Date(Date.now() - 60_000).toISOString() });

    const refused = await cartCall(who, 'PUT', `/${cart.id}/promotion-code`, { body: { code: expired.code } });
    expect(refused.status).toBe(422);
    const problem = await problemOf(refused);
    expect(problem.type).toMatch(/promotion-code-expired$/);
    expect(problem.errors?.[0]?.field).toBe('body.code');
    const unknown = await cartCall(who, 'PUT', `/${cart.id}/promotion-code`, { body: { code: 'NO-SUCH-CODE' } });
    expect((await problemOf(unknown)).type).toMatch(/promotion-code-unknown$/);

    const set = await json<CartBody & { promotionCode: string; estimatedDiscount: string }>(
      await cartCall(who, 'PUT', `/${cart.id}/promotion-code`, { body: { code: promo.code.toLowerCase() } }),
      200,
    );
    expect(set.promotionCode).toBe(promo.code);
    expect(set.estimatedDiscount).toBe('4.00');

    const placed = await json<PlacedOrder & { order: { discount: string } }>(
      await checkout(who, cart.id, `key-${crypto.randomUUID()}`),
      202,
    );
    expect(placed.order.status).toBe('CONFIRMED');
    expect(placed.order.subtotal).toBe('40.00');
    expect(placed.order.discount).toBe('4.00');
  });
});

describe('checkout', () => {
  it('re-prices from the store, reaches CONFIRMED, replays by key, and closes the cart', async () => {
    const { tenantId, manager, user, product } = await checkoutShop(5, '10.00');
    await warmProduct(tenantId, product);
    const cart = await userCart(user);
    const who = { tenantId, user };
    const added = await json<CartBody>(await addLine(who, cart.id, product, 2), 200);
    expect(added.lines[0]!.estimatedUnitPrice).toBe('10.00');
    await cartCall(who, 'PUT', `/${cart.id}/shipping-address`, { body: ADDRESS });
    // The price changes after the cart showed its estimate: the order takes the store's price.
    expect((await send(manager, 'PUT', `${PRODUCTS}/${product.id}/price`, { body: { price: '12.00' } })).status).toBe(
      200,
    );

    const key = `key-${crypto.randomUUID()}`;
    const res = await checkout(who, cart.id, key);
    const placed = await json<PlacedOrder>(res, 202);
    expect(res.headers.get('location')).toBe(`/api/v1/orders/${placed.order.id}`);
    expect(placed.order.status).toBe('CONFIRMED');
    expect(placed.order.items.map((i) => [i.quantity, i.unitPrice, i.totalPrice])).toEqual([[2, '12.00', '24.00']]);
    expect(placed.order.subtotal).toBe('24.00');
    expect((await orderRow(tenantId, placed.order.id))!.status).toBe('CONFIRMED');

    const replay = await checkout(who, cart.id, key);
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await json<PlacedOrder>(replay, 202)).order.id).toBe(placed.order.id);

    const closed = await eventually(async () => {
      const c = await json<CartBody>(await getCart(who, cart.id), 200);
      return c.status === 'CLOSED' ? c : null;
    });
    expect(closed.orderId).toBe(placed.order.id);
    expect((await addLine(who, cart.id, product, 1)).status).toBe(409);
    // The user's next cart is a new one.
    const next = await json<{ cart: CartBody }>(await cartCall(who, 'POST', ''), 201);
    expect(next.cart.id).not.toBe(cart.id);
  });

  it('reopens the cart with its lines when the saga compensates (declined card)', async () => {
    const { tenantId, user, product } = await checkoutShop(5, '10.00');
    const who = { tenantId, user };
    const cart = await userCart(user);
    await addLine(who, cart.id, product, 1);
    await cartCall(who, 'PUT', `/${cart.id}/shipping-address`, { body: ADDRESS });
    const placed = await json<PlacedOrder>(
      await checkout(who, cart.id, `key-${crypto.randomUUID()}`, 'pm_test_declined'),
      202,
    );
    expect(placed.saga?.status).toBe('COMPENSATED');
    const reopened = await eventually(async () => {
      const c = await json<CartBody>(await getCart(who, cart.id), 200);
      return c.status === 'OPEN' && c.orderId === placed.order.id ? c : null;
    });
    expect(reopened.lines.map((l) => [l.productId, l.quantity])).toEqual([[product.id, 1]]);
    expect((await addLine(who, cart.id, product, 1)).status).toBe(200);
    expect((await userCart(user)).id).toBe(cart.id); // still the user's one open cart
  });

  it('needs a signed-in owner, lines and an address; a refused placement leaves the cart open', async () => {
    const { tenantId, user, product } = await checkoutShop(5, '10.00');
    const { cart: anon, token } = await anonymousCart(tenantId);
    await addLine({ tenantId, token }, anon.id, product, 1);
    expect((await checkout({ tenantId, token }, anon.id, `key-${crypto.randomUUID()}`)).status).toBe(401);
    const holder = await checkout({ tenantId, token, user }, anon.id, `key-${crypto.randomUUID()}`);
    expect(holder.status).toBe(409);
    expect((await problemOf(holder)).type).toMatch(/cart-anonymous$/);

    const who = { tenantId, user };
    const cart = await userCart(user);
    const empty = await cartCall(who, 'POST', `/${cart.id}/checkout`, {
      body: { paymentMethod: { type: 'card', token: 'pm_test_success' }, shippingAddressId: crypto.randomUUID() },
      headers: { 'idempotency-key': `key-${crypto.randomUUID()}` },
    });
    expect(empty.status).toBe(422);
    expect((await problemOf(empty)).type).toMatch(/cart-empty$/);
    await addLine(who, cart.id, product, 1);
    const noAddress = await checkout(who, cart.id, `key-${crypto.randomUUID()}`);
    expect(noAddress.status).toBe(422);
    expect((await problemOf(noAddress)).errors?.[0]?.field).toBe('body.shippingAddressId');
    // Refused by the placement (not one of the user's addresses): the cart is open again.
    const foreignAddress = await cartCall(who, 'POST', `/${cart.id}/checkout`, {
      body: { paymentMethod: { type: 'card', token: 'pm_test_success' }, shippingAddressId: crypto.randomUUID() },
      headers: { 'idempotency-key': `key-${crypto.randomUUID()}` },
    });
    expect(foreignAddress.status).toBe(422);
    expect((await problemOf(foreignAddress)).type).toMatch(/address-not-found$/);
    expect((await json<CartBody>(await getCart(who, cart.id), 200)).status).toBe('OPEN');
    expect((await addLine(who, cart.id, product, 1)).status).toBe(200);
  });
});
