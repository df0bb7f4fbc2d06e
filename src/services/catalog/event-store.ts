/**
 * The product event store and its projection, over the Data API.
 *
 * Concurrency: the guard of a command is the unique {aggregateId, version} index of
 * `product_events` (it works on any MongoDB-wire server; FerretDB v1 did not even apply
 * concurrent updates of one document atomically, FerretDB v2 and MongoDB do, which the
 * one-call stock changes of stock-ops.ts rely on). A command loads the product at version n, decides, and
 * APPENDS event n+1 FIRST (insertOne). A DuplicateKeyError means another writer won
 * version n+1: the command lost (409/412, or the saga reloads and retries). Only the
 * winner then brings the `products` document to n+1 (updateOne with
 * `version < n+1`, so an older projection never overwrites a newer one).
 *
 * Crash repair: if a writer dies between the append and the projection, the document
 * lags behind its events. Before appending version n+1 a command marks the document
 * `pendingVersion: n+1` (`markPending`). Commands always ask for events after the
 * document's version; reads (`loadProduct` with `trustMarker`) ask only when the
 * marker is ahead of the version, so a product read is ONE Data API call. Either way
 * the lag is replayed and repaired by the next reader or command, and
 * `POST /products/:id/rebuild` replays everything.
 *
 * `runCommand` (at the end) is the one loop every product command but the create runs:
 * load, check If-Match, decide, claim (mark pending), append, project.
 *
 * Stock reservations of the order saga take a faster road (stock-ops.ts): one atomic update
 * of the document that carries its event in an outbox (`stockOps`). To keep one version
 * sequence, the claim is conditional: it marks `pendingVersion: n+1` only while the
 * document is still at version n with an empty outbox (a command loads through
 * `flushStockOps` first), and the one-call updates require `pendingVersion <= version`.
 */
import { ObjectId } from 'bson';

import type { DataApiClient } from '../../db/mongo/client.ts';
import { DuplicateKeyError } from '../../db/mongo/errors.ts';
import { staleVersion } from '../../lib/etag.ts';
import { adjustCategoryCounts } from './category-store.ts';
import { isObjectIdHex, objectId, PRODUCT_EVENTS, PRODUCTS } from './common.ts';
import { catalogErrors } from './errors.ts';
import {
  applyEvent,
  projectionOf,
  type ProductEvent,
  type ProductEventType,
  type ProductImage,
  type ProductProjection,
  type ProductState,
  type ProductStatus,
} from './product-reducer.ts';
import { flushStockOps, holdFields, type StockHold, type StockOp } from './stock-ops.ts';

/**
 * What the command loop writes with, and what it stamps into every event: the store, the tenant,
 * the actor and why. Product commands derive it from their ServiceContext (`eventContextOf`); the
 * order saga's stock steps (stock.ts) give the order as the cause. (No ServiceContext here: the pure
 * list plan and the Node scripts import this module's types.)
 */
export interface EventContext {
  mongo: DataApiClient;
  tenantId: string;
  /** The acting user; null for system actors. */
  userId: string | null;
  /** The request id (or the saga's correlation id). */
  correlationId: string | null;
  /** What caused the command: the request id for HTTP commands, the order id for the saga. */
  causationId: string | null;
}

/** A `products` document. Version 0 is a slug reservation written just before ProductCreatedEvent. */
export type ProductDoc = Partial<ProductProjection> & {
  _id: ObjectId;
  tenantId: string;
  slug: string;
  version: number;
  averageRating?: number;
  reviewCount?: number;
  /** The highest version a command has started to append (see markPending). */
  pendingVersion?: number;
  /** Fingerprint of the create request whose Idempotency-Key made this id (src/lib/idempotency.ts). */
  requestFingerprint?: string;
  /** Stock events not yet in product_events (stock-ops.ts). */
  stockOps?: StockOp[];
  /** What each order holds, by order id (stock-ops.ts). */
  stockHolds?: Record<string, StockHold>;
};

/** A product as the API shows it: the event-sourced state plus the rating fields of the review service. */
export interface ProductRecord extends ProductState {
  averageRating: number;
  reviewCount: number;
}

/** Another writer appended this version first. */
export class VersionConflictError extends Error {
  readonly aggregateId: string;
  readonly version: number;
  constructor(aggregateId: string, version: number) {
    super(`version ${version} of product ${aggregateId} is taken`);
    this.name = 'VersionConflictError';
    this.aggregateId = aggregateId;
    this.version = version;
  }
}

type StoredEvent = ProductEvent & { _id?: unknown };

function withoutId(doc: StoredEvent): ProductEvent {
  const { _id: _ignored, ...event } = doc;
  return event as ProductEvent;
}

