/**
 * GET /carts/{id}: the cart as its object holds it, every line's estimate read again from the
 * edge cache (no store call). A product the cache no longer holds (purged by a change, or
 * expired) is read through the catalog after the answer, except one the cart learned was
 * unavailable less than ESTIMATE_REFRESH_MS ago (a 404 is never cached: no read per GET).
 */
import { actorOf } from './access.ts';
import { runCart, type CartRef } from './cart-client.ts';
import { refreshEstimates } from './commands.ts';
import type { CartContext } from './context.ts';
import { ESTIMATE_REFRESH_MS, type CartState } from './model.ts';

export async function getCart(ctx: CartContext, ref: CartRef, token: string | undefined): Promise<CartState> {
  const actor = await actorOf(ctx, token);
  const { cart } = await runCart(ctx.env, ref, { command: { type: 'read' }, actor });
  if (cart.lines.length === 0 || cart.status !== 'OPEN') return cart;
  const now = Date.now();
  const known = new Map(cart.lines.map((l) => [l.productId, l.estimate]));
  const recentlyUnavailable = (id: string) => {
    const e = known.get(id);
    return !!e && !e.available && now - e.checkedAt < ESTIMATE_REFRESH_MS;
  };
  return (await refreshEstimates(ctx, ref, [...known.keys()], recentlyUnavailable)) ?? cart;
}
