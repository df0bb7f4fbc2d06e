/**
 * RESERVE_STOCK: every line's quantity is taken from the product's stock
 * (catalog `reserveStock`, keyed by order id, so a retry reserves nothing twice).
 * If a line cannot be had:
 * - if the missing units are held by other orders still in checkout (reserved, not
 *   yet confirmed or given back: a card being declined, a payment being retried), the
 *   step waits and tries again (`StepWaitError`) for up to ORDER_SAGA_STOCK_WAIT_SECONDS
 *   from the start of the saga, keeping the lines it has: units that come back are
 *   sold, not left on the shelf with the buyer turned away;
 * - otherwise (sold to confirmed orders) it looks once more (units given back since),
 *   then gives back the lines it has and fails for good: out of stock.
 * Compensation: give back every line (`releaseStock` is a no-op without a reservation);
 * it also runs when this step itself failed or was interrupted.
 */
import { productIdAsUuid } from '../../../lib/ids.ts';
import {
  productChangeTags,
  purgeCatalogTags,
  releaseStock,
  reserveStock,
  type StockOutcome,
} from '../../catalog/index.ts';
import { unitsHeldInCheckout } from '../queries.ts';
import { PermanentStepError, sagaLines, StepWaitError, type SagaStep, type StepInput } from './step.ts';

/** Public catalog reads show the stock: purge the products whose stock this step changed (edge cache). */
async function purgeChanged({ svc, saga }: StepInput, changed: Array<[string, StockOutcome]>): Promise<void> {
  const tags = changed.flatMap(([productId, o]) =>
    o.ok && o.slug !== undefined
      ? productChangeTags(saga.tenantId, { productId, slug: o.slug, countsMayChange: false })
      : [],
  );
  await purgeCatalogTags(svc.env, tags, { logger: svc.logger }).catch((err: unknown) =>
    svc.logger.warn('edge cache purge after a stock change failed; cached reads show the old stock until s-maxage', {
      err: String(err),
    }),
  );
}

async function releaseAll(input: StepInput): Promise<void> {
  const { svc, saga } = input;
  const changed: Array<[string, StockOutcome]> = [];
  try {
    for (const [productId] of sagaLines(saga)) {
      const outcome = await releaseStock(svc.stores.mongo(), {
        tenantId: saga.tenantId,
        productId,
        orderId: saga.orderId,
        userId: null,
      });
      changed.push([productId, outcome]);
      if (!outcome.ok && outcome.status === 'conflict')
        throw new Error(`stock release of ${productId} lost its races; will retry`);
    }
  } finally {
    await purgeChanged(input, changed);
  }
}

async function reserveLine(input: StepInput, productId: string, quantity: number): Promise<StockOutcome> {
  const { svc, saga } = input;
  const outcome = await reserveStock(svc.stores.mongo(), {
    tenantId: saga.tenantId,
    productId,
    quantity,
    orderId: saga.orderId,
    userId: null,
  });
  if (outcome.ok) await purgeChanged(input, [[productId, outcome]]);
  if (!outcome.ok && outcome.status === 'conflict') throw new Error(`stock of ${productId} is contended; will retry`);
  return outcome;
}

export const reserveStockStep: SagaStep = {
  name: 'RESERVE_STOCK',
  async run(input) {
    const { svc, saga } = input;
    for (const [productId, quantity] of sagaLines(saga)) {
      let outcome = await reserveLine(input, productId, quantity);
      if (outcome.ok) continue;
      if (outcome.status === 'insufficient_stock') {
        const held = await unitsHeldInCheckout(svc, productIdAsUuid(productId), saga.orderId);
        if (outcome.available + held >= quantity) {
          // Lines reserved so far stay reserved while waiting: a release is final for
          // (order, product) in the catalog, a later reserve would find it "already done".
          throw new StepWaitError(
            `${productId}: only ${outcome.available} of ${quantity} in stock, ${held} held by orders in checkout`,
            'out_of_stock',
          );
        }
        // Units given back between the reservation and that look are counted now: one more try.
        outcome = await reserveLine(input, productId, quantity);
        if (outcome.ok) continue;
      }
      await releaseAll(input);
      const detail =
        outcome.status === 'insufficient_stock'
          ? `only ${outcome.available} of ${outcome.requested} in stock`
          : 'product not found';
      throw new PermanentStepError(
        `${productId}: ${detail}`,
        outcome.status === 'insufficient_stock' ? 'out_of_stock' : 'product_not_found',
      );
    }
    return { stockReserved: true };
  },
  async compensate(input) {
    await releaseAll(input);
    return { stockReserved: false };
  },
};
