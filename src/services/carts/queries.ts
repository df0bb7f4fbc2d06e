/**
 * GET /carts/{id}: the cart as its object holds it, every line's estimate read again from the
 * edge cache (no store call). A product the cache no longer holds (purged by a change, or
 * expired) is read through the catalog after the answer, except one the cart learned was
 * unavailable less than ESTIMATE_REFRESH_MS ago (a 404 is never cached: no read per GET).
 */
import type { ServiceContext } from '../context.ts';
import { actorOf } from './access.ts';
import { runCart } from './cart-client.ts';
import { refreshEstimates } from './commands.ts';
import type { CatalogEstimates } from './estimates.ts';
import { ESTIMATE_REFRESH_MS, type CartState } from './model.ts';

export interface GetCartInput {
  cartId: string;
  token?: string | undefined;
  /** Where the line estimates are read (the edge cache, see estimates.ts). */
  catalog: CatalogEstimates;
}

export async function getCart(ctx: ServiceContext, input: GetCartInput): Promise<CartState> {
  const ref = { tenantId: ctx.tenantId, cartId: input.cartId };
  const actor = await actorOf(ctx, input.token);
  const { cart } = await runCart(ctx, { ref, command: { type: 'read' }, actor });
  if (cart.lines.length === 0 || cart.status !== 'OPEN') return cart;
  const now = Date.now();
  const known = new Map(cart.lines.map((l) => [l.productId, l.estimate]));
  const recentlyUnavailable = (id: string) => {
    const e = known.get(id);
    return !!e && !e.available && now - e.checkedAt < ESTIMATE_REFRESH_MS;
  };
  const productIds = [...known.keys()];
  return (
    (await refreshEstimates(ctx, { ref, productIds, catalog: input.catalog, skipLater: recentlyUnavailable })) ?? cart
  );
}
