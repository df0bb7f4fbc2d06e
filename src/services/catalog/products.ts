/**
 * Product commands and queries (event-sourced; see event-store.ts for the
 * concurrency guard and crash repair, product-reducer.ts for what events do).
 *
 * Every command: load the product (caught up with its events), check If-Match,
 * decide the event, append it (unique {aggregateId, version}), then project it and
 * adjust the category counters. HTTP commands do not retry a lost race: the loser
 * gets 409 (412 when it sent If-Match), so two concurrent commands on one version
 * never both win. The stock saga (stock.ts) reloads and retries instead.
 */
import { ObjectId } from 'bson';
import type { DataApiClient, Filter } from '../../db/mongo/client.ts';
import { DuplicateKeyError } from '../../db/mongo/errors.ts';
import { hexEncode, utf8 } from '../../lib/bytes.ts';
import { assertSameRequest, requestFingerprint } from '../../lib/idempotency.ts';
import { staleVersion } from '../../lib/etag.ts';
import { DEFAULT_LIMIT, decodeCursor, encodeCursor, invalidCursor } from '../../lib/pagination.ts';
import { problems } from '../../lib/problem.ts';
import { adjustCategoryCounts, categoryRef, categoryRefs, recountProductCounts, subtreeIds } from './categories.ts';
import {
  catalogProblems,
  isObjectIdHex,
  nextFreeSlug,
  objectId,
  PRODUCTS,
  slugify,
  type CatalogContext,
} from './common.ts';
import {
  appendEvent,
  markPending,
  forceProjection,
  loadEvents,
  loadProduct,
  recordOf,
  stateFromDoc,
  VersionConflictError,
  writeProjection,
  type ProductDoc,
  type ProductRecord,
} from './event-store.ts';
import { cursorKey, productListPlan, SCORE, type ListProductsQuery, type Reader } from './list-plan.ts';
import { formatMoney } from './money.ts';

export { PRODUCT_SORTS, productListPlan, type ListProductsQuery, type ProductListPlan, type ProductSort, type Reader } from './list-plan.ts';
import {
  applyEvent,
  rebuildProduct,
  UPDATABLE_FIELDS,
  type CategoryRef,
  type ProductChanges,
  type ProductEvent,
  type ProductEventType,
  type ProductImage,
  type ProductState,
  type ProductStatus,
  type SpecificationValue,
} from './product-reducer.ts';

// ---------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------

/** A product as the API shows it: the record without tenantId, money as decimal strings, ISO dates. */
export interface ProductView
  extends Omit<ProductRecord, 'tenantId' | 'priceMinor' | 'compareAtPriceMinor' | 'createdAt' | 'updatedAt' | 'deletedAt'> {
  price: string;
  compareAtPrice: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export function productView(r: ProductRecord): ProductView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    slug: r.slug,
    price: formatMoney(r.priceMinor),
    compareAtPrice: r.compareAtPriceMinor === null ? null : formatMoney(r.compareAtPriceMinor),
    currency: r.currency,
    stockQuantity: r.stockQuantity,
    sku: r.sku,
    category: r.category,
    images: r.images,
    specifications: r.specifications,
    metaTitle: r.metaTitle,
    metaDescription: r.metaDescription,
    metaKeywords: r.metaKeywords,
    status: r.status,
    published: r.published,
    averageRating: r.averageRating,
    reviewCount: r.reviewCount,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deletedAt: r.deletedAt ? r.deletedAt.toISOString() : null,
  };
}

export interface ProductEventView {
  eventId: string;
  eventType: ProductEventType;
  aggregateId: string;
  version: number;
  data: Record<string, unknown>;
  userId: string | null;
  timestamp: string;
  correlationId: string | null;
  causationId: string | null;
}

/** Event data as the API shows it: `xMinor` integers become `x` decimal strings. */
function moneyAsDecimal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(moneyAsDecimal);
  if (value instanceof Date) return value.toISOString();
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.endsWith('Minor') && (typeof v === 'number' || v === null)) out[k.slice(0, -'Minor'.length)] = v === null ? null : formatMoney(v);
    else out[k] = moneyAsDecimal(v);
  }
  return out;
}

