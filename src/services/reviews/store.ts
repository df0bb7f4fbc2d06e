/** The review service's collections, and the reads and the queue send its use cases share. */
import { ObjectId } from 'bson';

import type { DataApiClient, DataApiCollection } from '../../db/mongo/client.ts';
import type { ServiceContext } from '../context.ts';
import type { ProductRef, ReportDocument, ReviewDocument, VoteDocument } from './model.ts';

export const reviewsOf = (mongo: DataApiClient): DataApiCollection<ReviewDocument> =>
  mongo.collection<ReviewDocument>('reviews');

export const votesOf = (mongo: DataApiClient): DataApiCollection<VoteDocument> =>
  mongo.collection<VoteDocument>('review_votes');

export const reportsOf = (mongo: DataApiClient): DataApiCollection<ReportDocument> =>
  mongo.collection<ReportDocument>('review_reports');

/** A review of the tenant, any status, or null. `id` is a validated 24-hex string. */
export function findReview(mongo: DataApiClient, tenantId: string, id: string): Promise<ReviewDocument | null> {
  return reviewsOf(mongo).findOne({ _id: new ObjectId(id), tenantId });
}

/** A live (not deleted) product of the tenant, or null. */
export async function findProduct(
  mongo: DataApiClient,
  tenantId: string,
  productId: string,
): Promise<ProductRef | null> {
  const doc = await mongo.collection<{ _id: ObjectId; sku?: unknown; name?: unknown }>('products').findOne(
    // As the catalog reads "live": soft delete by `deletedAt` (null matches missing too), and
    // version 0 is a slug reservation, not yet a product (services/catalog/event-store.ts).
    { _id: new ObjectId(productId), tenantId, deletedAt: null, version: { $gte: 1 } },
    { projection: { _id: 1, sku: 1, name: 1 } },
  );
  if (!doc) return null;
  return {
    id: productId,
    sku: typeof doc.sku === 'string' && doc.sku.length > 0 ? doc.sku : null,
    name: typeof doc.name === 'string' ? doc.name : null,
  };
}

/**
 * The product a review is about (any status), or null: what the edge cache purges before a
 * review write (middleware/catalog-purges.ts).
 */
export async function productIdOfReview(ctx: ServiceContext, reviewId: string): Promise<string | null> {
  const doc = await reviewsOf(ctx.stores.mongo()).findOne(
    { _id: ObjectId.createFromHexString(reviewId.toLowerCase()), tenantId: ctx.tenantId },
    { projection: { productId: 1 } },
  );
  return doc?.productId ?? null;
}

/**
 * Queues a recompute of the product's rating (RATING_UPDATES_QUEUE). The write it follows is
 * done: a failed send is logged, not thrown.
 */
export async function requestRatingUpdate(
  ctx: ServiceContext,
  { productId, reason }: { productId: string; reason: string },
): Promise<void> {
  const tenantId = ctx.tenantId;
  try {
    await ctx.env.RATING_UPDATES_QUEUE.send({ tenantId, productId, reason });
  } catch (err) {
    ctx.logger.error('rating update not queued; the product rating is stale until the next review change', {
      tenantId,
      productId,
      reason,
      err: err instanceof Error ? err.message : String(err),
    });
  }
}
