/**
 * The product event store and its projection, over the Data API.
 *
 * A command is TWO Data API calls: it loads the document (one findOne: the document is the
 * state, see below), decides, and writes with ONE conditional update: `{_id, tenantId,
 * version: n}` -> the projection at n+1, `commandVersion: n+1`, and event n+1 pushed onto
 * the document's outbox (`stockOps`, stock-ops.ts). The database applies the update
 * atomically, so of two commands that loaded version n exactly one matches; the other reads
 * why (one more call, on the losing path only): another command moved the document
 * (`commandVersion > n`) -> it lost, 409 (412 with If-Match), or the saga reloads and
 * retries; only one-call stock changes of the saga moved it -> it decides again on the new
 * state (If-Match then answers 412). The outbox reaches `product_events` after the answer
 * (`flushOutbox`, run by the route after the response) or by the next reader of the stream
 * (history, rebuild, the saga's slower path), idempotently (the unique {aggregateId, version}
 * index of `product_events`; the same eventId there is "already flushed"). The create is one
 * insertOne of the document at version 1 with ProductCreatedEvent in its outbox
 * (product-commands.ts).
 *
 * Why the document alone is enough to decide on: every write of a product's state goes
 * through one of these atomic updates (or the saga's, which queue their events the same
 * way), so the document's version is the stream's, outbox included, and no event can be
 * missing from it. The stream stays the source of truth of the history: once flushed, a
 * rebuild from the stream alone gives the same document (`POST /products/:id/rebuild`
 * flushes, replays everything and writes it).
 *
 * Crash repair of the previous design (append first, then project): its commands marked the
 * document `pendingVersion: n+1` before appending event n+1, so a document whose marker is
 * ahead of its version may lag behind the stream. `loadProduct` then asks the stream for the
 * events after its version and projects them (a read stays ONE call otherwise); a command's
 * update clears the marker. A document lost entirely is rebuilt from the stream by a read
 * by id (its unflushed outbox is lost with it).
 *
 * The order saga's one-call stock changes (stock.ts) require `pendingVersion <= version`
 * (no legacy command in flight) and bump the version with their outbox entry the same way.
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
import {
  flushProductOutbox,
  holdFields,
  OUTBOX_FIELDS,
  type OutboxDoc,
  type OutboxEntry,
  type StockHold,
} from './stock-ops.ts';

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

/** A `products` document. Version 0 is a slug reservation of the previous create (before ProductCreatedEvent). */
export type ProductDoc = Partial<ProductProjection> & {
  _id: ObjectId;
  tenantId: string;
  slug: string;
  version: number;
  averageRating?: number;
  reviewCount?: number;
  /** The highest version a command of the previous design started to append (legacy crash repair). */
  pendingVersion?: number;
  /** The version the last product command (not a one-call stock change) moved the document to. */
  commandVersion?: number;
  /** Fingerprint of the create request whose Idempotency-Key made this id (src/lib/idempotency.ts). */
  requestFingerprint?: string;
  /** Events not yet in product_events: the outbox (stock-ops.ts). */
  stockOps?: OutboxEntry[];
  /** What each order holds, by order id (stock-ops.ts). */
  stockHolds?: Record<string, StockHold>;
};