export function eventView(e: ProductEvent): ProductEventView {
  return {
    eventId: e.eventId,
    eventType: e.eventType,
    aggregateId: e.aggregateId,
    version: e.version,
    data: moneyAsDecimal(e.data) as Record<string, unknown>,
    userId: e.userId ?? null,
    timestamp: e.timestamp.toISOString(),
    correlationId: e.correlationId ?? null,
    causationId: e.causationId ?? null,
  };
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

export interface Decision {
  eventType: Exclude<ProductEventType, 'ProductCreatedEvent'>;
  data: ProductEvent['data'];
}

export interface CommandResult {
  record: ProductRecord;
  /** The appended event; null when the command changed nothing (no event). */
  event: ProductEvent | null;
}

export interface CommandOptions {
  /** From If-Match: the command applies only to this version (412 otherwise). */
  expectedVersion?: number | undefined;
  /** Reload and retry after a lost race this many times (HTTP: 0, saga: a few). */
  retries?: number;
}

/** A new event of the product `aggregateId`, stamped with the tenant, actor and correlation of `ctx`. */
export function makeEvent(
  ctx: Pick<CatalogContext, 'tenantId' | 'userId' | 'correlationId' | 'causationId'>,
  aggregateId: string,
  version: number,
  eventType: ProductEventType,
  data: unknown,
): ProductEvent {
  return {
    eventId: crypto.randomUUID(),
    eventType,
    aggregateId,
    version,
    data,
    userId: ctx.userId,
    timestamp: new Date(),
    correlationId: ctx.correlationId,
    causationId: ctx.causationId,
    tenantId: ctx.tenantId,
  } as ProductEvent;
}

/**
 * The one command loop. `decide` sees the current (caught-up, not deleted) product
 * and returns the event to append, or null for "nothing to do". It may throw
 * problems (validation against the current state).
 */
export async function runCommand(
  ctx: CatalogContext,
  productId: string,
  opts: CommandOptions,
  decide: (current: ProductRecord) => Decision | null | Promise<Decision | null>,
): Promise<CommandResult> {
  if (!isObjectIdHex(productId)) throw problems.notFound('Product');
  const id = productId.toLowerCase();
  const retries = opts.retries ?? 0;
  for (let attempt = 0; ; attempt++) {
    const current = await loadProduct(ctx.mongo, ctx.tenantId, { id });
    if (!current || current.deletedAt) throw problems.notFound('Product');
    if (opts.expectedVersion !== undefined && current.version !== opts.expectedVersion) {
      throw staleVersion('product', current.version);
    }
    const decision = await decide(current);
    if (!decision) return { record: current, event: null };
    const event = makeEvent(ctx, id, current.version + 1, decision.eventType, decision.data);
    await markPending(ctx.mongo, ctx.tenantId, id, event.version);
    try {
      await appendEvent(ctx.mongo, event);
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      if (attempt < retries) {
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
        continue;
      }
      if (opts.expectedVersion !== undefined) throw staleVersion('product', current.version + 1);
      throw catalogProblems.concurrentChange();
    }
    const next = applyEvent(current, event);
    // Whoever moves the document to this version (us, or a reader repairing a lag) adjusts the counts.
    if (await writeProjection(ctx.mongo, next)) await adjustCategoryCounts(ctx.mongo, ctx.tenantId, current, next);
    return { record: recordOf(next, current), event };
  }
}

function assertImages(images: ProductImage[] | undefined): void {
  if (!images || images.length === 0) return;
  const primaries = images.filter((i) => i.isPrimary).length;
  if (primaries !== 1) throw catalogProblems.field(400, 'body.images', `exactly one image must be primary (got ${primaries})`);
}

function assertPrices(priceMinor: number, compareAtPriceMinor: number | null): void {
  if (compareAtPriceMinor !== null && compareAtPriceMinor < priceMinor) {
    throw catalogProblems.field(400, 'body.compareAtPrice', 'must be greater than or equal to price');
  }
}

async function resolveCategory(mongo: DataApiClient, tenantId: string, categoryId: string | null | undefined): Promise<CategoryRef | null> {
  if (!categoryId) return null;
  const ref = await categoryRef(mongo, tenantId, categoryId);
  if (!ref) throw catalogProblems.field(400, 'body.categoryId', 'no such category');
  return ref;
}

/** Best effort (no unique index: products without a SKU would collide on null). */
async function assertSkuFree(mongo: DataApiClient, tenantId: string, sku: string | null | undefined, exceptId?: string): Promise<void> {
  if (!sku) return;
  const filter: Filter<ProductDoc> = { tenantId, sku, deletedAt: null, version: { $gte: 1 } };
  if (exceptId) filter._id = { $ne: objectId(exceptId) };
  const other = await mongo.collection(PRODUCTS).findOne(filter, { projection: { _id: 1 } });
  if (other) throw catalogProblems.field(409, 'body.sku', `SKU '${sku}' is used by another product`);
}

export interface CreateProductInput {
  name: string;
  description?: string | null | undefined;
  slug?: string | undefined;
  priceMinor: number;
  compareAtPriceMinor?: number | null | undefined;
  currency: string;
  stockQuantity: number;
  sku?: string | null | undefined;
  categoryId?: string | null | undefined;
  images?: ProductImage[] | undefined;
  specifications?: Record<string, SpecificationValue> | undefined;
  metaTitle?: string | null | undefined;
  metaDescription?: string | null | undefined;
  metaKeywords?: string[] | undefined;
  status: ProductStatus;
  published: boolean;
}

/** Same tenant + user + key -> same product id, so a retried create finds its first attempt. */
async function idempotentProductId(ctx: CatalogContext, key: string): Promise<ObjectId> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(`${ctx.tenantId}\n${ctx.userId ?? ''}\n${key}`)));
  return ObjectId.createFromHexString(hexEncode(digest.subarray(0, 12)));
}

