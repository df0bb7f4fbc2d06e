/**
 * Stock reservations for the order saga.
 *
 * - `reserveStock` takes `quantity` from the stock for an order if the stock covers it
 *   (reason `reserve`, delta -quantity, causationId = orderId); never below 0.
 * - `releaseStock` gives back what the order reserved (reason `release`).
 *
 * One Data API call per line (stock-ops.ts): a findOneAndUpdate whose filter is the whole
 * decision (not deleted, `stockQuantity >= quantity`, the order holds nothing of this
 * product yet, no legacy claim marker ahead of the version) and whose update pipeline applies the StockChangedEvent
 * to the document (stock, status at 0, version, updatedAt), records the order's hold and
 * queues the event in the document's outbox; the returned document gives the new stock,
 * version and slug. A release adds back the hold's quantity the same way. The database
 * applies each such update atomically, so 50 concurrent reservations of 10 units take
 * exactly 10 (tested).
 *
 * When that update matches nothing the reason is looked up on the slower path, the event
 * store's command loop (event-store.ts: load, decide, one conditional write), after a flush
 * of the outbox (its decision reads the order's events): unknown or deleted product,
 * insufficient stock, already reserved/released, or a legacy claim marker (then the
 * reservation is made through the loop, which also repairs the crashed command).
 * Idempotent per (order, product) either way: the hold (one-call path) and the order's
 * event (slower path) are both checked, and each path records what the other reads.
 * Holds older than a day are dropped by the product's next one-call change (HOLD_RETENTION_MS
 * in stock-ops.ts): past the saga's deadline only the events are needed.
 *
 * One reservation per (order, product): an order with two lines of one product sums
 * them first. A release with no reservation does nothing (`nothing_to_release`).
 */
import type { DataApiClient, Document } from '../../db/mongo/client.ts';
import { Problem } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { isObjectIdHex, objectId, PRODUCT_EVENTS, PRODUCTS } from './common.ts';
import { runCommand } from './event-store.ts';
import type { ProductDoc, ProductRecord } from './event-store.ts';
import type { StockChangedData, StockChangedEvent } from './product-reducer.ts';
import { HOLD_RETENTION_MS, holdPath, holdsSince, ORDER_ID_PATTERN, type StockOp } from './stock-ops.ts';

export interface ReserveStockInput {
  productId: string;
  quantity: number;
  orderId: string;
  userId: string | null;
  /** Correlation id copied into the event (e.g. the saga id); defaults to the order id. */
  correlationId?: string;
}

export interface ReleaseStockInput {
  productId: string;
  orderId: string;
  userId: string | null;
  correlationId?: string;
}

export type StockOutcome =
  | {
      ok: true;
      status: 'reserved' | 'already_reserved' | 'released' | 'already_released' | 'nothing_to_release';
      quantity: number;
      stockQuantity: number;
      version: number;
      /** When this call changed the stock: the product's slug (the edge cache purges it). */
      slug?: string;
    }
  | { ok: false; status: 'insufficient_stock'; requested: number; available: number }
  | { ok: false; status: 'not_found' }
  | { ok: false; status: 'conflict' };

/** How many times a lost version race is retried. */
const RETRIES = 8;

async function orderEvent(
  mongo: DataApiClient,
  tenantId: string,
  productId: string,
  orderId: string,
  reason: 'reserve' | 'release',
): Promise<StockChangedEvent | null> {
  return mongo.collection<StockChangedEvent>(PRODUCT_EVENTS).findOne({
    tenantId,
    aggregateId: productId,
    eventType: 'StockChangedEvent',
    causationId: orderId,
    'data.reason': reason,
  });
}

class Outcome extends Error {
  constructor(readonly outcome: StockOutcome) {
    super(outcome.status);
  }
}

