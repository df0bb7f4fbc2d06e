/**
 * Review service — MongoDB collections `reviews`, `review_votes`, `review_reports`.
 *
 * Documents follow the seed (section 6) with these additions:
 *  - `tenantId` on every document, in every filter;
 *  - `version`: bumped by every change except the engagement counters, used for
 *    compare-and-set updates and as the ETag;
 *  - `reportsAtApproval` / `hiddenByReportsAt`: the report threshold counts the
 *    distinct reporters since the last approval (see engagement.ts);
 *  - `sellerResponse.respondedBy`.
 * Counters (`helpfulCount`, `unhelpfulCount`, `reportedCount`) are never `$inc`ed:
 * they are recounted from `review_votes` / `review_reports` (consistency.ts).
 */
import { ObjectId } from 'bson';
import type { DataApiClient, DataApiCollection } from '../../db/mongo/client.ts';
import type { Stores } from '../../db/stores.ts';
import type { Logger } from '../../lib/logger.ts';
import type { RatingUpdateMessage } from '../../queues/rating-update-messages.ts';
import type { NotificationQueue } from '../notifications/index.ts';
import type { Principal } from '../auth/index.ts';

export const REVIEW_STATUSES = ['PENDING', 'APPROVED', 'REJECTED'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const VOTES = ['HELPFUL', 'UNHELPFUL'] as const;
export type Vote = (typeof VOTES)[number];

export const REPORT_REASONS = ['SPAM', 'OFFENSIVE', 'INAPPROPRIATE', 'FAKE', 'OFF_TOPIC', 'OTHER'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** Distinct reporters (since the last approval) that send an APPROVED review back to PENDING. */
export const REPORT_HIDE_THRESHOLD = 3;

/** Roles that moderate, delete any review and read any review of their tenant. */
export const MODERATOR_ROLES = ['SUPPORT', 'ADMIN'] as const;
/** Roles that answer reviews on behalf of the seller. */
export const RESPONDER_ROLES = ['MANAGER', 'ADMIN'] as const;

export interface SellerResponse {
  message: string;
  respondedAt: Date;
  respondedBy: string;
}

export interface ReviewDocument {
  _id: ObjectId;
  tenantId: string;
  /** products._id as a 24-hex string. */
  productId: string;
  /** auth.users.id (UUID). */
  userId: string;
  userName: string | null;
  userAvatar: string | null;
  verifiedPurchase: boolean;
  rating: number;
  title: string | null;
  comment: string | null;
  images: string[];
  status: ReviewStatus;
  moderatedBy: string | null;
  moderatedAt: Date | null;
  moderationNote: string | null;
  helpfulCount: number;
  unhelpfulCount: number;
  reportedCount: number;
  reportsAtApproval: number;
  hiddenByReportsAt: Date | null;
  sellerResponse: SellerResponse | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface VoteDocument {
  _id?: ObjectId;
  tenantId: string;
  reviewId: string;
  userId: string;
  vote: Vote;
  createdAt: Date;
  updatedAt: Date;
}

export interface ReportDocument {
  _id?: ObjectId;
  tenantId: string;
  reviewId: string;
  userId: string;
  reason: ReportReason;
  comment: string | null;
  createdAt: Date;
}

/** What every review operation needs: stores, where rating updates go, a logger. */
export interface ReviewDeps {
  stores: Stores;
  /** env.RATING_UPDATES_QUEUE (or anything with its `send`). */
  ratingUpdates: Pick<Queue<RatingUpdateMessage>, 'send'>;
  /** env.NOTIFICATIONS_QUEUE: authors hear about moderation and seller responses. */
  notifications?: NotificationQueue;
  logger: Logger;
}

export const reviewsOf = (mongo: DataApiClient): DataApiCollection<ReviewDocument> => mongo.collection<ReviewDocument>('reviews');
export const votesOf = (mongo: DataApiClient): DataApiCollection<VoteDocument> => mongo.collection<VoteDocument>('review_votes');
export const reportsOf = (mongo: DataApiClient): DataApiCollection<ReportDocument> => mongo.collection<ReportDocument>('review_reports');

export function hasAnyRole(principal: Pick<Principal, 'roles'> | undefined, roles: readonly string[]): boolean {
  return !!principal && principal.roles.some((r) => roles.includes(r));
}

/** A review of the tenant, any status, or null. `id` is a validated 24-hex string. */
export function findReview(mongo: DataApiClient, tenantId: string, id: string): Promise<ReviewDocument | null> {
  return reviewsOf(mongo).findOne({ _id: new ObjectId(id), tenantId });
}

export interface ProductRef {
  id: string;
  sku: string | null;
  name: string | null;
}

/** A live (not deleted) product of the tenant, or null. */
export async function findProduct(mongo: DataApiClient, tenantId: string, productId: string): Promise<ProductRef | null> {
  const doc = await mongo
    .collection<{ _id: ObjectId; sku?: unknown; name?: unknown }>('products')
    .findOne(
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

/** Queues a recompute of the product's rating. The write it follows is done: a failed send is logged, not thrown. */
export async function requestRatingUpdate(deps: ReviewDeps, tenantId: string, productId: string, reason: string): Promise<void> {
  try {
    await deps.ratingUpdates.send({ tenantId, productId, reason });
  } catch (err) {
    deps.logger.error('rating update not queued; the product rating is stale until the next review change', {
      tenantId,
      productId,
      reason,
      err: err instanceof Error ? err.message : String(err),
    });
  }
}
