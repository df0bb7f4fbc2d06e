/**
 * RESERVE_STOCK: every line's quantity is taken from the product's stock
 * (catalog `reserveStock`, keyed by order id, so a retry reserves nothing twice).
 * If any line cannot be had, the lines already reserved are given back before the
 * step fails: a failed step is not compensated by the runner, it cleans up itself.
 * Compensation: give back every line (`releaseStock` is a no-op without a reservation).
 */
import {
  productChangeTags,
  purgeCatalogTags,
  releaseStock,
  reserveStock,
  type StockOutcome,
} from '../../catalog/index.ts';
import { PermanentStepError, sagaLines, type SagaStep, type StepInput } from './step.ts';

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

export const reserveStockStep: SagaStep = {
  name: 'RESERVE_STOCK',
  async run(input) {
    const { svc, saga } = input;
    for (const [productId, quantity] of sagaLines(saga)) {
      const outcome = await reserveStock(svc.stores.mongo(), {
        tenantId: saga.tenantId,
        productId,
        quantity,
        orderId: saga.orderId,
        userId: null,
      });
      if (outcome.ok) await purgeChanged(input, [[productId, outcome]]);
      if (outcome.ok) continue;
      if (outcome.status === 'conflict') throw new Error(`stock of ${productId} is contended; will retry`);
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
