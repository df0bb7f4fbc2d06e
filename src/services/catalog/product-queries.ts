/** Product queries: one product, the keyset-paginated list, the event history, and the admin rebuild. */
import type { DataApiClient } from '../../db/mongo/client.ts';
import { decodeCursor, DEFAULT_LIMIT, encodeCursor, invalidCursor } from '../../lib/pagination.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { categoryRefs, recountCounts, subtreeIds } from './category-store.ts';
import { isObjectIdHex, objectId, PRODUCTS } from './common.ts';
import { catalogErrors } from './errors.ts';
import {
  forceProjection,
  loadEvents,
  loadProduct,
  READ_PROJECTION,
  recordOf,
  stateFromDoc,
  type ProductDoc,
  type ProductRecord,
} from './event-store.ts';
import { cursorKey, productListPlan, SCORE, type ListProductsQuery, type Reader } from './list-plan.ts';
import { rebuildProduct, type ProductEvent, type ProductState } from './product-reducer.ts';
import { isCatalogStaff, readerOf, STAFF_PERMISSION } from './reader.ts';
import { flushProductOutbox } from './stock-ops.ts';
import { eventView, productView, type ProductEventView, type ProductView } from './views.ts';

function visibleTo(reader: Reader, r: ProductRecord): boolean {
  if (r.deletedAt) return false;
  if (reader.staff) return true;
  return r.published && (r.status === 'ACTIVE' || r.status === 'OUT_OF_STOCK');
}

/**
 * One product by id or slug (a 24-hex value is tried as an id, then as a slug),
 * caught up with its events. Deleted products: 404. The public sees published
 * ACTIVE or OUT_OF_STOCK products only.
 */
export async function getProduct(ctx: ServiceContext, idOrSlug: string): Promise<ProductRecord> {
  const mongo = ctx.stores.mongo();
  const reader = readerOf(ctx);
  let record = isObjectIdHex(idOrSlug) ? await loadProduct(mongo, reader.tenantId, { id: idOrSlug }) : null;
  if (!record) record = await loadProduct(mongo, reader.tenantId, { slug: idOrSlug });
  if (!record || !visibleTo(reader, record)) throw catalogErrors.productNotFound();
  return record;
}

/** The slug of a product of the context's tenant (deleted ones too), or null: what a purge names. */
export async function productSlug(ctx: ServiceContext, productId: string): Promise<string | null> {
  if (!isObjectIdHex(productId)) return null;
  const doc = await ctx.stores
    .mongo()
    .collection<{ _id: unknown; slug?: unknown }>(PRODUCTS)
    .findOne({ _id: objectId(productId), tenantId: ctx.tenantId }, { projection: { slug: 1 } });
  return typeof doc?.slug === 'string' ? doc.slug : null;
}

/**
 * Whether the server has the products text index (changeset 002 records it as skipped where
 * the server refused it, e.g. FerretDB v1). Asked once per isolate and database.
 */
const textIndexByDatabase = new Map<string, Promise<boolean>>();
function hasTextIndex(mongo: DataApiClient): Promise<boolean> {
  let known = textIndexByDatabase.get(mongo.database);
  if (!known) {
    known = mongo
      .collection<{ _id: string; skipped?: { index: string }[] }>('_migrations')
      .findOne({ _id: '002-products-indexes' }, { projection: { skipped: 1 } })
      .then((r) => !!r && !(r.skipped ?? []).some((s) => s.index === 'products.name_text_description_text'))
      .catch(() => {
        textIndexByDatabase.delete(mongo.database); // unknown: ask again next time
        return false;
      });
    textIndexByDatabase.set(mongo.database, known);
  }
  return known;
}

/**
 * One page of the tenant's products. Filtering by status is for staff (write:products): 403
 * for anyone else. Keyset pagination, stable under inserts: results are ordered by (key, _id) in the
 * sort's direction, and the cursor carries the last row's (key, _id), so the next
 * page is `key beyond K OR (key = K AND _id beyond ID)`. Rows inserted meanwhile
 * land before or after the cursor; pre-existing rows are neither repeated nor skipped.
 */
