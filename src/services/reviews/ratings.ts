/**
 * A product's rating, recomputed from its reviews. It lives in the review service, not the
 * catalog: everything it reads is review data (the APPROVED documents of `reviews`), the
 * review service decides when it must run (requestRatingUpdate, the rating-updates queue),
 * and the two fields it writes on the product (`averageRating`, `reviewCount`) are the review
 * service's copy there, which the catalog's event stream never touches (event-store.ts).
 */
import { ObjectId } from 'bson';

import type { DataApiClient } from '../../db/mongo/client.ts';
import type { ServiceContext } from '../context.ts';

export interface RatingSummary {
  averageRating: number;
  reviewCount: number;
  /** Count of APPROVED reviews per star, 1..5. */
  histogram: Record<1 | 2 | 3 | 4 | 5, number>;
}

/**
 * Rating summary of a product from its APPROVED reviews, in one aggregation.
 * Grouping by star (one `$sum` accumulator) is deliberate: it also gives the
 * histogram, and FerretDB v1 computes only the first of several `$sum`
 * accumulators in one `$group` and has no `$avg`.
 */
export async function ratingSummary(mongo: DataApiClient, tenantId: string, productId: string): Promise<RatingSummary> {
  const rows = await mongo
    .collection('reviews')
    .aggregate<{ _id: number; n: number }>([
      { $match: { tenantId, productId, status: 'APPROVED' } },
      { $group: { _id: '$rating', n: { $sum: 1 } } },
    ]);
  const histogram: RatingSummary['histogram'] = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
  let sum = 0;
  let reviewCount = 0;
  for (const { _id: stars, n } of rows) {
    if (stars >= 1 && stars <= 5 && Number.isInteger(stars)) histogram[stars as 1 | 2 | 3 | 4 | 5] = n;
    sum += stars * n;
    reviewCount += n;
  }
  const averageRating = reviewCount === 0 ? 0 : Math.round((sum / reviewCount) * 100) / 100;
  return { averageRating, reviewCount, histogram };
}

/**
 * Recomputes the denormalised rating of a product of the context's tenant. The result depends
 * only on the reviews, so running it twice (redelivery) is harmless.
 */
export async function recomputeProductRating(ctx: ServiceContext, productId: string): Promise<RatingSummary> {
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  const summary = await ratingSummary(mongo, tenantId, productId);
  await mongo
    .collection('products')
    .updateOne(
      { _id: new ObjectId(productId), tenantId },
      { $set: { averageRating: summary.averageRating, reviewCount: summary.reviewCount } },
    );
  return summary;
}