/**
 * Creates a product. The slug (given, or from name + brand) is reserved first by
 * inserting a version-0 document (the unique {tenantId, slug} index decides; a taken
 * generated slug gets the next `-N` suffix), then ProductCreatedEvent v1 is appended
 * and projected. With an Idempotency-Key, a retry returns the product made by the first
 * call; the reservation records the request's fingerprint, so the same key with a
 * different request is 422 (src/lib/idempotency.ts).
 */
export async function createProduct(
  ctx: CatalogContext,
  input: CreateProductInput,
  opts: { idempotencyKey?: string | undefined } = {},
): Promise<{ record: ProductRecord; replayed: boolean }> {
  const products = ctx.mongo.collection(PRODUCTS);
  const _id = opts.idempotencyKey ? await idempotentProductId(ctx, opts.idempotencyKey) : new ObjectId();
  const id = _id.toHexString();
  const fingerprint = opts.idempotencyKey ? await requestFingerprint('POST /products', input) : undefined;
  const reservation = () =>
    ctx.mongo.collection<ProductDoc>(PRODUCTS).findOne({ _id, tenantId: ctx.tenantId }, { projection: { _id: 1, requestFingerprint: 1 } });
  const replay = async (stored: Pick<ProductDoc, 'requestFingerprint'> | null) => {
    assertSameRequest(stored?.requestFingerprint, fingerprint!);
    const existing = await loadProduct(ctx.mongo, ctx.tenantId, { id });
    if (!existing) throw problems.conflict('A request with this Idempotency-Key is still in progress; retry later.');
    return { record: existing, replayed: true };
  };
  if (opts.idempotencyKey) {
    const stored = await reservation();
    if (stored) return replay(stored);
  }

  const compareAtPriceMinor = input.compareAtPriceMinor ?? null;
  assertPrices(input.priceMinor, compareAtPriceMinor);
  assertImages(input.images);
  const [category] = await Promise.all([
    resolveCategory(ctx.mongo, ctx.tenantId, input.categoryId),
    assertSkuFree(ctx.mongo, ctx.tenantId, input.sku),
  ]);

  const brand = input.specifications?.brand;
  const base = input.slug ?? slugify(input.name, typeof brand === 'string' ? brand : undefined);
  let slug: string | undefined;
  for (let attempt = 0; attempt < 8 && !slug; attempt++) {
    const candidate = input.slug ?? (await nextFreeSlug(ctx.mongo, PRODUCTS, ctx.tenantId, base));
    try {
      // The reservation: invisible to every list (no status) and read as "not found" until v1 exists.
      await products.insertOne({
        _id,
        tenantId: ctx.tenantId,
        slug: candidate,
        version: 0,
        pendingVersion: 1,
        averageRating: 0,
        reviewCount: 0,
        deletedAt: null,
        ...(fingerprint ? { requestFingerprint: fingerprint } : {}),
      });
      slug = candidate;
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
      if (opts.idempotencyKey) {
        const stored = await reservation();
        if (stored) return replay(stored);
      }
      if (input.slug) throw catalogProblems.field(409, 'body.slug', `slug '${input.slug}' is taken`);
    }
  }
  if (!slug) throw problems.conflict('Could not find a free slug; retry.');

  const event = makeEvent(ctx, id, 1, 'ProductCreatedEvent', {
    name: input.name,
    description: input.description ?? null,
    slug,
    priceMinor: input.priceMinor,
    compareAtPriceMinor,
    currency: input.currency,
    stockQuantity: input.stockQuantity,
    sku: input.sku ?? null,
    category,
    images: (input.images ?? []).map((i) => ({ url: i.url, alt: i.alt ?? null, isPrimary: i.isPrimary })),
    specifications: input.specifications ?? {},
    metaTitle: input.metaTitle ?? null,
    metaDescription: input.metaDescription ?? null,
    metaKeywords: input.metaKeywords ?? [],
    status: input.status,
    published: input.published,
  });
  try {
    await appendEvent(ctx.mongo, event);
  } catch (err) {
    if (err instanceof VersionConflictError && opts.idempotencyKey) return replay(await reservation());
    // Give the slug back (best effort); a leftover reservation is harmless.
    await products.deleteOne({ _id, tenantId: ctx.tenantId, version: 0 }).catch(() => undefined);
    throw err;
  }
  const state = applyEvent(null, event);
  if (await writeProjection(ctx.mongo, state)) await adjustCategoryCounts(ctx.mongo, ctx.tenantId, null, state);
  return { record: recordOf(state, null), replayed: false };
}

