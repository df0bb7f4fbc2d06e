/**
 * Keeping a review document right on a store whose single-document updates are not
 * atomic. FerretDB v1 (the dev/test store before FerretDB v2 on DocumentDB, which applies
 * `$inc` atomically) applied every update as a read-modify-write of the whole document, so
 * two concurrent updates of one review could lose each other, even when they touched
 * different fields (30 concurrent `$inc`s left about 5). The design below holds on any
 * MongoDB-wire server; unique indexes are enforced. Hence:
 *
 *  - votes and reports are documents of their own (one per user per review, unique
 *    index); the counters on the review are derived from them, never `$inc`ed;
 *  - every writer of a review, after its write, reconciles: it reads the stored
 *    counters and recounts the votes and reports, and writes the counts while they
 *    differ. Whoever made the last change of all reconciles after it, so the final
 *    counters always equal the votes and reports;
 *  - a status/content change is a compare-and-set on `version`, and its writer reads
 *    the version back: if a concurrent counter write put the previous version back,
 *    it applies its change again.
 * On MongoDB (atomic per document) the read-backs simply find everything in order.
 */
import type { ObjectId } from 'bson';

import type { DataApiClient } from '../../db/mongo/client.ts';
import { reviewErrors } from './errors.ts';
import { type ReviewDocument, type Vote } from './model.ts';
import { reportsOf, reviewsOf, votesOf } from './store.ts';

/** Rounds of read/compare/write before giving up (the next write to the review heals any rest). */
const RECONCILE_ROUNDS = 8;

export interface Counters {
  helpfulCount: number;
  unhelpfulCount: number;
  reportedCount: number;
}

async function countVotes(
  mongo: DataApiClient,
  tenantId: string,
  reviewId: string,
): Promise<{ helpful: number; unhelpful: number }> {
  // One accumulator per $group (FerretDB v1 computes only the first).
  const rows = await votesOf(mongo).aggregate<{ _id: unknown; n: number }>([
    { $match: { tenantId, reviewId } },
    { $group: { _id: '$vote', n: { $sum: 1 } } },
  ]);
  const n = (v: Vote) => rows.find((r) => r._id === v)?.n ?? 0;
  return { helpful: n('HELPFUL'), unhelpful: n('UNHELPFUL') };
}

export async function countReports(mongo: DataApiClient, tenantId: string, reviewId: string): Promise<number> {
  const rows = await reportsOf(mongo).aggregate<{ n: number }>([
    { $match: { tenantId, reviewId } },
    { $group: { _id: null, n: { $sum: 1 } } },
  ]);
  return rows[0]?.n ?? 0;
}

/**
 * Makes the review's counters equal its votes and reports. Returns them, or null
 * when the review does not exist (any more).
 */
export async function reconcileCounters(
  mongo: DataApiClient,
  tenantId: string,
  id: ObjectId,
): Promise<Counters | null> {
  const reviews = reviewsOf(mongo);
  const key = { _id: id, tenantId };
  const reviewId = id.toHexString();
  let counts: Counters | null = null;
  for (let round = 0; round < RECONCILE_ROUNDS; round++) {
    const [stored, votes, reports] = await Promise.all([
      reviews.findOne(key, { projection: { helpfulCount: 1, unhelpfulCount: 1, reportedCount: 1 } }),
      countVotes(mongo, tenantId, reviewId),
      countReports(mongo, tenantId, reviewId),
    ]);
    if (!stored) return null;
    counts = { helpfulCount: votes.helpful, unhelpfulCount: votes.unhelpful, reportedCount: reports };
    if (
      stored.helpfulCount === counts.helpfulCount &&
      stored.unhelpfulCount === counts.unhelpfulCount &&
      stored.reportedCount === counts.reportedCount
    ) {
      return counts;
    }
    const { matchedCount } = await reviews.updateOne(key, { $set: { ...counts } });
    if (matchedCount === 0) return null;
  }
  return counts;
}

/**
 * Compare-and-set update of a review: matches the version that was read, sets
 * `fields` and the next version. 404 when the review is gone, 409 when it changed
 * in between. Returns the review as written (counters as reconciled).
 */
export async function casUpdate(
  mongo: DataApiClient,
  doc: ReviewDocument,
  fields: Partial<ReviewDocument>,
): Promise<ReviewDocument> {
  const current = doc.version ?? 0;
  const next = current + 1;
  const reviews = reviewsOf(mongo);
  const key = { _id: doc._id, tenantId: doc.tenantId };
  // `version: null` also matches a document without one (written before versions existed).
  const filter = { ...key, version: doc.version ?? null };
  const update = { $set: { ...fields, version: next } };
  const res = await reviews.updateOne(filter, update);
  if (res.matchedCount === 0) {
    const still = await reviews.findOne(key, { projection: { _id: 1 } });
    if (!still) throw reviewErrors.notFound();
    throw reviewErrors.concurrentChange();
  }
  // Only a concurrent read-modify-write that read the review before this write can bring
  // the version back to `current`: then apply the change again.
  for (let round = 0; round < 3; round++) {
    const after = await reviews.findOne(key, { projection: { version: 1 } });
    if (!after || (after.version ?? 0) !== current) break;
    await reviews.updateOne(filter, update);
  }
  // This write carried the counters as the store read them: they may be stale.
  const counters = await reconcileCounters(mongo, doc.tenantId, doc._id);
  return { ...doc, ...fields, ...(counters ?? {}), version: next };
}
