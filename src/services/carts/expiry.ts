/** What an expiring cart leaves behind: its user's directory stops naming it (the object deletes itself). */
import type { Env } from '../../env.ts';
import { runOwner } from './cart-client.ts';
import type { CartState } from './model.ts';

export async function forgetExpiredCart(env: Pick<Env, 'CART'>, cart: CartState): Promise<void> {
  if (cart.userId === null) return;
  await runOwner(env, { type: 'release', tenantId: cart.tenantId, userId: cart.userId, cartId: cart.id });
}
