/**
 * Stock reservations for the order saga, on the same append-first event guard as
 * every product command (see event-store.ts):
 *
 * - `reserveStock` appends a StockChangedEvent (reason `reserve`, delta -quantity,
 *   causationId = orderId) if the stock covers it; never below 0.
 * - `releaseStock` gives back what the order reserved (reason `release`).
 * - Idempotent per (order, product): before deciding, the command looks for the
 *   order's reserve/release event of this product; a retried call finds it and
 *   changes nothing. The lookup runs after loading the product at version n and the
 *   append is at n+1, so a concurrent twin either is visible (<= n) or collides on
 *   the version (and the retry then sees it).
 * - A lost race (another writer took the version) reloads and retries a few times.
 *
 * One reservation per (order, product): an order with two lines of one product sums
 * them first. A release with no reservation does nothing (`nothing_to_release`).
 */
import type { DataApiClient } from '../../db/mongo/client.ts';
import { Problem } from '../../lib/problem.ts';
import { isObjectIdHex, PRODUCT_EVENTS } from './common.ts';
import { runCommand } from './event-store.ts';
import type { ProductRecord } from './event-store.ts';
import type { StockChangedData, StockChangedEvent } from './product-reducer.ts';

export interface ReserveStockInput {
  tenantId: string;
  productId: string;
  quantity: number;
  orderId: string;
  userId: string | null;
  /** Correlation id copied into the event (e.g. the saga id); defaults to the order id. */
  correlationId?: string;
}

export interface ReleaseStockInput {
  tenantId: string;
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
    const { record, event } = await runCommand(ctx, input.productId, { retries: RETRIES }, async (current) => {
      const decided = await decide(current);
      if ('ok' in decided) throw new Outcome(decided);
      return { eventType: 'StockChangedEvent', data: decided.data };
    });
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

export async function reserveStock(mongo: DataApiClient, input: ReserveStockInput): Promise<StockOutcome> {
  if (!Number.isSafeInteger(input.quantity) || input.quantity < 1)
    throw new RangeError('quantity must be a positive integer');
  const productId = input.productId.toLowerCase();
  return stockCommand(mongo, { ...input, productId }, async ({ stockQuantity, version }) => {
    const done = await orderEvent(mongo, input.tenantId, productId, input.orderId, 'reserve');
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

export async function releaseStock(mongo: DataApiClient, input: ReleaseStockInput): Promise<StockOutcome> {
  const productId = input.productId.toLowerCase();
  return stockCommand(mongo, { ...input, productId }, async ({ stockQuantity, version }) => {
    const [reserved, released] = await Promise.all([
      orderEvent(mongo, input.tenantId, productId, input.orderId, 'reserve'),
      orderEvent(mongo, input.tenantId, productId, input.orderId, 'release'),
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