/** A product as the API shows it: the event-sourced state plus the rating fields of the review service. */
export interface ProductRecord extends ProductState {
  averageRating: number;
  reviewCount: number;
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
    // A concurrent repair inserted it first: fine. (Or, the document being lost, another product took
    // its slug since: the unique index keeps that one; the stream still holds this product's history.)
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
 * One product (deleted ones included: callers decide), as its document says: ONE call. Only a
 * document whose legacy marker is ahead of its version (a command of the previous design died
 * between its append and its projection) is caught up with the events after its version, and
 * the projection written (crash repair). Null when neither a document nor events exist in the
 * tenant. Reads and commands alike: the outbox is already in the document (see the header).
 */
export async function loadProduct(
  mongo: DataApiClient,
  tenantId: string,
  by: ProductLookup,
): Promise<ProductRecord | null> {
  const products = mongo.collection<ProductDoc>(PRODUCTS);
  // Neither a read nor a decision needs the holds (one small entry per order) or the outbox.
  const doc =
    'id' in by
      ? await products.findOne({ _id: objectId(by.id), tenantId }, { projection: READ_PROJECTION })
      : await products.findOne({ tenantId, slug: by.slug }, { projection: READ_PROJECTION });
  if (!doc) {
    if (!('id' in by)) return null;
    // No document at all (lost, or a crash of the previous create before its reservation was
    // written): the stream alone rebuilds it.
    const events = await loadEvents(mongo, tenantId, by.id.toLowerCase());
    if (events.length === 0) return null;
    let state: ProductState | null = null;
    for (const e of events) state = applyEvent(state, e);
    if (await insertProjection(mongo, state!)) await adjustCategoryCounts(mongo, tenantId, null, state!);
    return recordOf(state!, null);
  }
  const stored = stateFromDoc(doc);
  // No command of the previous design started beyond this version: no event can be missing.
  if (!((doc.pendingVersion ?? 0) > doc.version)) return stored ? recordOf(stored, doc) : null;
  const missing = await loadEvents(mongo, tenantId, doc._id.toHexString(), doc.version);
  if (missing.length === 0) return stored ? recordOf(stored, doc) : null;
  let state = stored;
  for (const e of missing) state = applyEvent(state, e);
  if (await writeProjection(mongo, state!, missing)) await adjustCategoryCounts(mongo, tenantId, stored, state!);
  return recordOf(state!, doc);
}

// The command loop: every product command but the create goes through runCommand.

/** How often a command decides again because one-call stock changes moved the document under it. */
const STOCK_RELOADS = 8;

export interface Decision {
  eventType: Exclude<ProductEventType, 'ProductCreatedEvent'>;
  data: ProductEvent['data'];
}

export interface CommandResult {
  record: ProductRecord;
  /** The queued event; null when the command changed nothing (no event). */
  event: ProductEvent | null;
  /**
   * The document's outbox as the command's update left it (null when nothing was written): what
   * `flushOutbox` moves into the stream, after the response.
   */
  outbox: OutboxDoc | null;
}

export interface CommandOptions {
  /** From If-Match: the command applies only to this version (412 otherwise). */
  expectedVersion?: number | undefined;
  /** Reload and retry after a lost race this many times (HTTP: 0, saga: a few). */
  retries?: number;
  /** Flush the outbox before loading, for a `decide` that reads the stream (the saga's slower path). */
  flushFirst?: boolean;
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

/** What the one write of a command returns: the outbox to flush, and the rating fields of the record. */
const WRITTEN = { ...OUTBOX_FIELDS, averageRating: 1, reviewCount: 1 } as const;

/**
 * The one write of a command: the projection of `next` and its event in the outbox, if the
 * document is still at `next.version - 1`. Null when it is not (another writer moved it).
 */
async function writeWithEvent(
  mongo: DataApiClient,
  next: ProductState,
  event: ProductEvent,
): Promise<(OutboxDoc & Pick<ProductDoc, 'averageRating' | 'reviewCount'>) | null> {
  const entry: OutboxEntry = { eventId: event.eventId, event };
  return mongo.collection<ProductDoc>(PRODUCTS).findOneAndUpdate<OutboxDoc & ProductDoc>(
    { _id: objectId(next.id), tenantId: next.tenantId, version: next.version - 1 },
    {
      $set: { ...projectionOf(next), ...holdFields([event]), commandVersion: next.version },
      $unset: { pendingVersion: '' },
      $push: { stockOps: entry },
    },
    { projection: WRITTEN, returnDocument: 'after' },
  );
}

/** Why the write of version `version` matched nothing: another command took it, or stock changes moved the document. */
async function lostTo(ctx: EventContext, id: string, version: number): Promise<'command' | 'stock' | 'gone'> {
  const doc = await ctx.mongo
    .collection<ProductDoc>(PRODUCTS)
    .findOne({ _id: objectId(id), tenantId: ctx.tenantId }, { projection: { commandVersion: 1, version: 1 } });
  if (!doc) return 'gone';
  return (doc.commandVersion ?? 0) >= version ? 'command' : 'stock';
}

/**
 * The one command loop. `decide` sees the current (not deleted) product and returns the event
 * to queue, or null for "nothing to do". It may throw problems (validation against the current
 * state). Load, check If-Match, decide, write (see the header); the category counters move
 * with the write that moved the document.
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
    if (opts.flushFirst) await flushProductOutbox(ctx.mongo, ctx.tenantId, id);
    const current = await loadProduct(ctx.mongo, ctx.tenantId, { id });
    if (!current || current.deletedAt) throw catalogErrors.productNotFound();
    if (opts.expectedVersion !== undefined && current.version !== opts.expectedVersion) {
      throw staleVersion('product', current.version);
    }
    const decision = await decide(current);
    if (!decision) return { record: current, event: null, outbox: null };
    const event = makeEvent(ctx, id, current.version + 1, decision.eventType, decision.data);
    const next = applyEvent(current, event);
    const written = await writeWithEvent(ctx.mongo, next, event);
    if (written) {
      await adjustCategoryCounts(ctx.mongo, ctx.tenantId, current, next);
      return { record: recordOf(next, written), event, outbox: written };
    }
    const loser = await lostTo(ctx, id, event.version);
    if (loser === 'gone') throw catalogErrors.productNotFound();
    if (loser === 'stock') {
      // One-call stock changes of the saga moved the document: decide again on the new state.
      if (++moved > STOCK_RELOADS) throw catalogErrors.concurrentChange();
      attempt--;
      continue;
    }
    if (attempt < retries) {
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
      continue;
    }
    if (opts.expectedVersion !== undefined) throw staleVersion('product', event.version);
    throw catalogErrors.concurrentChange();
  }
}
