/** Checks a product command makes before it decides: image, price, category and SKU rules (400/409 naming the field). */
import type { DataApiClient, Filter } from '../../db/mongo/client.ts';
import { categoryRef } from './category-store.ts';
import { objectId, PRODUCTS } from './common.ts';
import { catalogErrors } from './errors.ts';
import type { ProductDoc } from './event-store.ts';
import type { CategoryRef, ProductImage } from './product-reducer.ts';

export function assertImages(images: ProductImage[] | undefined): void {
  if (!images || images.length === 0) return;
  const primaries = images.filter((i) => i.isPrimary).length;
  if (primaries !== 1)
    throw catalogErrors.invalidField('body.images', `exactly one image must be primary (got ${primaries})`);
}

export function assertPrices(priceMinor: number, compareAtPriceMinor: number | null): void {
  if (compareAtPriceMinor !== null && compareAtPriceMinor < priceMinor) {
    throw catalogErrors.invalidField('body.compareAtPrice', 'must be greater than or equal to price');
  }
}

export async function resolveCategory(
  mongo: DataApiClient,
  tenantId: string,
  categoryId: string | null | undefined,
): Promise<CategoryRef | null> {
  if (!categoryId) return null;
  const ref = await categoryRef(mongo, tenantId, categoryId);
  if (!ref) throw catalogErrors.invalidField('body.categoryId', 'no such category');
  return ref;
}

/** Best effort (no unique index: products without a SKU would collide on null). */
export async function assertSkuFree(
  mongo: DataApiClient,
  tenantId: string,
  sku: string | null | undefined,
  exceptId?: string,
): Promise<void> {
  if (!sku) return;
  const filter: Filter<ProductDoc> = { tenantId, sku, deletedAt: null, version: { $gte: 1 } };
  if (exceptId) filter._id = { $ne: objectId(exceptId) };
  const other = await mongo.collection(PRODUCTS).findOne(filter, { projection: { _id: 1 } });
  if (other) throw catalogErrors.fieldConflict('body.sku', `SKU '${sku}' is used by another product`);
}
