/**
 * Whether a user bought a product: the reviews service's "verified purchase", asked of the
 * orders it does not own. True when the user has an order in status DELIVERED (same tenant,
 * RLS) with an item that is this product, where an item "is this product" when
 *   1. order_items.product_id = productIdAsUuid(productId) (place-order stores every line so), or
 *   2. the product has a SKU and order_items.product_sku = that SKU (exact match).
 * Rule 2 matches items whose product_id is not the product's padded id (the seed copies the SKU
 * into every order item); SKUs are treated as identifying a product within a tenant. Product
 * names are never compared (not unique). Evaluated when a review is created; editing keeps it.
 */
import { and, eq, or, type SQL } from 'drizzle-orm';

import { orderItems, orders } from '../../db/pg/schema/orders.ts';
import { inTenantRead } from '../../db/pg/tenant-tx.ts';
import { productIdAsUuid } from '../../lib/ids.ts';
import type { ServiceContext } from '../context.ts';

export async function hasDeliveredOrderOf(
  ctx: Pick<ServiceContext, 'stores' | 'tenantId'>,
  { userId, product }: { userId: string; product: { id: string; sku: string | null } },
): Promise<boolean> {
  const { stores, tenantId } = ctx;
  const sameProduct: SQL[] = [eq(orderItems.productId, productIdAsUuid(product.id))];
  if (product.sku) sameProduct.push(eq(orderItems.productSku, product.sku));
  const rows = await inTenantRead(stores.pg('orders'), tenantId, (tx) =>
    tx
      .select({ id: orderItems.id })
      .from(orderItems)
      .innerJoin(orders, eq(orders.id, orderItems.orderId))
      .where(and(eq(orders.userId, userId), eq(orders.status, 'DELIVERED'), or(...sameProduct)))
      .limit(1),
  );
  return rows.length > 0;
}
