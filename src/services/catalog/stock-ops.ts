/**
 * The product outbox (`stockOps`, named when it held stock changes only): events that changed
 * the product document in the SAME atomic update that queued them, on their way to
 * `product_events`. Two kinds of entries:
 *
 * - a stock change of the order saga (`StockOp`): one conditional findOneAndUpdate (see
 *   stock.ts) changes stock, status, version and `updatedAt` as the StockChangedEvent would,
 *   and pushes the operation without its version and quantities (the update pipeline cannot
 *   build the event; the document's position and stock give them back). `stockHolds.<orderId>`
 *   records what the order holds, so a retried call matches nothing (idempotent per order).
 * - a product command's event (`CommandOp`: the whole event, version included), pushed by the
 *   command loop's one conditional update (event-store.ts) together with the projection.
 *
 * `flushOutbox` moves the entries into `product_events` (insert each event, then `$pull`
 * them): after the response of the command that queued them (the route's afterResponse), and
 * first thing in every path that reads the stream (the history, the rebuild, the saga's slower
 * path). A crash anywhere leaves either the entries in the outbox (flushed later) or events
 * already appended (a re-flush finds them: same eventId at the same version, a
 * DuplicateKeyError it accepts): the document never changes without its event on its way.
 *
 * Why the versions are right: every write of a product's state bumps `version` by one in the
 * same update that pushes its entry, and nothing appends to the stream except a flush (the
 * legacy append-first path aside, see event-store.ts: it only repairs). So at any snapshot of
 * the document the stream holds at least the versions up to `version - stockOps.length`, and
 * entry i is version `version - stockOps.length + 1 + i`; the stock before a stock op is
 * recomputed backwards from `stockQuantity` (a command's event says its own).
 */
import type { ObjectId } from 'bson';

import type { DataApiClient, Document } from '../../db/mongo/client.ts';
import { DuplicateKeyError, isWriteConflict } from '../../db/mongo/errors.ts';
import { objectId, PRODUCT_EVENTS, PRODUCTS } from './common.ts';
import type { ProductEvent } from './product-reducer.ts';

/** An outbox entry of the saga: a StockChangedEvent without its version (the document's position gives it). */
export interface StockOp {
  eventId: string;
  orderId: string;
  reason: 'reserve' | 'release';
  delta: number;
  at: Date;
  userId: string | null;
  correlationId: string;
}

/** An outbox entry of a product command: the whole event. */
export interface CommandOp {
  eventId: string;
  event: ProductEvent;
}

export type OutboxEntry = StockOp | CommandOp;

/** What an order holds of a product: the quantity reserved, and whether it was given back. */
export interface StockHold {
  q: number;
  at: Date;
  released?: boolean;
}

/** Order ids become field names (`stockHolds.<orderId>`): no dots, no `$`. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export const holdPath = (orderId: string) => `stockHolds.${orderId}`;

/**
 * How long a hold stays in its product document. The hold is what makes a retried one-call
 * reservation match nothing, and an order reserves only during its saga's RESERVE_STOCK step,
 * which ends by ORDER_SAGA_DEADLINE_SECONDS (300 s by default): a day is far past any retry.
 * Every stock change rewrites the holds, and drops those older than this on the way, so the
 * document (rewritten whole by each change) stays bounded by the last day's orders instead of
 * growing with every order ever placed. A release of an order whose hold is gone is matched
 * on the slower path by the order's events, which is idempotent on its own.
 */
export const HOLD_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Pipeline expression: the document's holds without those taken before `cutoff`. */
export function holdsSince(cutoff: Date): Document {
  return {
    $arrayToObject: {
      $filter: {
        input: { $objectToArray: { $ifNull: ['$stockHolds', {}] } },
        as: 'hold',
        cond: { $gte: ['$$hold.v.at', { $literal: cutoff }] },
      },
    },
  };
}

/** The document fields a flush needs (the outbox and the state it ends in). */
export const OUTBOX_FIELDS = { stockOps: 1, version: 1, stockQuantity: 1, tenantId: 1 } as const;

/** A snapshot of a document with its outbox (read with at least OUTBOX_FIELDS). */
export interface OutboxDoc {
  _id: ObjectId;
  tenantId: string;
  version: number;
  stockQuantity?: number;
  stockOps?: OutboxEntry[];
}

