import type { Context } from 'hono';

import { createRouter } from '../../lib/create-router.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import type { AppEnv } from '../../lib/types.ts';
import { principalOf } from '../../middleware/auth.ts';
import { tenantIdOfRequest } from '../../middleware/tenant.ts';
import * as carts from '../../services/carts/index.ts';
import * as orders from '../../services/orders/index.ts';
import { catalogEstimates } from './carts.catalog.ts';
import * as routes from './carts.routes.ts';

/** The cart context of a request: the tenant of the credentials, else as for public reads (X-Tenant-ID). */
async function cartContext(c: Context<AppEnv>): Promise<carts.CartContext> {
  const principal = c.get('principal') ?? null;
  const tenantId = principal ? principal.tenantId : await tenantIdOfRequest(c);
  return {
    env: c.env,
    stores: c.get('stores'),
    tenantId,
    principal,
    logger: c.get('logger'),
    catalog: catalogEstimates(c),
  };
}

const tokenOf = (c: Context<AppEnv>) => c.req.header(carts.CART_TOKEN_HEADER) || undefined;

function answer(c: Context<AppEnv>, cart: carts.CartState) {
  c.header('etag', etagOf(cart.version));
  c.header('cache-control', 'private, no-store');
  return carts.cartView(cart, carts.cartExpiryMs(c.env));
}

export const cartsRoutes = createRouter()
  .openapi(routes.createCart, async (c) => {
    const { cart, token, created } = await carts.createCart(await cartContext(c));
    c.header('cache-control', 'private, no-store');
    if (!created) return c.json({ cart: carts.cartView(cart, carts.cartExpiryMs(c.env)), cartToken: null }, 200);
    c.header('location', `/api/v1/carts/${cart.id}`);
    return c.json({ cart: carts.cartView(cart, carts.cartExpiryMs(c.env)), cartToken: token }, 201);
  })
  .openapi(routes.getCart, async (c) => {
    const ctx = await cartContext(c);
    const cart = await carts.getCart(ctx, { tenantId: ctx.tenantId, cartId: c.req.valid('param').id }, tokenOf(c));
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.addLine, async (c) => {
    const ctx = await cartContext(c);
    const ref = { tenantId: ctx.tenantId, cartId: c.req.valid('param').id };
    const version = expectedVersion(c.req.valid('header')['if-match']);
    const cart = await carts.addLine(ctx, ref, tokenOf(c), c.req.valid('json'), version);
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.setLine, async (c) => {
    const ctx = await cartContext(c);
    const ref = { tenantId: ctx.tenantId, cartId: c.req.valid('param').id };
    const { productId, quantity } = c.req.valid('json');
    const version = expectedVersion(c.req.valid('header')['if-match']);
    const command = { type: 'setQuantity' as const, productId: productId.toLowerCase(), quantity };
    const { cart } = await carts.editCart(ctx, ref, tokenOf(c), command, version);
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.removeLine, async (c) => {
    const ctx = await cartContext(c);
    const ref = { tenantId: ctx.tenantId, cartId: c.req.valid('param').id };
    const productId = c.req.valid('query').productId.toLowerCase();
    const version = expectedVersion(c.req.valid('header')['if-match']);
    const { cart } = await carts.editCart(ctx, ref, tokenOf(c), { type: 'removeLine', productId }, version);
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.setShippingAddress, async (c) => {
    const ctx = await cartContext(c);
    const ref = { tenantId: ctx.tenantId, cartId: c.req.valid('param').id };
    const version = expectedVersion(c.req.valid('header')['if-match']);
    const { cart } = await carts.setShippingAddress(ctx, ref, tokenOf(c), c.req.valid('json'), version);
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.setPromotionCode, async (c) => {
    const ctx = await cartContext(c);
    const ref = { tenantId: ctx.tenantId, cartId: c.req.valid('param').id };
    const version = expectedVersion(c.req.valid('header')['if-match']);
    const { cart } = await carts.setPromotionCode(ctx, ref, tokenOf(c), c.req.valid('json').code, version);
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.mergeCart, async (c) => {
    const ctx = await cartContext(c);
    const ref = { tenantId: ctx.tenantId, cartId: c.req.valid('param').id };
    const cart = await carts.mergeCart(ctx, principalOf(c).userId, ref, tokenOf(c));
    return c.json(answer(c, cart), 200);
  })
  .openapi(routes.checkout, async (c) => {
    const ctx = await cartContext(c);
    const headers = c.req.valid('header');
    const ref = { tenantId: ctx.tenantId, cartId: c.req.valid('param').id };
    const placed = await carts.checkoutCart(ctx, ref, c.req.valid('json'), headers['idempotency-key'], tokenOf(c));
    const wait = headers.prefer;
    const saga =
      wait > 0
        ? await orders.waitForSaga(ctx, placed.order.id, wait)
        : await orders.sagaOf(ctx, placed.order.id).state();
    const order = wait > 0 ? await orders.getOrder(ctx, placed.order.id) : placed.order;
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