/** PATCH: any field of a create but the slug, price and stock (those have their own commands). */
export type UpdateProductInput = Partial<Omit<CreateProductInput, 'slug' | 'priceMinor' | 'compareAtPriceMinor' | 'currency' | 'stockQuantity'>>;

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** PATCH: ProductUpdatedEvent with the fields that really change (none: no event). */
export async function updateProduct(ctx: CatalogContext, productId: string, input: UpdateProductInput, opts: CommandOptions): Promise<CommandResult> {
  assertImages(input.images);
  const category = input.categoryId === undefined ? undefined : await resolveCategory(ctx.mongo, ctx.tenantId, input.categoryId);
  if (input.sku) await assertSkuFree(ctx.mongo, ctx.tenantId, input.sku, productId);
  const wanted: ProductChanges = {};
  for (const field of UPDATABLE_FIELDS) {
    if (field === 'category') {
      if (category !== undefined) wanted.category = category;
    } else if (field === 'images') {
      if (input.images) wanted.images = input.images.map((i) => ({ url: i.url, alt: i.alt ?? null, isPrimary: i.isPrimary }));
    } else if (input[field] !== undefined) {
      (wanted as Record<string, unknown>)[field] = input[field];
    }
  }
  return runCommand(ctx, productId, opts, (current) => {
    const changes: ProductChanges = {};
    const previous: ProductChanges = {};
    for (const [field, value] of Object.entries(wanted) as Array<[keyof ProductChanges, unknown]>) {
      const before = field === 'category' ? (current.category ? current.category.id : null) : current[field];
      const after = field === 'category' ? (value ? (value as CategoryRef).id : null) : value;
      if (sameValue(before, after)) continue;
      (changes as Record<string, unknown>)[field] = value;
      (previous as Record<string, unknown>)[field] = current[field];
    }
    if (Object.keys(changes).length === 0) return null;
    return { eventType: 'ProductUpdatedEvent', data: { changes, previous } };
  });
}