async function stockCommand(
  mongo: DataApiClient,
  input: {
    tenantId: string;
    productId: string;
    orderId: string;
    userId: string | null;
    correlationId?: string | undefined;
  },
  decide: (current: ProductRecord) => Promise<{ data: StockChangedData } | StockOutcome>,
): Promise<StockOutcome> {
  if (!isObjectIdHex(input.productId)) return { ok: false, status: 'not_found' };
  const ctx = {
    mongo,
    tenantId: input.tenantId,
    userId: input.userId,
    correlationId: input.correlationId ?? input.orderId,
    causationId: input.orderId,
  };
  try {
    const { record, event } = await runCommand(
      ctx,
      input.productId,
      { retries: RETRIES, flushFirst: true },
      async (current) => {
        const decided = await decide(current);
        if ('ok' in decided) throw new Outcome(decided);
        return { eventType: 'StockChangedEvent', data: decided.data };
      },
    );
    const data = (event as StockChangedEvent).data;
    return {
      ok: true,
      status: data.reason === 'reserve' ? 'reserved' : 'released',
      quantity: Math.abs(data.delta),
      stockQuantity: record.stockQuantity,
      version: record.version,
      slug: record.slug,
    };
  } catch (err) {
    if (err instanceof Outcome) return err.outcome;
    if (err instanceof Problem && err.hasType('not-found')) return { ok: false, status: 'not_found' };
    if (err instanceof Problem && err.hasType('conflict')) return { ok: false, status: 'conflict' };
    throw err;
  }
}

/** The filter part every one-call stock change shares: a live product, no legacy command in flight (event-store.ts). */
function liveProduct(tenantId: string, productId: string): Document {
  return {
    _id: objectId(productId),
    tenantId,
    deletedAt: null,
    version: { $gte: 1 },
    $expr: { $lte: [{ $ifNull: ['$pendingVersion', 0] }, '$version'] },
  };
}

/** Pipeline expression: the status after the stock becomes `stock` (product-reducer's statusAfterStock). */
function statusAfter(stock: Document): Document {
  return {
    $switch: {
      branches: [
        { case: { $and: [{ $eq: ['$status', 'ACTIVE'] }, { $eq: [stock, 0] }] }, then: 'OUT_OF_STOCK' },
        { case: { $and: [{ $eq: ['$status', 'OUT_OF_STOCK'] }, { $gt: [stock, 0] }] }, then: 'ACTIVE' },
      ],
      default: '$status',
    },
  };
}

/** The update pipeline of a one-call stock change of `delta` (a number, or a field path such as a hold's quantity). */
function stockChange(delta: number | string, op: Document, hold: Document, at: Date): Document[] {
  const stock = { $add: ['$stockQuantity', delta] };
  const status = statusAfter(stock);
  return [
    {
      $set: {
        stockQuantity: stock,
        status,
        version: { $add: ['$version', 1] },
        updatedAt: op.at,
        stockOps: { $concatArrays: [{ $ifNull: ['$stockOps', []] }, [op]] },
        stockHolds: { $mergeObjects: [holdsSince(new Date(at.getTime() - HOLD_RETENTION_MS)), hold] },
      },
    },
  ];
}

type Changed = Pick<ProductDoc, 'slug' | 'stockQuantity' | 'version'>;
const CHANGED = { slug: 1, stockQuantity: 1, version: 1 } as const;

function checkOrderId(orderId: string): void {
  if (!ORDER_ID_PATTERN.test(orderId)) throw new RangeError('orderId must match ' + String(ORDER_ID_PATTERN));
}

/** The outbox entry of a stock change (its delta may be a field path, resolved by the pipeline). */
function opOf(
  input: { orderId: string; userId: string | null; correlationId?: string | undefined },
  reason: StockOp['reason'],
  delta: number | string,
  at: Date,
): Document {
  return {
    eventId: { $literal: crypto.randomUUID() },
    orderId: { $literal: input.orderId },
    reason: { $literal: reason },
    delta,
    at: { $literal: at },
    userId: { $literal: input.userId },
    correlationId: { $literal: input.correlationId ?? input.orderId },
  };
}

/** The context stock changes need: the tenant and its stores (a request's or a saga step's). */
export type StockContext = Pick<ServiceContext, 'stores' | 'tenantId'>;

