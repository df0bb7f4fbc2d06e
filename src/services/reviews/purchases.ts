/**
 * "Verified purchase" and the author's display data: the only places where the
 * review service reads PostgreSQL. Both read other services' tables in a tenant
 * transaction (RLS) and write nothing.
 *
 * Rule (verifiedPurchase): true when the author has an order in status DELIVERED
 * (orders.orders, same tenant, user_id = author) with an order item that is this
 * product, where an item "is this product" when
 *   1. order_items.product_id = productIdAsUuid(productId), or
 *   2. the product has a SKU and order_items.product_sku = that SKU (exact match).
 * Why two tests: order_items.product_id is a UUID column while products live in
 * MongoDB under 12-byte ObjectIds. Rule 1 is exact but needs the order service to
 * store products under the padded UUID below when it denormalises them; rule 2
 * uses the SKU the seed already copies into every order item (SKUs are treated as
 * identifying a product within a tenant). Product names are never compared (not
 * unique). Evaluated when the review is created; editing keeps it.
 *
 * TODO(order service): this query belongs to services/orders once it exists, and
 * productIdAsUuid to lib/ids.
 */
import { and, eq, or, type SQL } from 'drizzle-orm';

import { orderItems, orders } from '../../db/pg/schema/index.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { Stores } from '../../db/stores.ts';
import { findProfile } from '../users/index.ts';
import type { ProductRef } from './model.ts';

/**
 * A Mongo ObjectId (24 hex digits, 12 bytes) as a UUID (32 hex digits): eight
 * leading zeros, then the ObjectId. Reversible and collision-free:
 * `6b06eed21006e491d07feb71` -> `00000000-6b06-eed2-1006-e491d07feb71`.
 */
export function productIdAsUuid(productId: string): string {
  const hex = `00000000${productId.toLowerCase()}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Whether the user has a DELIVERED order of the product (rule above). */
export async function hasDeliveredPurchase(
  stores: Stores,
  tenantId: string,
  userId: string,
  product: ProductRef,
): Promise<boolean> {
  const sameProduct: SQL[] = [eq(orderItems.productId, productIdAsUuid(product.id))];
  if (product.sku) sameProduct.push(eq(orderItems.productSku, product.sku));
  const rows = await inTenantTx(stores.pg('orders').db, tenantId, (tx) =>
    tx
      .select({ id: orderItems.id })
      .from(orderItems)
      .innerJoin(orders, eq(orders.id, orderItems.orderId))
      .where(and(eq(orders.userId, userId), eq(orders.status, 'DELIVERED'), or(...sameProduct)))
      .limit(1),
  );
  return rows.length > 0;
}

/** Display name ("First Last") and avatar from the user's profile; nulls when there is none. */
export async function authorSnapshot(
  stores: Stores,
  tenantId: string,
  userId: string,
): Promise<{ userName: string | null; userAvatar: string | null }> {
  const profile = await inTenantTx(stores.pg('users').db, tenantId, (tx) => findProfile(tx, userId));
  const name = [profile?.firstName, profile?.lastName]
    .filter((p): p is string => !!p && p.trim().length > 0)
    .join(' ')
    .trim();
  return { userName: name || null, userAvatar: profile?.avatarUrl ?? null };
}