/** Events of one product with version > afterVersion, ascending. */
export async function loadEvents(
  mongo: DataApiClient,
  tenantId: string,
  aggregateId: string,
  afterVersion = 0,
  limit?: number,
): Promise<ProductEvent[]> {
  const rows = await mongo
    .collection(PRODUCT_EVENTS)
    .find<StoredEvent>({ tenantId, aggregateId, version: { $gt: afterVersion } }, { sort: { version: 1 }, limit });
  return rows.map(withoutId);
}

/** Appends one event; VersionConflictError if its version is taken. */
export async function appendEvent(mongo: DataApiClient, event: ProductEvent): Promise<void> {
  try {
    await mongo.collection(PRODUCT_EVENTS).insertOne({ ...event });
  } catch (err) {
    if (err instanceof DuplicateKeyError) throw new VersionConflictError(event.aggregateId, event.version);
    throw err;
  }
}

/**
 * Announces that version `version` is about to be appended, so readers look for it if the
 * writer dies before projecting it (`$max` never moves the marker back). Only while the
 * document is at `version - 1` with an empty outbox: false when it moved on (a one-call stock
 * change came in), and the caller reloads.
 */
async function markPending(
  mongo: DataApiClient,
  tenantId: string,
  productId: string,
  version: number,
): Promise<boolean> {
  const res = await mongo
    .collection(PRODUCTS)
    .updateOne(
      { _id: objectId(productId), tenantId, version: version - 1, 'stockOps.0': { $exists: false } },
      { $max: { pendingVersion: version } },
    );
  return res.matchedCount > 0;
}

/**
 * Brings the document to `state.version` unless it already is there or beyond.
 * Returns whether this call matched the document (it wrote the new version).
 */
export async function writeProjection(
  mongo: DataApiClient,
  state: ProductState,
  applied: readonly ProductEvent[] = [],
): Promise<boolean> {
  const res = await mongo
    .collection(PRODUCTS)
    .updateOne(
      { _id: objectId(state.id), tenantId: state.tenantId, version: { $lt: state.version } },
      { $set: { ...projectionOf(state), ...holdFields(applied) } },
    );
  return res.matchedCount > 0;
}

/**
 * Writes the whole projection whatever the stored version (rebuild). Inserts it if the document
 * is gone. False (nothing written) when a one-call stock change is waiting in the outbox: the
 * state replayed from the stream would drop it; flush and replay again.
 */
export async function forceProjection(
  mongo: DataApiClient,
  state: ProductState,
  events: readonly ProductEvent[] = [],
): Promise<boolean> {
  const products = mongo.collection(PRODUCTS);
  const res = await products.updateOne(
    { _id: objectId(state.id), tenantId: state.tenantId, 'stockOps.0': { $exists: false } },
    { $set: { ...projectionOf(state), ...holdFields(events) } },
  );
  if (res.matchedCount > 0) return true;
  if (await products.findOne({ _id: objectId(state.id), tenantId: state.tenantId }, { projection: { _id: 1 } }))
    return false;
  await insertProjection(mongo, state);
  return true;
}

/** Inserts the projection of a product whose document is gone; false if someone else inserted it first. */
async function insertProjection(mongo: DataApiClient, state: ProductState): Promise<boolean> {
  try {
    await mongo
      .collection(PRODUCTS)
      .insertOne({ _id: objectId(state.id), ...projectionOf(state), averageRating: 0, reviewCount: 0 });
    return true;
  } catch (err) {
    // A concurrent repair inserted it first: fine. (A slug taken meanwhile by another product cannot
    // happen: the version-0 reservation holds the slug from before the ProductCreatedEvent.)
    if (!(err instanceof DuplicateKeyError)) throw err;
    return false;
  }
}

/** The state stored in a document (null for a version-0 reservation). Tolerates missing optional fields. */
export function stateFromDoc(doc: ProductDoc): ProductState | null {
  if (!doc.version || doc.version < 1) return null;
  const priceMinor = doc.priceMinor ?? Math.round((doc.price ?? 0) * 100);
  const compareAtPriceMinor =
    doc.compareAtPriceMinor ?? (typeof doc.compareAtPrice === 'number' ? Math.round(doc.compareAtPrice * 100) : null);
  return {
    id: doc._id.toHexString(),
    tenantId: doc.tenantId,
    name: doc.name ?? '',
    description: doc.description ?? null,
    slug: doc.slug,
    priceMinor,
    compareAtPriceMinor,
    currency: doc.currency ?? 'USD',
    stockQuantity: doc.stockQuantity ?? 0,
    sku: doc.sku ?? null,
    category: doc.category ?? null,
    images: (doc.images ?? []) as ProductImage[],
    specifications: doc.specifications ?? {},
    metaTitle: doc.metaTitle ?? null,
    metaDescription: doc.metaDescription ?? null,
    metaKeywords: doc.metaKeywords ?? [],
    status: (doc.status ?? 'DRAFT') as ProductStatus,
    published: doc.published ?? false,
    version: doc.version,
    createdAt: doc.createdAt ?? new Date(0),
    updatedAt: doc.updatedAt ?? doc.createdAt ?? new Date(0),
    deletedAt: doc.deletedAt ?? null,
  };
}