export interface ChangePriceInput {
  priceMinor: number;
  /** Null or absent: no compare-at price. */
  compareAtPriceMinor?: number | null | undefined;
  /** Absent: unchanged. */
  currency?: string | undefined;
}

export async function changePrice(ctx: CatalogContext, productId: string, input: ChangePriceInput, opts: CommandOptions): Promise<CommandResult> {
  const compareAtPriceMinor = input.compareAtPriceMinor ?? null;
  assertPrices(input.priceMinor, compareAtPriceMinor);
  return runCommand(ctx, productId, opts, (current) => {
    const currency = input.currency ?? current.currency;
    if (current.priceMinor === input.priceMinor && current.compareAtPriceMinor === compareAtPriceMinor && current.currency === currency) return null;
    return {
      eventType: 'PriceChangedEvent',
      data: {
        priceMinor: input.priceMinor,
        compareAtPriceMinor,
        currency,
        previousPriceMinor: current.priceMinor,
        previousCompareAtPriceMinor: current.compareAtPriceMinor,
        previousCurrency: current.currency,
      },
    };
  });
}

export const MAX_STOCK = 1_000_000_000;

/** Absolute `stockQuantity`, or a relative `delta`; never below 0 (409 naming the field). */
export type ChangeStockInput = { stockQuantity: number } | { delta: number };

export async function changeStock(ctx: CatalogContext, productId: string, input: ChangeStockInput, opts: CommandOptions): Promise<CommandResult> {
  return runCommand(ctx, productId, opts, (current) => {
    const isDelta = 'delta' in input;
    const newQuantity = isDelta ? current.stockQuantity + input.delta : input.stockQuantity;
    if (newQuantity < 0) {
      throw catalogProblems.field(409, 'body.delta', `only ${current.stockQuantity} in stock; the change would make it negative`);
    }
    if (newQuantity > MAX_STOCK) throw catalogProblems.field(400, isDelta ? 'body.delta' : 'body.stockQuantity', `stock cannot exceed ${MAX_STOCK}`);
    if (newQuantity === current.stockQuantity) return null;
    return {
      eventType: 'StockChangedEvent',
      data: { previousQuantity: current.stockQuantity, newQuantity, delta: newQuantity - current.stockQuantity, reason: isDelta ? 'adjust' : 'set' },
    };
  });
}

/** Soft delete: ProductDeletedEvent sets deletedAt, status ARCHIVED, published false. */
export async function deleteProduct(ctx: CatalogContext, productId: string, opts: CommandOptions): Promise<CommandResult> {
  return runCommand(ctx, productId, opts, (current) => ({ eventType: 'ProductDeletedEvent', data: { previousStatus: current.status } }));
}

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------


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
export async function getProduct(mongo: DataApiClient, reader: Reader, idOrSlug: string): Promise<ProductRecord> {
  let record = isObjectIdHex(idOrSlug) ? await loadProduct(mongo, reader.tenantId, { id: idOrSlug }, { trustMarker: true }) : null;
  if (!record) record = await loadProduct(mongo, reader.tenantId, { slug: idOrSlug }, { trustMarker: true });
  if (!record || !visibleTo(reader, record)) throw problems.notFound('Product');
  return record;
}

/**
 * Whether the server has the products text index (changeset 002 records it as skipped where
 * the server refused it, e.g. FerretDB v1). Asked once per isolate and database.
 */
