/**
 * What checkout may know of products: the current price, name, SKU and whether the
 * product can be sold, read straight from the store (never from a cache) in ONE Data
 * API call for all lines of an order. Stock is not decided here: the saga's
 * reserveStock (stock.ts) is the only judge of availability.
 */
import type { DataApiClient } from '../../db/mongo/client.ts';
import { isObjectIdHex, objectId, PRODUCTS } from './common.ts';
import { stateFromDoc, type ProductDoc } from './event-store.ts';

export interface SellableProduct {
  id: string;
  name: string;
  sku: string | null;
  priceMinor: number;
  currency: string;
  /** The product's category (a promotion's category scope reads it). */
  categoryId: string | null;
  /** Published, ACTIVE (or OUT_OF_STOCK: the reservation then decides) and not deleted. */
  sellable: boolean;
}

export async function productsForCheckout(
  mongo: DataApiClient,
  tenantId: string,
  ids: string[],
): Promise<Map<string, SellableProduct>> {
  const valid = [...new Set(ids.map((id) => id.toLowerCase()))].filter(isObjectIdHex);
  const found = new Map<string, SellableProduct>();
  if (valid.length === 0) return found;
  const docs = await mongo
    .collection<ProductDoc>(PRODUCTS)
    .find({ tenantId, _id: { $in: valid.map(objectId) } }, { limit: valid.length });
  for (const doc of docs) {
    const state = stateFromDoc(doc);
    if (!state) continue;
    found.set(state.id, {
      id: state.id,
      name: state.name,
      sku: state.sku,
      priceMinor: state.priceMinor,
      currency: state.currency,
      categoryId: state.category?.id ?? null,
      sellable:
        state.published && state.deletedAt === null && (state.status === 'ACTIVE' || state.status === 'OUT_OF_STOCK'),
    });
  }
  return found;
}