export async function reserveStock(ctx: StockContext, input: ReserveStockInput): Promise<StockOutcome> {
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  if (!Number.isSafeInteger(input.quantity) || input.quantity < 1)
    throw new RangeError('quantity must be a positive integer');
  checkOrderId(input.orderId);
  const productId = input.productId.toLowerCase();
  if (!isObjectIdHex(productId)) return { ok: false, status: 'not_found' };
  const at = new Date();
  const changed = await mongo.collection<ProductDoc>(PRODUCTS).findOneAndUpdate<Changed>(
    {
      ...liveProduct(tenantId, productId),
      stockQuantity: { $gte: input.quantity },
      [holdPath(input.orderId)]: { $exists: false },
    },
    stockChange(
      -input.quantity,
      opOf(input, 'reserve', -input.quantity, at),
      { $literal: { [input.orderId]: { q: input.quantity, at } } },
      at,
    ),
    { projection: CHANGED, returnDocument: 'after' },
  );
  if (changed) return reservedOutcome('reserved', input.quantity, changed);
  return stockCommand(mongo, { ...input, tenantId, productId }, async ({ stockQuantity, version }) => {
    const done = await orderEvent(mongo, tenantId, productId, input.orderId, 'reserve');
    if (done) return { ok: true, status: 'already_reserved', quantity: -done.data.delta, stockQuantity, version };
    if (stockQuantity < input.quantity)
      return { ok: false, status: 'insufficient_stock', requested: input.quantity, available: stockQuantity };
    return {
      data: {
        previousQuantity: stockQuantity,
        newQuantity: stockQuantity - input.quantity,
        delta: -input.quantity,
        reason: 'reserve',
        orderId: input.orderId,
      },
    };
  });
}

function reservedOutcome(status: 'reserved' | 'released', quantity: number, doc: Changed): StockOutcome {
  return {
    ok: true,
    status,
    quantity,
    stockQuantity: doc.stockQuantity ?? 0,
    version: doc.version,
    slug: doc.slug,
  };
}

export async function releaseStock(ctx: StockContext, input: ReleaseStockInput): Promise<StockOutcome> {
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  checkOrderId(input.orderId);
  const productId = input.productId.toLowerCase();
  if (!isObjectIdHex(productId)) return { ok: false, status: 'not_found' };
  const hold = holdPath(input.orderId);
  const held = `$${hold}.q`;
  const at = new Date();
  const changed = await mongo.collection<ProductDoc>(PRODUCTS).findOneAndUpdate<Changed & Document>(
    {
      ...liveProduct(tenantId, productId),
      [`${hold}.q`]: { $gte: 1 },
      [`${hold}.released`]: { $exists: false },
    },
    stockChange(
      held,
      opOf(input, 'release', held, at),
      { [input.orderId]: { $mergeObjects: [`$${hold}`, { released: true }] } },
      at,
    ),
    { projection: { ...CHANGED, [hold]: 1 }, returnDocument: 'after' },
  );
  if (changed) {
    const q = (changed.stockHolds as Record<string, { q: number }> | undefined)?.[input.orderId]?.q ?? 0;
    return reservedOutcome('released', q, changed);
  }
  return stockCommand(mongo, { ...input, tenantId, productId }, async ({ stockQuantity, version }) => {
    const [reserved, released] = await Promise.all([
      orderEvent(mongo, tenantId, productId, input.orderId, 'reserve'),
      orderEvent(mongo, tenantId, productId, input.orderId, 'release'),
    ]);
    if (released)
      return { ok: true, status: 'already_released', quantity: released.data.delta, stockQuantity, version };
    if (!reserved) return { ok: true, status: 'nothing_to_release', quantity: 0, stockQuantity, version };
    const quantity = -reserved.data.delta;
    return {
      data: {
        previousQuantity: stockQuantity,
        newQuantity: stockQuantity + quantity,
        delta: quantity,
        reason: 'release',
        orderId: input.orderId,
      },
    };
  });
}

/**
 * Units of a product that the given orders hold now, from the product's own holds (written in
 * the same update as the stock): what an order got a moment ago, before anything else says so.
 */
export async function unitsHeldBy(
  mongo: DataApiClient,
  tenantId: string,
  productId: string,
  orderIds: readonly string[],
): Promise<number> {
  const ids = orderIds.filter((id) => ORDER_ID_PATTERN.test(id));
  const product = productId.toLowerCase();
  if (ids.length === 0 || !isObjectIdHex(product)) return 0;
  const doc = await mongo
    .collection<ProductDoc>(PRODUCTS)
    .findOne<{ stockHolds?: Record<string, { q?: number; released?: boolean }> }>(
      { _id: objectId(product), tenantId },
      { projection: Object.fromEntries(ids.map((id) => [holdPath(id), 1])) },
    );
  return ids.reduce((sum, id) => {
    const hold = doc?.stockHolds?.[id];
    return sum + (hold && !hold.released ? (hold.q ?? 0) : 0);
  }, 0);
}
