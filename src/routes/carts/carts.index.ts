import type { Context } from 'hono';

import { createRouter } from '../../lib/create-router.ts';
import { etagOf, expectedVersion, type IfMatch } from '../../lib/etag.ts';
import type { AppEnv } from '../../lib/types.ts';
import { principalOf } from '../../middleware/auth.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import * as carts from '../../services/carts/index.ts';
import * as orders from '../../services/orders/index.ts';
import { catalogEstimates } from './carts.catalog.ts';
import * as routes from './carts.routes.ts';

/** Which cart a request edits: its path id, the cart token it carries, the version it read (If-Match, when the route takes it). */
function editOf(c: Context<AppEnv>, id: string, ifMatch?: IfMatch): carts.CartEdit {
  const token = c.req.header(carts.CART_TOKEN_HEADER) || undefined;
  return { cartId: id, token, expectedVersion: ifMatch === undefined ? undefined : expectedVersion(ifMatch) };
}

function answer(c: Context<AppEnv>, cart: carts.CartState) {
  c.header('etag', etagOf(cart.version));
  c.header('cache-control', 'private, no-store');
  return carts.cartView(cart, carts.cartExpiryMs(c.env));
}

export const cartsRoutes = createRouter()
  .openapi(routes.createCart, async (c) => {
    const { cart, token, created } = await carts.createCart(ctxOf(c));
    c.header('cache-control', 'private, no-store');
    if (!created) return c.json({ cart: carts.cartView(cart, carts.cartExpiryMs(c.env)), cartToken: null }, 200);
    c.header('location', `/api/v1/carts/${cart.id}`);
    return c.json({ cart: carts.cartView(cart, carts.cartExpiryMs(c.env)), cartToken: token }, 201);
  })
  .openapi(routes.getCart, async (c) => {
    const edit = editOf(c, c.req.valid('param').id);
    const cart = await carts.getCart(ctxOf(c), { ...edit, catalog: catalogEstimates(c) });
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.addLine, async (c) => {
    const edit = editOf(c, c.req.valid('param').id, c.req.valid('header')['if-match']);
    const cart = await carts.addLine(ctxOf(c), { ...edit, line: c.req.valid('json'), catalog: catalogEstimates(c) });
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.setLine, async (c) => {
    const edit = editOf(c, c.req.valid('param').id, c.req.valid('header')['if-match']);
    const { productId, quantity } = c.req.valid('json');
    const command = { type: 'setQuantity' as const, productId: productId.toLowerCase(), quantity };
    const { cart } = await carts.editCart(ctxOf(c), { ...edit, command });
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.removeLine, async (c) => {
    const edit = editOf(c, c.req.valid('param').id, c.req.valid('header')['if-match']);
    const productId = c.req.valid('query').productId.toLowerCase();
    const { cart } = await carts.editCart(ctxOf(c), { ...edit, command: { type: 'removeLine', productId } });
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.setShippingAddress, async (c) => {
    const edit = editOf(c, c.req.valid('param').id, c.req.valid('header')['if-match']);
    const { cart } = await carts.setShippingAddress(ctxOf(c), { ...edit, address: c.req.valid('json') });
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.setPromotionCode, async (c) => {
    const edit = editOf(c, c.req.valid('param').id, c.req.valid('header')['if-match']);
    const { cart } = await carts.setPromotionCode(ctxOf(c), { ...edit, code: c.req.valid('json').code });
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.mergeCart, async (c) => {
    const { cartId, token } = editOf(c, c.req.valid('param').id);
    const cart = await carts.mergeCart(ctxOf(c), { userId: principalOf(c).userId, cartId, token });
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.checkout, async (c) => {
    const ctx = ctxOf(c);
    const headers = c.req.valid('header');
    const { cartId, token } = editOf(c, c.req.valid('param').id);
    const placed = await carts.checkoutCart(ctx, {
      cartId,
      token,
      body: c.req.valid('json'),
      idempotencyKey: headers['idempotency-key'],
    });
    const { order, saga } = await orders.waitForSaga(ctx, { ...placed, seconds: headers.prefer });
    if (placed.replayed) c.header('idempotent-replayed', 'true');
    c.header('location', `/api/v1/orders/${order.id}`);
    c.header('etag', etagOf(order.version));
    const summary = saga && {
      status: saga.status,
      currentStep: saga.currentStep,
      totalSteps: saga.totalSteps,
      errorMessage: saga.errorMessage,
    };
    return c.json({ order, saga: summary ?? null }, 202);
  });
