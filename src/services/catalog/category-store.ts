/**
 * The categories collection as the other catalog modules use it (no request context: the event
 * store, the pure list plan and the Node scripts reach these): the document, the copies products
 * embed, subtrees, and the productCount bookkeeping (see categories.ts for the rules).
 */
import type { ObjectId } from 'bson';

import type { DataApiClient } from '../../db/mongo/client.ts';
import { CATEGORIES, escapeRegex, isObjectIdHex, objectId, PRODUCTS } from './common.ts';
import { countedCategory, type CategoryRef, type ProductState } from './product-reducer.ts';

export interface CategoryDoc {
  _id: ObjectId;
  tenantId: string;
  name: string;
  slug: string;
  description: string | null;
  parentId: string | null;
  level: number;
  path: string;
  imageUrl: string | null;
  displayOrder: number;
  metaTitle: string | null;
  metaDescription: string | null;
  active: boolean;
  productCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export function collection(mongo: DataApiClient) {
  return mongo.collection<CategoryDoc>(CATEGORIES);
}

/** Regex matching `path` itself and every path below it. */
function subtreeRegex(path: string): string {
  return `^${escapeRegex(path)}(/|$)`;
}

export async function findById(mongo: DataApiClient, tenantId: string, id: string): Promise<CategoryDoc | null> {
  return isObjectIdHex(id) ? collection(mongo).findOne({ _id: objectId(id), tenantId }) : null;
}

/** The copy of a category that products embed, or null if it does not exist in the tenant. */
export async function categoryRef(mongo: DataApiClient, tenantId: string, id: string): Promise<CategoryRef | null> {
  const doc = await findById(mongo, tenantId, id);
  return doc ? { id: doc._id.toHexString(), name: doc.name, slug: doc.slug, path: doc.path } : null;
}

/** Current copies of several categories (for rebuilds). */
export async function categoryRefs(
  mongo: DataApiClient,
  tenantId: string,
  ids: string[],
): Promise<Map<string, CategoryRef>> {
  const out = new Map<string, CategoryRef>();
  const valid = ids.filter(isObjectIdHex);
  if (valid.length === 0) return out;
  const docs = await collection(mongo).find({ tenantId, _id: { $in: valid.map(objectId) } }, { limit: valid.length });
  for (const d of docs)
    out.set(d._id.toHexString(), { id: d._id.toHexString(), name: d.name, slug: d.slug, path: d.path });
  return out;
}

/**
 * Ids of a category (by ObjectId hex or slug) and all its descendants (by path
 * prefix). Empty when it does not exist in the tenant.
 */
export async function subtreeIds(mongo: DataApiClient, tenantId: string, idOrSlug: string): Promise<string[]> {
  let root = await collection(mongo).findOne({ tenantId, slug: idOrSlug }, { projection: { path: 1 } });
  if (!root && isObjectIdHex(idOrSlug))
    root = await collection(mongo).findOne({ _id: objectId(idOrSlug), tenantId }, { projection: { path: 1 } });
  if (!root) return [];
  const docs = await collection(mongo).find(
    { tenantId, path: { $regex: subtreeRegex(root.path) } },
    { projection: { _id: 1 }, limit: 50_000 },
  );
  return docs.map((d) => d._id.toHexString());
}

/** `$inc`s productCount after a product went from `prev` to `next` (moved, created, deleted). */
export async function adjustCategoryCounts(
  mongo: DataApiClient,
  tenantId: string,
  prev: ProductState | null,
  next: ProductState | null,
): Promise<void> {
  const before = countedCategory(prev);
  const after = countedCategory(next);
  if (before === after) return;
  const updates: Array<Promise<unknown>> = [];
  if (before && isObjectIdHex(before))
    updates.push(collection(mongo).updateOne({ _id: objectId(before), tenantId }, { $inc: { productCount: -1 } }));
  if (after && isObjectIdHex(after))
    updates.push(collection(mongo).updateOne({ _id: objectId(after), tenantId }, { $inc: { productCount: 1 } }));
  await Promise.all(updates);
}

/**
 * Recomputes productCount from the products collection: for the given categories,
 * or every category of the tenant. One aggregation (one `$sum` accumulator, which
 * FerretDB v1 computes) plus one write per category. Returns the counts written.
 */
export async function recountCounts(
  mongo: DataApiClient,
  tenantId: string,
  ids?: string[],
): Promise<Record<string, number>> {
  const targets = ids
    ? [...new Set(ids.filter(isObjectIdHex).map((i) => i.toLowerCase()))]
    : (await collection(mongo).find({ tenantId }, { projection: { _id: 1 }, limit: 50_000 })).map((d) =>
        d._id.toHexString(),
      );
  if (targets.length === 0) return {};
  const rows = await mongo
    .collection(PRODUCTS)
    .aggregate<{ _id: string; n: number }>([
      { $match: { tenantId, deletedAt: null, version: { $gte: 1 }, 'category.id': { $in: targets } } },
      { $group: { _id: '$category.id', n: { $sum: 1 } } },
    ]);
  const counts: Record<string, number> = Object.fromEntries(targets.map((t) => [t, 0]));
  for (const row of rows) if (row._id in counts) counts[row._id] = row.n;
  await Promise.all(
    targets.map((t) =>
      collection(mongo).updateOne({ _id: objectId(t), tenantId }, { $set: { productCount: counts[t]! } }),
    ),
  );
  return counts;
}