export function recordOf(
  state: ProductState,
  doc: Pick<ProductDoc, 'averageRating' | 'reviewCount'> | null,
): ProductRecord {
  return { ...state, averageRating: doc?.averageRating ?? 0, reviewCount: doc?.reviewCount ?? 0 };
}

export type ProductLookup = { id: string } | { slug: string };

/** What reads and lists leave out of a product document: the saga's bookkeeping (stock-ops.ts). */
export const READ_PROJECTION = { stockHolds: 0, stockOps: 0 } as const;

/**
 * One product (deleted ones included: callers decide), caught up with its event
 * stream: events beyond the document's version are replayed and the projection is
 * written (crash repair). Null when neither a document nor events exist in the tenant.
 */
export async function loadProduct(
  mongo: DataApiClient,
  tenantId: string,
  by: ProductLookup,
  opts: { trustMarker?: boolean } = {},
): Promise<ProductRecord | null> {
  const products = mongo.collection<ProductDoc>(PRODUCTS);
  // A read needs neither the holds (one small entry per order) nor the outbox.
  const projection = opts.trustMarker ? READ_PROJECTION : undefined;
  const doc =
    'id' in by
      ? await products.findOne({ _id: objectId(by.id), tenantId }, { projection })
      : await products.findOne({ tenantId, slug: by.slug }, { projection });
  if (!doc) {
    if (!('id' in by)) return null;
    // No document at all (lost, or a crash before the reservation was written on another
    // path): the stream alone rebuilds it.
    const events = await loadEvents(mongo, tenantId, by.id.toLowerCase());
    if (events.length === 0) return null;
    let state: ProductState | null = null;
    for (const e of events) state = applyEvent(state, e);
    if (await insertProjection(mongo, state!)) await adjustCategoryCounts(mongo, tenantId, null, state!);
    return recordOf(state!, null);
  }
  const stored = stateFromDoc(doc);
  // Reads trust the marker: no command started beyond this version, so no event can be missing.
  // (The document already shows the stock changes waiting in its outbox.)
  if (opts.trustMarker && !((doc.pendingVersion ?? 0) > doc.version)) return stored ? recordOf(stored, doc) : null;
  // Commands append after the outbox: move it into the stream first.
  if (!opts.trustMarker && doc.stockOps?.length) await flushStockOps(mongo, doc);
  const missing = await loadEvents(mongo, tenantId, doc._id.toHexString(), doc.version);
  if (missing.length === 0) return stored ? recordOf(stored, doc) : null;
  let state = stored;
  for (const e of missing) state = applyEvent(state, e);
  if (await writeProjection(mongo, state!, missing)) await adjustCategoryCounts(mongo, tenantId, stored, state!);
  return recordOf(state!, doc);
}

// The command loop: every product command but the create goes through runCommand.

/** How often a command reloads because the document moved between its load and its claim. */
const CLAIM_RELOADS = 8;

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
  ctx: Pick<EventContext, 'tenantId' | 'userId' | 'correlationId' | 'causationId'>,
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
  ctx: EventContext,
  productId: string,
  opts: CommandOptions,
  decide: (current: ProductRecord) => Decision | null | Promise<Decision | null>,
): Promise<CommandResult> {
  if (!isObjectIdHex(productId)) throw catalogErrors.productNotFound();
  const id = productId.toLowerCase();
  const retries = opts.retries ?? 0;
  let moved = 0;
  for (let attempt = 0; ; attempt++) {
    const current = await loadProduct(ctx.mongo, ctx.tenantId, { id });
    if (!current || current.deletedAt) throw catalogErrors.productNotFound();
    if (opts.expectedVersion !== undefined && current.version !== opts.expectedVersion) {
      throw staleVersion('product', current.version);
    }
    const decision = await decide(current);
    if (!decision) return { record: current, event: null };
    const event = makeEvent(ctx, id, current.version + 1, decision.eventType, decision.data);
    if (!(await markPending(ctx.mongo, ctx.tenantId, id, event.version))) {
      // The document moved on since the load (a one-call stock change): decide again on the new state.
      if (++moved > CLAIM_RELOADS) throw catalogErrors.concurrentChange();
      attempt--;
      continue;
    }
    try {
      await appendEvent(ctx.mongo, event);
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      if (attempt < retries) {
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
        continue;
      }
      if (opts.expectedVersion !== undefined) throw staleVersion('product', current.version + 1);
      throw catalogErrors.concurrentChange();
    }
    const next = applyEvent(current, event);
    // Whoever moves the document to this version (us, or a reader repairing a lag) adjusts the counts.
    if (await writeProjection(ctx.mongo, next, [event]))
      await adjustCategoryCounts(ctx.mongo, ctx.tenantId, current, next);
    return { record: recordOf(next, current), event };
  }
}
