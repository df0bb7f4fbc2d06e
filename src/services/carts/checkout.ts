/**
 * POST /carts/{id}/checkout: the cart's lines through the existing order placement
 * (services/orders/place-order.ts), which prices every line from the store, never from the
 * cart's estimates. The cart is frozen (CHECKING_OUT) under the request's Idempotency-Key
 * first, so a retry with the same key replays the same order and no edit slips in between;
 * a placement the client must fix (4xx) unfreezes it. The order's saga then decides: its
 * CONFIRMED closes the cart, its compensation reopens it (order-events.ts).
 */
import { Problem, problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { placeOrder, type PlacedOrder, type PlaceOrderInput } from '../orders/index.ts';
import { actorOf, SYSTEM } from './access.ts';
import { runCart, runOwner } from './cart-client.ts';
import { cartErrors } from './errors.ts';

export interface CheckoutInput {
  paymentMethod: { type: string; token: string };
  shippingAddressId?: string | undefined;
  currency?: string | undefined;
}

export interface CheckoutRequest {
  cartId: string;
  token?: string | undefined;
  body: CheckoutInput;
  idempotencyKey: string;
}

export async function checkoutCart(
  ctx: ServiceContext,
  request: CheckoutRequest,
): Promise<PlacedOrder & { cartId: string }> {
  const { body: input, idempotencyKey } = request;
  const ref = { tenantId: ctx.tenantId, cartId: request.cartId };
  const principal = ctx.principal;
  if (!principal) throw cartErrors.signInToCheckout();
  const actor = await actorOf(ctx, request.token);
  const { cart } = await runCart(ctx, { ref, command: { type: 'read' }, actor });
  if (cart.userId !== principal.userId) throw cartErrors.anonymousCheckout();
  if (!input.shippingAddressId && !cart.shippingAddress) throw cartErrors.noShippingAddress();

  const { cart: frozen } = await runCart(ctx, {
    ref,
    command: { type: 'beginCheckout', key: idempotencyKey },
    actor,
  });
  const order: PlaceOrderInput = {
    lines: frozen.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
    paymentMethod: input.paymentMethod,
    currency: input.currency ?? frozen.lines.find((l) => l.estimate?.currency)?.estimate?.currency ?? 'USD',
    // Re-checked by the placement in the order's transaction (a refusal is 422 on body.promotionCode).
    ...(frozen.promotionCode ? { promotionCode: frozen.promotionCode } : {}),
    ...(input.shippingAddressId
      ? { shippingAddressId: input.shippingAddressId }
      : { shippingAddress: frozen.shippingAddress! }),
  };
  let placed: PlacedOrder;
  try {
    placed = await placeOrder(ctx, { body: order, idempotencyKey });
  } catch (err) {
    // Refused for good (unavailable product, currency, address...): the cart is the customer's again.
    // A 503 or a crash keeps it frozen: the retry with the same key replays the placement.
    if (err instanceof Problem && err.status < 500)
      await runCart(ctx, { ref, command: { type: 'abortCheckout', key: idempotencyKey }, actor: SYSTEM });
    throw err;
  }
  const orderId = placed.order.id;
  await runOwner(ctx, {
    type: 'linkOrder',
    tenantId: ctx.tenantId,
    userId: principal.userId,
    orderId,
    cartId: cart.id,
  });
  const recorded = await runCart(ctx, {
    ref,
    command: { type: 'checkoutPlaced', key: idempotencyKey, orderId },
    actor: SYSTEM,
  });
  if (recorded.note === 'closed')
    await runOwner(ctx, { type: 'release', tenantId: ctx.tenantId, userId: principal.userId, cartId: cart.id });
  if (!placed.order) throw problems.internal();
  return { ...placed, cartId: cart.id };
}
