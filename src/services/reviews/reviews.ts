/**
 * Reviews: write, edit, delete, moderate, answer, list. Only APPROVED reviews are
 * public; the author and staff see the others. Every change that can move a review
 * in or out of the APPROVED set (or change its rating) queues a rating update for
 * the product (queues/rating-updates.ts recomputes it from the APPROVED reviews).
 */
import { ObjectId } from 'bson';

import type { Filter } from '../../db/mongo/client.ts';
import { DuplicateKeyError } from '../../db/mongo/errors.ts';
import { staleVersion } from '../../lib/etag.ts';
import { invalidCursor } from '../../lib/pagination.ts';
import { STAFF_ROLES } from '../auth/index.ts';
import { callerOf, type ServiceContext } from '../context.ts';
import { hasDeliveredOrderOf } from '../orders/index.ts';
import { authorSnapshot } from './author.ts';
import { casUpdate, countReports } from './consistency.ts';
import { afterKey, decodeCursor, encodeCursor, sortSpec, type ReviewSort } from './cursor.ts';
import { reviewErrors } from './errors.ts';
import { hasAnyRole, MODERATOR_ROLES, type ReviewDocument, type ReviewStatus } from './model.ts';
import { notifyAuthor } from './notifications.ts';
import { ratingSummary, type RatingSummary } from './ratings.ts';
import { findProduct, findReview, requestRatingUpdate, reviewsOf } from './store.ts';
import { fullReviewView, publicReviewView, type FullReviewView, type PublicReviewView } from './views.ts';

export interface ReviewInput {
  rating: number;
  title?: string | undefined;
  comment?: string | undefined;
  images?: string[] | undefined;
}