const textIndexByDatabase = new Map<string, Promise<boolean>>();
export function hasTextIndex(mongo: DataApiClient): Promise<boolean> {
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
 * Keyset pagination, stable under inserts: results are ordered by (key, _id) in the
 * sort's direction, and the cursor carries the last row's (key, _id), so the next
 * page is `key beyond K OR (key = K AND _id beyond ID)`. Rows inserted meanwhile
 * land before or after the cursor; pre-existing rows are neither repeated nor skipped.
 */
export async function listProducts(
  mongo: DataApiClient,
  reader: Reader,
  query: ListProductsQuery,
): Promise<{ data: ProductView[]; nextCursor: string | null }> {
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
      ? await products.find(plan.filter, { sort: plan.sort, limit: plan.limit + 1 })
      : await products.aggregate<ProductDoc & { [SCORE]?: number }>(plan.pipeline);
  const sort = query.sort ?? (query.q ? 'relevance' : 'newest');
  const page = docs.slice(0, plan.limit);
  const last = page[page.length - 1];
  const data = page.map((d) => stateFromDoc(d)).flatMap((s, i) => (s ? [productView(recordOf(s, page[i]!))] : []));
  return {
    data,
    nextCursor:
      docs.length > plan.limit && last ? encodeCursor({ s: sort, k: cursorKey(sort, last, plan.byScore), id: last._id.toHexString() }) : null,
  };
}

/** The event history of a product, by version (staff). Deleted products keep theirs. */
export async function productHistory(
  mongo: DataApiClient,
  tenantId: string,
  productId: string,
  page: { limit?: number | undefined; cursor?: string | undefined },
): Promise<{ data: ProductEventView[]; nextCursor: string | null }> {
  const limit = page.limit ?? DEFAULT_LIMIT;
  let after = 0;
  if (page.cursor) {
    const c = decodeCursor(page.cursor) as { v?: unknown } | null | undefined;
    if (!c || typeof c.v !== 'number' || !Number.isSafeInteger(c.v) || c.v < 0) throw invalidCursor();
    after = c.v;
  }
  const id = productId.toLowerCase();
  const events = await loadEvents(mongo, tenantId, id, after, limit + 1);
  if (events.length === 0 && after === 0) throw problems.notFound('Product');
  const kept = events.slice(0, limit);
  const last = kept[kept.length - 1];
  return { data: kept.map(eventView), nextCursor: events.length > limit && last ? encodeCursor({ v: last.version }) : null };
}

/**
 * Rebuilds the projection from the whole event stream (admin repair), whatever the
 * document holds now. The category copy is refreshed from the categories collection
 * (renames and moves update it outside the stream), rating fields are kept, and the
 * productCount of every category the product was ever in is recounted.
 */
export async function rebuildProductProjection(mongo: DataApiClient, tenantId: string, productId: string): Promise<{ record: ProductRecord; eventsReplayed: number; productCounts: Record<string, number> }> {
  if (!isObjectIdHex(productId)) throw problems.notFound('Product');
  const id = productId.toLowerCase();
  const events = await loadEvents(mongo, tenantId, id);
  const rebuilt = rebuildProduct(events);
  if (!rebuilt) throw problems.notFound('Product');
  const state: ProductState = await withFreshCategory(mongo, tenantId, rebuilt);
  await forceProjection(mongo, state);
  const doc = await mongo.collection<ProductDoc>(PRODUCTS).findOne({ _id: objectId(id), tenantId }, { projection: { averageRating: 1, reviewCount: 1 } });
  const everIn = new Set<string>();
  for (const e of events) {
    const c = e.eventType === 'ProductCreatedEvent' ? e.data.category : e.eventType === 'ProductUpdatedEvent' ? e.data.changes.category : undefined;
    if (c) everIn.add(c.id);
  }
  const productCounts = await recountProductCounts(mongo, tenantId, [...everIn]);
  return { record: recordOf(state, doc), eventsReplayed: events.length, productCounts };
}

/** The state with its category copy as the category is now (unchanged if the category is gone). */
export async function withFreshCategory(mongo: DataApiClient, tenantId: string, state: ProductState): Promise<ProductState> {
  if (!state.category) return state;
  const fresh = (await categoryRefs(mongo, tenantId, [state.category.id])).get(state.category.id);
  return fresh ? { ...state, category: fresh } : state;
}
