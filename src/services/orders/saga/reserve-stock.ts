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
 * Input: the order's lines; output: `stockReserved`.
 */
import type { z } from 'zod';

import { productIdAsUuid } from '../../../lib/ids.ts';
import {
  productChangeTags,
  purgeCatalogTags,
  releaseStock,
  reserveStock,
  unitsHeldBy,
  type StockOutcome,
} from '../../catalog/index.ts';
import { unitsHeldInCheckout } from '../queries.ts';
import { orderFactsSchema, stepReportSchema } from './context.ts';
import { stepErrors } from './errors.ts';
import { defineStep, type StepInput } from './step.ts';

const input = orderFactsSchema.pick({ lines: true });
type Input = StepInput<z.infer<typeof input>>;

/** Public catalog reads show the stock: purge the products whose stock this step changed (edge cache). */
async function purgeChanged({ svc, saga }: Input, changed: Array<[string, StockOutcome]>): Promise<void> {
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

async function releaseAll(args: Input): Promise<void> {
  const { svc, saga } = args;
  const changed: Array<[string, StockOutcome]> = [];
  try {
    for (const { productId } of args.input.lines) {
      const outcome = await releaseStock(svc, {
        productId,
        orderId: saga.orderId,
        userId: null,
      });
      changed.push([productId, outcome]);
      if (!outcome.ok && outcome.status === 'conflict')
        throw new Error(`stock release of ${productId} lost its races; will retry`);
    }
  } finally {
    await purgeChanged(args, changed);
  }
}

async function reserveLine(args: Input, productId: string, quantity: number): Promise<StockOutcome> {
  const { svc, saga } = args;
  const outcome = await reserveStock(svc, {
    productId,
    quantity,
    orderId: saga.orderId,
    userId: null,
  });
  if (outcome.ok) await purgeChanged(args, [[productId, outcome]]);
  if (!outcome.ok && outcome.status === 'conflict') throw new Error(`stock of ${productId} is contended; will retry`);
  return outcome;
}

export const reserveStockStep = defineStep({
  name: 'RESERVE_STOCK',
  input,
  output: stepReportSchema.pick({ stockReserved: true }),
  async run(args) {
    const { svc, saga } = args;
    for (const { productId, quantity } of args.input.lines) {
      let outcome = await reserveLine(args, productId, quantity);
      if (outcome.ok) continue;
      if (outcome.status === 'insufficient_stock') {
        const checkout = await unitsHeldInCheckout(svc, {
          productUuid: productIdAsUuid(productId),
          exceptOrderId: saga.orderId,
        });
        let held = checkout.held;
        // An order mirrored as waiting may have got its unit a moment ago: its hold says so.
        if (outcome.available + held < quantity && checkout.waiting.length > 0)
          held += await unitsHeldBy(svc.stores.mongo(), saga.tenantId, productId, checkout.waiting);
        if (outcome.available + held >= quantity) {
          // Lines reserved so far stay reserved while waiting: a release is final for
          // (order, product) in the catalog, a later reserve would find it "already done".
          throw stepErrors.stockHeldInCheckout(
            `${productId}: only ${outcome.available} of ${quantity} in stock, ${held} held by orders in checkout`,
          );
        }
        // Units given back between the reservation and that look are counted now: one more try.
        outcome = await reserveLine(args, productId, quantity);
        if (outcome.ok) continue;
      }
      await releaseAll(args);
      throw outcome.status === 'insufficient_stock'
        ? stepErrors.outOfStock(`${productId}: only ${outcome.available} of ${outcome.requested} in stock`)
        : stepErrors.productNotFound(`${productId}: product not found`);
    }
    return { stockReserved: true };
  },
  async compensate(args) {
    await releaseAll(args);
    return { stockReserved: false };
  },
});