export interface ReviewPatch {
  rating?: number | undefined;
  title?: string | null | undefined;
  comment?: string | null | undefined;
  images?: string[] | undefined;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** 412 unless `expected` (from If-Match) is absent or the review's current version. */
function checkVersion(doc: ReviewDocument, expected: number | undefined): void {
  if (expected !== undefined && expected !== (doc.version ?? 0)) throw staleVersion('review', doc.version ?? 0);
}

/**
 * Creates the caller's review of a product (PENDING). 404 unknown product, 409 second review:
 * the unique {productId, userId} index decides at the insert (no read before it, so a first
 * review costs the product read, the two PostgreSQL reads and the insert).
 */
export async function createReview(
  ctx: ServiceContext,
  { productId, review: input }: { productId: string; review: ReviewInput },
): Promise<FullReviewView> {
  const { stores } = ctx;
  const mongo = stores.mongo();
  const { tenantId, userId } = callerOf(ctx);
  // Side by side (one round trip on the critical path): the product, the author's profile, and a
  // delivered order of this product id. Only a product with a SKU not bought under this id asks
  // once more, by SKU (the same product under another id, e.g. re-created).
  const [product, author, boughtById] = await Promise.all([
    findProduct(mongo, tenantId, productId),
    authorSnapshot(ctx, userId),
    hasDeliveredOrderOf({ stores, tenantId }, { userId, product: { id: productId, sku: null } }),
  ]);
  if (!product) throw reviewErrors.productNotFound();
  const verifiedPurchase =
    boughtById || (product.sku !== null && (await hasDeliveredOrderOf({ stores, tenantId }, { userId, product })));
  const now = new Date();
  const doc: ReviewDocument = {
    _id: new ObjectId(),
    tenantId,
    productId,
    userId,
    userName: author.userName,
    userAvatar: author.userAvatar,
    verifiedPurchase,
    rating: input.rating,
    title: input.title ?? null,
    comment: input.comment ?? null,
    images: input.images ?? [],
    status: 'PENDING',
    moderatedBy: null,
    moderatedAt: null,
    moderationNote: null,
    helpfulCount: 0,
    unhelpfulCount: 0,
    reportedCount: 0,
    reportsAtApproval: 0,
    hiddenByReportsAt: null,
    sellerResponse: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await reviewsOf(mongo).insertOne(doc);
  } catch (err) {
    // A second review (or two concurrent first ones): the unique {productId, userId} index keeps one.
    if (err instanceof DuplicateKeyError) {
      const winner = await reviewsOf(mongo).findOne({ tenantId, productId, userId }, { projection: { _id: 1 } });
      throw reviewErrors.alreadyReviewed(winner?._id);
    }
    throw err;
  }
  return fullReviewView(doc);
}

export interface ListQuery {
  rating?: number | undefined;
  sort: 'newest' | 'helpful';
  limit: number;
  cursor?: string | undefined;
}

/** APPROVED reviews of a product, one page, with the product's rating summary. 404 unknown product. */
export async function listProductReviews(
  ctx: ServiceContext,
  { productId, ...q }: { productId: string } & ListQuery,
): Promise<Page<PublicReviewView> & { summary: RatingSummary }> {
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  const key = q.cursor === undefined ? undefined : decodeCursor(q.cursor, q.sort);
  if (key === null) throw invalidCursor();
  const filter: Filter<ReviewDocument> = {
    tenantId,
    productId,
    status: 'APPROVED',
    ...(q.rating === undefined ? {} : { rating: q.rating }),
    ...(key ? afterKey(q.sort, key) : {}),
  };
  const [product, rows, summary] = await Promise.all([
    findProduct(mongo, tenantId, productId),
    reviewsOf(mongo).find(filter, { sort: sortSpec(q.sort), limit: q.limit + 1 }),
    ratingSummary(mongo, tenantId, productId),
  ]);
  if (!product) throw reviewErrors.productNotFound();
  return { ...toPage(rows, q.limit, q.sort, publicReviewView), summary };
}

export interface ModerationQuery {
  status: ReviewStatus;
  productId?: string | undefined;
  sort: 'oldest' | 'newest';
  limit: number;
  cursor?: string | undefined;
}

/** Staff: reviews of the tenant by status (the moderation queue: PENDING, oldest first). */
export async function listReviewsForModeration(ctx: ServiceContext, q: ModerationQuery): Promise<Page<FullReviewView>> {
  const tenantId = ctx.tenantId;
  const key = q.cursor === undefined ? undefined : decodeCursor(q.cursor, q.sort);
  if (key === null) throw invalidCursor();
  const filter: Filter<ReviewDocument> = {
    tenantId,
    status: q.status,
    ...(q.productId === undefined ? {} : { productId: q.productId }),
    ...(key ? afterKey(q.sort, key) : {}),
  };
  const rows = await reviewsOf(ctx.stores.mongo()).find(filter, { sort: sortSpec(q.sort), limit: q.limit + 1 });
  return toPage(rows, q.limit, q.sort, fullReviewView);
}

function toPage<T>(rows: ReviewDocument[], limit: number, sort: ReviewSort, view: (d: ReviewDocument) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { data: kept.map(view), nextCursor: more && last ? encodeCursor(sort, last) : null };
}

/**
 * One review. APPROVED ones are public; the author and staff also see the others
 * (with moderation details). Anything else is 404.
 */
export async function getReview(
  ctx: ServiceContext,
  id: string,
): Promise<{ review: PublicReviewView | FullReviewView; version: number }> {
  const { tenantId, principal } = ctx;
  const doc = await findReview(ctx.stores.mongo(), tenantId, id);
  if (!doc) throw reviewErrors.notFound();
  const privileged =
    !!principal &&
    principal.tenantId === tenantId &&
    (doc.userId === principal.userId || hasAnyRole(principal, STAFF_ROLES)); // staff: moderators and responders
  if (privileged) return { review: fullReviewView(doc), version: doc.version ?? 0 };
  if (doc.status !== 'APPROVED') throw reviewErrors.notFound();
  return { review: publicReviewView(doc), version: doc.version ?? 0 };
}

/** The author edits their review; it goes back to PENDING. Another user's review is 404. */
export async function updateReview(
  ctx: ServiceContext,
  {
    reviewId: id,
    patch,
    expectedVersion,
  }: { reviewId: string; patch: ReviewPatch; expectedVersion?: number | undefined },
): Promise<FullReviewView> {
  const principal = callerOf(ctx);
  const mongo = ctx.stores.mongo();
  const doc = await findReview(mongo, principal.tenantId, id);
  if (!doc || doc.userId !== principal.userId) throw reviewErrors.notFound();
  checkVersion(doc, expectedVersion);
  const fields: Partial<ReviewDocument> = { status: 'PENDING', updatedAt: new Date() };
  if (patch.rating !== undefined) fields.rating = patch.rating;
  if (patch.title !== undefined) fields.title = patch.title;
  if (patch.comment !== undefined) fields.comment = patch.comment;
  if (patch.images !== undefined) fields.images = patch.images;
  const updated = await casUpdate(mongo, doc, fields);
  await requestRatingUpdate(ctx, { productId: doc.productId, reason: 'edited' });
  return fullReviewView(updated);
}

/** The author, or a moderator (SUPPORT/ADMIN), deletes a review with its votes and reports. */
export async function deleteReview(ctx: ServiceContext, id: string): Promise<void> {
  const principal = callerOf(ctx);
  const mongo = ctx.stores.mongo();
  const doc = await findReview(mongo, principal.tenantId, id);
  if (!doc || (doc.userId !== principal.userId && !hasAnyRole(principal, MODERATOR_ROLES)))
    throw reviewErrors.notFound();
  const { deletedCount } = await reviewsOf(mongo).deleteOne({ _id: doc._id, tenantId: doc.tenantId });
  if (deletedCount === 0) throw reviewErrors.notFound();
  const reviewId = doc._id.toHexString();
  await Promise.all([
    mongo.collection('review_votes').deleteMany({ tenantId: doc.tenantId, reviewId }),
    mongo.collection('review_reports').deleteMany({ tenantId: doc.tenantId, reviewId }),
  ]);
  await requestRatingUpdate(ctx, { productId: doc.productId, reason: 'deleted' });
}

export interface ModerationInput {
  decision: 'APPROVE' | 'REJECT';
  note?: string | undefined;
}

/**
 * A moderator approves or rejects a review. Approving also resets the report
 * threshold: it counts the reporters that come after this decision.
 */
export async function moderateReview(
  ctx: ServiceContext,
  {
    reviewId: id,
    moderation: input,
    expectedVersion,
  }: { reviewId: string; moderation: ModerationInput; expectedVersion?: number | undefined },
): Promise<FullReviewView> {
  const principal = callerOf(ctx);
  const mongo = ctx.stores.mongo();
  const doc = await findReview(mongo, principal.tenantId, id);
  if (!doc) throw reviewErrors.notFound();
  if (doc.userId === principal.userId) throw reviewErrors.ownReview('moderate');
  checkVersion(doc, expectedVersion);
  const approve = input.decision === 'APPROVE';
  const now = new Date();
  const fields: Partial<ReviewDocument> = {
    status: approve ? 'APPROVED' : 'REJECTED',
    moderatedBy: principal.userId,
    moderatedAt: now,
    moderationNote: input.note ?? null,
    updatedAt: now,
  };
  if (approve) {
    fields.reportsAtApproval = await countReports(mongo, doc.tenantId, doc._id.toHexString());
    fields.hiddenByReportsAt = null;
  }
  const updated = await casUpdate(mongo, doc, fields);
  const reason = approve ? 'approved' : 'rejected';
  await requestRatingUpdate(ctx, { productId: doc.productId, reason });
  await notifyAuthor(ctx, { review: updated, type: approve ? 'REVIEW_APPROVED' : 'REVIEW_REJECTED' });
  return fullReviewView(updated);
}

/** Staff (MANAGER/ADMIN) answer a review for the seller; a second answer replaces the first. */
export async function respondToReview(
  ctx: ServiceContext,
  { reviewId: id, message }: { reviewId: string; message: string },
): Promise<FullReviewView> {
  const principal = callerOf(ctx);
  const mongo = ctx.stores.mongo();
  const doc = await findReview(mongo, principal.tenantId, id);
  if (!doc) throw reviewErrors.notFound();
  const now = new Date();
  const updated = await casUpdate(mongo, doc, {
    sellerResponse: { message, respondedAt: now, respondedBy: principal.userId },
    updatedAt: now,
  });
  await notifyAuthor(ctx, { review: updated, type: 'REVIEW_RESPONSE' });
  return fullReviewView(updated);
}