export async function listProducts(
  ctx: ServiceContext,
  query: ListProductsQuery,
): Promise<{ data: ProductView[]; nextCursor: string | null }> {
  if (query.status && !isCatalogStaff(ctx))
    throw problems.forbidden(`Only staff (${STAFF_PERMISSION}) may filter by status.`);
  const mongo = ctx.stores.mongo();
  const reader = readerOf(ctx);
  let categoryIds: string[] | undefined;
  if (query.category) {
    categoryIds = await subtreeIds(mongo, reader.tenantId, query.category);
    if (categoryIds.length === 0) return { data: [], nextCursor: null };
  }
  const textSearch = query.q ? await hasTextIndex(mongo) : false;
  const plan = productListPlan(reader, query, categoryIds, { textSearch });
  const products = mongo.collection<ProductDoc>(PRODUCTS);
  const docs =
    plan.kind === 'find'
      ? await products.find(plan.filter, {
          sort: plan.sort,
          limit: plan.limit + 1,
          hint: plan.hint,
          projection: READ_PROJECTION,
        })
      : await products.aggregate<ProductDoc & { [SCORE]?: number }>(plan.pipeline);
  const sort = query.sort ?? (query.q ? 'relevance' : 'newest');
  const page = docs.slice(0, plan.limit);
  const last = page[page.length - 1];
  const data = page.map((d) => stateFromDoc(d)).flatMap((s, i) => (s ? [productView(recordOf(s, page[i]!))] : []));
  return {
    data,
    nextCursor:
      docs.length > plan.limit && last
        ? encodeCursor({ s: sort, k: cursorKey(sort, last, plan.byScore), id: last._id.toHexString() })
        : null,
  };
}

/** The event history of a product, by version (staff). Deleted products keep theirs. */
export async function productHistory(
  ctx: ServiceContext,
  { productId, ...page }: { productId: string; limit?: number | undefined; cursor?: string | undefined },
): Promise<{ data: ProductEventView[]; nextCursor: string | null }> {
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  const limit = page.limit ?? DEFAULT_LIMIT;
  let after = 0;
  if (page.cursor) {
    const c = decodeCursor(page.cursor) as { v?: unknown } | null | undefined;
    if (!c || typeof c.v !== 'number' || !Number.isSafeInteger(c.v) || c.v < 0) throw invalidCursor();
    after = c.v;
  }
  const id = productId.toLowerCase();
  if (!isObjectIdHex(id)) throw catalogErrors.productNotFound();
  await flushProductOutbox(mongo, tenantId, id); // the saga's latest stock changes, into the stream
  const events = await loadEvents(mongo, tenantId, id, after, limit + 1);
  if (events.length === 0 && after === 0) throw catalogErrors.productNotFound();
  const kept = events.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    data: kept.map(eventView),
    nextCursor: events.length > limit && last ? encodeCursor({ v: last.version }) : null,
  };
}

/**
 * Rebuilds the projection from the whole event stream (admin repair), whatever the
 * document holds now. The category copy is refreshed from the categories collection
 * (renames and moves update it outside the stream), rating fields are kept, and the
 * productCount of every category the product was ever in is recounted.
 */
export async function rebuildProductProjection(
  ctx: ServiceContext,
  productId: string,
): Promise<{ record: ProductRecord; eventsReplayed: number; productCounts: Record<string, number> }> {
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  if (!isObjectIdHex(productId)) throw catalogErrors.productNotFound();
  const id = productId.toLowerCase();
  let events: ProductEvent[] = [];
  let state: ProductState | null = null;
  for (let attempt = 0; !state; attempt++) {
    if (attempt === 5) throw catalogErrors.concurrentChange();
    await flushProductOutbox(mongo, tenantId, id);
    events = await loadEvents(mongo, tenantId, id);
    const rebuilt = rebuildProduct(events);
    if (!rebuilt) throw catalogErrors.productNotFound();
    const fresh = await withFreshCategory(mongo, tenantId, rebuilt);
    if (await forceProjection(mongo, fresh, events)) state = fresh;
  }
  const doc = await mongo
    .collection<ProductDoc>(PRODUCTS)
    .findOne({ _id: objectId(id), tenantId }, { projection: { averageRating: 1, reviewCount: 1 } });
  const everIn = new Set<string>();
  for (const e of events) {
    const c =
      e.eventType === 'ProductCreatedEvent'
        ? e.data.category
        : e.eventType === 'ProductUpdatedEvent'
          ? e.data.changes.category
          : undefined;
    if (c) everIn.add(c.id);
  }
  const productCounts = await recountCounts(mongo, tenantId, [...everIn]);
  return { record: recordOf(state, doc), eventsReplayed: events.length, productCounts };
}

/** The state with its category copy as the category is now (unchanged if the category is gone). */
async function withFreshCategory(mongo: DataApiClient, tenantId: string, state: ProductState): Promise<ProductState> {
  if (!state.category) return state;
  const fresh = (await categoryRefs(mongo, tenantId, [state.category.id])).get(state.category.id);
  return fresh ? { ...state, category: fresh } : state;
}
