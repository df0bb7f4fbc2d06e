/**
 * The cart follows its order through the order events that already flow to the notifications
 * queue (the saga announces ORDER_CONFIRMATION when it completes and ORDER_CANCELLED when it
 * compensates): CONFIRMED closes the cart, compensated reopens it (a closed cart only if its
 * user has no other open cart by then). Called by the notifications consumer for every
 * message; idempotent (a replayed event finds the cart already moved), and an order that was
 * not a cart's checkout changes nothing.
 */
import { SYSTEM } from './access.ts';
import { runCart, runOwner, type CartScope } from './cart-client.ts';
import { readCart } from './commands.ts';
import type { OrderOutcome } from './model.ts';

interface OrderMessage {
  type: string;
  tenantId: string;
  userId: string;
  data?: Record<string, unknown> | undefined;
}

const OUTCOMES: Record<string, OrderOutcome> = { ORDER_CONFIRMATION: 'CONFIRMED', ORDER_CANCELLED: 'CANCELLED' };

export async function followOrderEvent(ctx: CartScope, msg: OrderMessage): Promise<void> {
  const outcome = OUTCOMES[msg.type];
  const orderId = msg.data?.orderId;
  if (!outcome || typeof orderId !== 'string') return;
  const { tenantId, userId } = msg;
  const directory = await runOwner(ctx, { type: 'lookup', tenantId, userId });
  const cartId = directory.orders.find(([o]) => o === orderId)?.[1] ?? directory.openCartId;
  if (!cartId) return;
  const ref = { tenantId, cartId };
  const cart = await readCart(ctx, ref);
  if (!cart) return;
  let mayReopen = true;
  if (outcome === 'CANCELLED' && cart.status === 'CLOSED' && cart.orderIds.at(-1) === orderId)
    mayReopen = (await runOwner(ctx, { type: 'reopen', tenantId, userId, cartId })).granted === true;
  const applied = await runCart(ctx, {
    ref,
    command: { type: 'orderOutcome', orderId, outcome, mayReopen },
    actor: SYSTEM,
  });
  if (applied.note === 'closed') await runOwner(ctx, { type: 'release', tenantId, userId, cartId });
}
