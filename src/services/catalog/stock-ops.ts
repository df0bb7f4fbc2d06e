/**
 * Stock changes the order saga makes in ONE Data API call, and how they reach the event store.
 *
 * A reservation (or release) is one atomic conditional update of the product document
 * (findOneAndUpdate, see stock.ts): stock, status, version and `updatedAt` change as the
 * StockChangedEvent would change them, and the event itself rides along in the same
 * document, in `stockOps` (an outbox). `stockHolds.<orderId>` records what the order holds,
 * so a retried call matches nothing (idempotent per order and product).
 *
 * The outbox is moved into `product_events` by `flushStockOps`, which every path that needs
 * the stream calls first: commands (runCommand's load), the history, the rebuild. A crash
 * anywhere leaves either the operations in the outbox (flushed later) or events already
 * appended (a re-flush finds them: same eventId at the same version, a DuplicateKeyError
 * it accepts) — the stock never changes without its event being on its way.
 *
 * Why the versions are right: every outbox entry bumped `version` by one in the same update
 * that pushed it, and commands append to the stream only when the outbox is empty (their
 * claim, event-store.ts, requires it), while fast updates require no command in flight
 * (`pendingVersion <= version`). So at any snapshot of the document the stream holds exactly
 * the versions up to `version - stockOps.length`, and entry i is version
 * `version - stockOps.length + 1 + i`; the stock before it is recomputed backwards from
 * `stockQuantity`.
 */
import type { ObjectId } from 'bson';

import type { DataApiClient, Document } from '../../db/mongo/client.ts';
import { DuplicateKeyError } from '../../db/mongo/errors.ts';
import { objectId, PRODUCT_EVENTS, PRODUCTS } from './common.ts';
import type { ProductEvent, StockChangedEvent } from './product-reducer.ts';

/** An outbox entry: a StockChangedEvent without its version (the document's position gives it). */
export interface StockOp {
  eventId: string;
  orderId: string;
  reason: 'reserve' | 'release';
  delta: number;
  at: Date;
  userId: string | null;
  correlationId: string;
}

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
const OUTBOX_FIELDS = { stockOps: 1, version: 1, stockQuantity: 1, tenantId: 1 } as const;

interface OutboxDoc {
  _id: ObjectId;
  tenantId: string;
  version: number;
  stockQuantity?: number;
  stockOps?: StockOp[];
}

/** The events of a document's outbox, with their versions and quantities (pure). */
function outboxEvents(doc: OutboxDoc): StockChangedEvent[] {
  const ops = doc.stockOps ?? [];
  const first = doc.version - ops.length + 1;
  let after = doc.stockQuantity ?? 0;
  const events: StockChangedEvent[] = new Array<StockChangedEvent>(ops.length);
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
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
export async function flushStockOps(mongo: DataApiClient, doc: OutboxDoc): Promise<void> {
  const events = outboxEvents(doc);
  if (events.length === 0) return;
  const store = mongo.collection(PRODUCT_EVENTS);
  for (const event of events) {
    try {
      await store.insertOne({ ...event });
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
      // Flushed already (a concurrent or crashed flush): the same event must be there.
      const there = await store.findOne<{ eventId: string }>(
        { tenantId: doc.tenantId, aggregateId: event.aggregateId, version: event.version },
        { projection: { eventId: 1 } },
      );
      if (there?.eventId !== event.eventId)
        throw new Error(
          `stock outbox of product ${event.aggregateId}: version ${event.version} holds another event (${there?.eventId ?? 'none'})`,
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

/** Reads the outbox of a product and flushes it (history, rebuild). */
export async function flushProductOutbox(mongo: DataApiClient, tenantId: string, productId: string): Promise<void> {
  const doc = await mongo
    .collection<OutboxDoc>(PRODUCTS)
    .findOne({ _id: objectId(productId), tenantId, 'stockOps.0': { $exists: true } }, { projection: OUTBOX_FIELDS });
  if (doc) await flushStockOps(mongo, doc);
}

/**
 * `$set` fields that record the holds of stock events appended through the event store
 * (the slower path, and replays), so the one-call path sees them too.
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
