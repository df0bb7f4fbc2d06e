/**
 * Helpful/unhelpful votes and abuse reports.
 *
 * One vote and one report per user per review, enforced by unique {reviewId, userId}
 * indexes on `review_votes` / `review_reports`. The counters on the review are
 * recounted from those collections after every change, never incremented
 * (consistency.ts explains why, and why that converges under concurrency).
 *
 * Report threshold: when REPORT_HIDE_THRESHOLD distinct users have reported an
 * APPROVED review since it was last approved, it goes back to PENDING (hidden from
 * the public) for re-moderation, and the product's rating is recomputed.
 */
import type { DataApiClient } from '../../db/mongo/client.ts';
import { DuplicateKeyError } from '../../db/mongo/errors.ts';
import { Problem } from '../../lib/problem.ts';
import type { Principal } from '../auth/index.ts';
import { callerOf, type ServiceContext } from '../context.ts';
import { casUpdate, reconcileCounters } from './consistency.ts';
import { reviewErrors } from './errors.ts';
import { REPORT_HIDE_THRESHOLD, type ReportReason, type ReviewDocument, type Vote } from './model.ts';
import { findReview, reportsOf, requestRatingUpdate, votesOf } from './store.ts';

/** The review a user may vote on or report: APPROVED (public) and not their own. */
async function engageableReview(
  mongo: DataApiClient,
  principal: Principal,
  id: string,
  what: string,
): Promise<ReviewDocument> {
  const doc = await findReview(mongo, principal.tenantId, id);
  if (!doc || (doc.status !== 'APPROVED' && doc.userId !== principal.userId)) throw reviewErrors.notFound();
  if (doc.userId === principal.userId) throw reviewErrors.ownReview(what);
  if (doc.status !== 'APPROVED') throw reviewErrors.notFound();
  return doc;
}

export interface VoteResult {
  reviewId: string;
  myVote: Vote;
  helpfulCount: number;
  unhelpfulCount: number;
}

/**
 * Records (or moves) the caller's vote. Idempotent: the same vote again changes
 * nothing; the other vote moves it. 404 invisible review, 403 own review.
 */
export async function voteOnReview(
  ctx: ServiceContext,
  { reviewId: id, vote }: { reviewId: string; vote: Vote },
): Promise<VoteResult> {
  const principal = callerOf(ctx);
  const mongo = ctx.stores.mongo();
  const doc = await engageableReview(mongo, principal, id, 'vote on');
  const reviewId = doc._id.toHexString();
  const key = { tenantId: doc.tenantId, reviewId, userId: principal.userId };
  const now = new Date();
  const votes = votesOf(mongo);
  try {
    await votes.updateOne(key, { $set: { vote, updatedAt: now }, $setOnInsert: { createdAt: now } }, { upsert: true });
  } catch (err) {
    // The same user voting twice at once: both upserts inserted, the unique index kept one.
    if (!(err instanceof DuplicateKeyError)) throw err;
    await votes.updateOne(key, { $set: { vote, updatedAt: now } });
  }
  const counts = await reconcileCounters(mongo, doc.tenantId, doc._id);
  if (!counts) {
    await votes.deleteOne(key); // the review was deleted meanwhile: leave no orphan vote
    throw reviewErrors.notFound();
  }
  return { reviewId, myVote: vote, helpfulCount: counts.helpfulCount, unhelpfulCount: counts.unhelpfulCount };
}

export interface ReportInput {
  reason: ReportReason;
  comment?: string | undefined;
}

export interface ReportResult {
  reviewId: string;
  /** False when the caller had already reported this review (nothing changed). */
  created: boolean;
}

/** Reports a review once per user. 404 invisible review, 403 own review. */
export async function reportReview(
  ctx: ServiceContext,
  { reviewId: id, report: input }: { reviewId: string; report: ReportInput },
): Promise<ReportResult> {
  const principal = callerOf(ctx);
  const mongo = ctx.stores.mongo();
  const doc = await engageableReview(mongo, principal, id, 'report');
  const reviewId = doc._id.toHexString();
  let created = true;
  try {
    await reportsOf(mongo).insertOne({
      tenantId: doc.tenantId,
      reviewId,
      userId: principal.userId,
      reason: input.reason,
      comment: input.comment ?? null,
      createdAt: new Date(),
    });
  } catch (err) {
    if (!(err instanceof DuplicateKeyError)) throw err;
    created = false;
  }
  if (!(await reconcileCounters(mongo, doc.tenantId, doc._id))) throw reviewErrors.notFound();
  await hideIfOverThreshold(ctx, doc);
  return { reviewId, created };
}

/**
 * Sends an APPROVED review back to PENDING when enough users reported it since its
 * last approval. Compare-and-set on the version; re-reads and decides again on a race.
 */
async function hideIfOverThreshold(ctx: ServiceContext, original: ReviewDocument): Promise<boolean> {
  const mongo = ctx.stores.mongo();
  for (let attempt = 0; attempt < 3; attempt++) {
    const doc = await findReview(mongo, original.tenantId, original._id.toHexString());
    if (!doc || doc.status !== 'APPROVED') return false;
    if ((doc.reportedCount ?? 0) - (doc.reportsAtApproval ?? 0) < REPORT_HIDE_THRESHOLD) return false;
    try {
      const now = new Date();
      await casUpdate(mongo, doc, { status: 'PENDING', hiddenByReportsAt: now, updatedAt: now });
    } catch (err) {
      if (err instanceof Problem && err.hasType('conflict')) continue; // changed meanwhile: decide again
      if (err instanceof Problem && err.hasType('not-found')) return false;
      throw err;
    }
    await requestRatingUpdate(ctx, { productId: doc.productId, reason: 'hidden-by-reports' });
    return true;
  }
  return false;
}
