/** What an expiring cart leaves behind: its user's directory stops naming it (the object deletes itself). */
import { runOwner, type CartScope } from './cart-client.ts';
import type { CartState } from './model.ts';

export async function forgetExpiredCart(ctx: CartScope, cart: CartState): Promise<void> {
  if (cart.userId === null) return;
  await runOwner(ctx, { type: 'release', tenantId: cart.tenantId, userId: cart.userId, cartId: cart.id });
}