/** The stock a product had before `event`, given the stock after it. */
function stockBefore(event: ProductEvent, after: number): number {
  if (event.eventType === 'StockChangedEvent') return event.data.previousQuantity;
  return event.eventType === 'ProductCreatedEvent' ? 0 : after;
}

/** The events of a document's outbox, with their versions and quantities (pure). */
function outboxEvents(doc: OutboxDoc): ProductEvent[] {
  const ops = doc.stockOps ?? [];
  const first = doc.version - ops.length + 1;
  let after = doc.stockQuantity ?? 0;
  const events: ProductEvent[] = new Array<ProductEvent>(ops.length);
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    if ('event' in op) {
      if (op.event.version !== first + i)
        throw new Error(
          `outbox of product ${doc._id.toHexString()}: entry ${i} is version ${op.event.version}, its place says ${first + i}`,
        );
      events[i] = op.event;
      after = stockBefore(op.event, after);
      continue;
    }
    events[i] = {
      eventId: op.eventId,
      eventType: 'StockChangedEvent',
      aggregateId: doc._id.toHexString(),
      version: first + i,
      data: {
        previousQuantity: after - op.delta,
        newQuantity: after,
        delta: op.delta,
        reason: op.reason,
        orderId: op.orderId,
      },
      userId: op.userId,
      timestamp: op.at,
      correlationId: op.correlationId,
      causationId: op.orderId,
      tenantId: doc.tenantId,
    };
    after -= op.delta;
  }
  return events;
}

/**
 * Appends the outbox of `doc` (a snapshot read with at least OUTBOX_FIELDS) to the event
 * store and removes those entries from the document. Safe to run concurrently and again.
 */
export async function flushOutbox(mongo: DataApiClient, doc: OutboxDoc): Promise<void> {
  const events = outboxEvents(doc);
  if (events.length === 0) return;
  const store = mongo.collection(PRODUCT_EVENTS);
  for (const event of events) {
    try {
      await store.insertOne({ ...event });
    } catch (err) {
      if (!(err instanceof DuplicateKeyError) && !isWriteConflict(err)) throw err;
      // Flushed already (a concurrent or crashed flush), or being flushed by a concurrent reader
      // whose insert won the conflict: the same event must be there.
      const there = await store.findOne<{ eventId: string }>(
        { tenantId: doc.tenantId, aggregateId: event.aggregateId, version: event.version },
        { projection: { eventId: 1 } },
      );
      if (!there && isWriteConflict(err)) throw err; // nobody flushed it: retryable
      if (there?.eventId !== event.eventId)
        throw new Error(
          `outbox of product ${event.aggregateId}: version ${event.version} holds another event (${there?.eventId ?? 'none'})`,
          { cause: err },
        );
    }
  }
  await mongo
    .collection(PRODUCTS)
    .updateOne(
      { _id: doc._id, tenantId: doc.tenantId },
      { $pull: { stockOps: { eventId: { $in: events.map((e) => e.eventId) } } } },
    );
}

/** Reads the outbox of a product and flushes it (history, rebuild, the saga's slower path): one call when it is empty. */
export async function flushProductOutbox(mongo: DataApiClient, tenantId: string, productId: string): Promise<void> {
  const doc = await mongo
    .collection<OutboxDoc>(PRODUCTS)
    .findOne({ _id: objectId(productId), tenantId, 'stockOps.0': { $exists: true } }, { projection: OUTBOX_FIELDS });
  if (doc) await flushOutbox(mongo, doc);
}

/**
 * `$set` fields that record the holds of stock events written by the command loop (the
 * saga's slower path, and replays), so the one-call path sees them too.
 */
export function holdFields(events: readonly ProductEvent[]): Document {
  const out: Document = {};
  for (const e of events) {
    if (e.eventType !== 'StockChangedEvent' || !e.data.orderId || !ORDER_ID_PATTERN.test(e.data.orderId)) continue;
    const path = holdPath(e.data.orderId);
    if (e.data.reason === 'reserve') {
      out[`${path}.q`] = -e.data.delta;
      out[`${path}.at`] = e.timestamp;
    } else if (e.data.reason === 'release') {
      out[`${path}.released`] = true;
    }
  }
  return out;
}
