/**
 * The store query of one product list page, as a pure function (no I/O): the service runs
 * it, a test checks it against the declared indexes, the benchmark sends it straight to the
 * store. Keyset cursor on (sort key, _id); see listProducts in products.ts.
 */
import type { ObjectId } from 'bson';

import type { Document, Filter } from '../../db/mongo/client.ts';
import { servingIndex } from '../../db/mongo/serving-index.ts';
import { decodeCursor, DEFAULT_LIMIT, invalidCursor } from '../../lib/pagination.ts';
import { escapeRegex, isObjectIdHex, objectId, PRODUCTS } from './common.ts';
import type { ProductDoc } from './event-store.ts';
import { minorToNumber } from './money.ts';
import type { ProductStatus } from './product-reducer.ts';

/** Who reads: the tenant, and whether they are staff (write:products: drafts, status filter). */
export interface Reader {
  tenantId: string;
  /** Has write:products: sees drafts, archived and unpublished products. */
  staff: boolean;
}

export const PRODUCT_SORTS = ['newest', 'price_asc', 'price_desc', 'rating', 'relevance'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

export interface ListProductsQuery {
  category?: string | undefined;
  minPriceMinor?: number | undefined;
  maxPriceMinor?: number | undefined;
  brand?: string | undefined;
  q?: string | undefined;
  /** Staff only (the route refuses it for others). */
  status?: ProductStatus | undefined;
  /** Default: `relevance` with `q`, else `newest`. */
  sort?: ProductSort | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** Field sorts. `relevance` is the text score where the server has a text index, else newest first. */
const SORT_SPEC: Record<ProductSort, { field: 'createdAt' | 'price' | 'averageRating'; dir: 1 | -1 }> = {
  newest: { field: 'createdAt', dir: -1 },
  price_asc: { field: 'price', dir: 1 },
  price_desc: { field: 'price', dir: -1 },
  rating: { field: 'averageRating', dir: -1 },
  relevance: { field: 'createdAt', dir: -1 },
};

/** The text score field a relevance page carries (aggregation `$meta: 'textScore'`). */
export const SCORE = '_score';

/** The cursor's key: what the list sorts by, as JSON (dates as ISO, price as minor units). */
export function cursorKey(
  sort: ProductSort,
  doc: ProductDoc & { [SCORE]?: number },
  byScore: boolean,
): string | number {
  if (byScore) return doc[SCORE] ?? 0;
  switch (SORT_SPEC[sort].field) {
    case 'createdAt':
      return (doc.createdAt ?? new Date(0)).toISOString();
    case 'price':
      return doc.priceMinor ?? Math.round((doc.price ?? 0) * 100);
    case 'averageRating':
      return doc.averageRating ?? 0;
  }
}

function keyValue(sort: ProductSort, key: unknown, byScore: boolean): Date | number {
  const field = SORT_SPEC[sort].field;
  if (!byScore && field === 'createdAt') {
    const date = typeof key === 'string' ? new Date(key) : new Date(NaN);
    if (Number.isNaN(date.getTime())) throw invalidCursor();
    return date;
  }
  if (typeof key !== 'number' || !Number.isFinite(key)) throw invalidCursor();
  return !byScore && field === 'price' ? minorToNumber(key) : key;
}

/** What one page of a product list sends to the store: a find, or (relevance with $text) an aggregation. */
export type ProductListPlan =
  | {
      kind: 'find';
      filter: Filter<ProductDoc>;
      sort: Record<string, 1 | -1>;
      limit: number;
      byScore: false;
      /** The index that orders this page (serving-index.ts); sent as the find's `hint`. */
      hint: string | undefined;
    }
  | { kind: 'aggregate'; pipeline: Document[]; limit: number; byScore: true };

/**
 * The store query of a list page (pure: `categoryIds` is the resolved category subtree).
 * Every plan is served by a tenant-leading index of src/db/mongo/migrations.ts: equality
 * fields, then the sort key and `_id`, so a page reads limit + 1 index entries (no skip, no count).
 * `q` is `$text` where the server has the text index (words, relevance sort), else an escaped,
 * case-insensitive substring of the name.
 */
export function productListPlan(
  reader: Reader,
  query: ListProductsQuery,
  categoryIds: string[] | undefined,
  opts: { textSearch: boolean },
): ProductListPlan {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const sort = query.sort ?? (query.q ? 'relevance' : 'newest');
  const filter: Filter<ProductDoc> = { tenantId: reader.tenantId, deletedAt: null };
  if (query.status) filter.status = query.status;
  else Object.assign(filter, { status: 'ACTIVE', published: true });
  if (categoryIds) filter['category.id'] = { $in: categoryIds };
  if (query.minPriceMinor !== undefined || query.maxPriceMinor !== undefined) {
    const range: Record<string, number> = {};
    if (query.minPriceMinor !== undefined) range.$gte = minorToNumber(query.minPriceMinor);
    if (query.maxPriceMinor !== undefined) range.$lte = minorToNumber(query.maxPriceMinor);
    filter.price = range;
  }
  if (query.brand) filter['specifications.brand'] = query.brand;
  const text = !!query.q && opts.textSearch;
  if (query.q) {
    if (text) filter.$text = { $search: query.q };
    else filter.name = { $regex: escapeRegex(query.q), $options: 'i' };
  }
  const byScore = text && sort === 'relevance';

  let after: { key: Date | number; id: ObjectId } | undefined;
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor) as Record<string, unknown> | null | undefined;
    if (!cursor || cursor.s !== sort || typeof cursor.id !== 'string' || !isObjectIdHex(cursor.id))
      throw invalidCursor();
    after = { key: keyValue(sort, cursor.k, byScore), id: objectId(cursor.id) };
  }
  if (byScore) {
    const pipeline: Document[] = [{ $match: filter }, { $addFields: { [SCORE]: { $meta: 'textScore' } } }];
    if (after)
      pipeline.push({
        $match: { $or: [{ [SCORE]: { $lt: after.key } }, { [SCORE]: after.key, _id: { $lt: after.id } }] },
      });
    pipeline.push({ $sort: { [SCORE]: -1, _id: -1 } }, { $limit: limit + 1 });
    return { kind: 'aggregate', pipeline, limit, byScore: true };
  }
  const { field, dir } = SORT_SPEC[sort];
  if (after) {
    // The keyset condition is `key beyond K OR (key = K AND _id beyond ID)`. Written as a bare `$or`,
    // DocumentDB cannot bound the index scan by it and filters every row of the tenant's status
    // range (49 ms at 100,000 products); a range on the sort key itself (`key >= K`, merged with a
    // price filter on that key) bounds the scan to the rows from the cursor on (2 ms), and the
    // `$or` only drops the ties already shown.
    const beyond = dir === 1 ? '$gt' : '$lt';
    const atOrBeyond = dir === 1 ? '$gte' : '$lte';
    filter[field] = keysetBound(filter[field] as Record<string, unknown> | undefined, atOrBeyond, after.key);
    filter.$or = [{ [field]: { [beyond]: after.key } }, { [field]: after.key, _id: { [beyond]: after.id } }];
  }
  const order = { [field]: dir, _id: dir } as Record<string, 1 | -1>;
  return {
    kind: 'find',
    filter,
    sort: order,
    limit,
    byScore: false,
    hint: servingIndex(PRODUCTS, filter, order, RESIDUAL),
  };
}

/** Left to the scan by every list index: nearly every ACTIVE product passes them. */
export const LIST_RESIDUAL_FIELDS: ReadonlySet<string> = new Set(['published', 'deletedAt']);
const RESIDUAL = { residual: LIST_RESIDUAL_FIELDS };

/** `range` (the query's own filter on the sort key, if any) narrowed to `key op bound` (the tighter bound wins). */
function keysetBound(
  range: Record<string, unknown> | undefined,
  op: '$gte' | '$lte',
  bound: Date | number,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...range };
  const current = out[op];
  const tighter =
    current === undefined ||
    (op === '$gte'
      ? Number(bound) > Number(current as number | Date)
      : Number(bound) < Number(current as number | Date));
  if (tighter) out[op] = bound;
  return out;
}
