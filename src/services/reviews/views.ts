/** Reviews as the API shows them: the public view of an APPROVED review, and the author's and staff's view. */
import type { ReviewDocument } from './model.ts';

const iso = (d: Date | null | undefined): string | null => (d instanceof Date ? d.toISOString() : null);

/** What anyone may see of an APPROVED review. */
export function publicReviewView(doc: ReviewDocument) {
  return {
    id: doc._id.toHexString(),
    productId: doc.productId,
    userId: doc.userId,
    userName: doc.userName ?? null,
    userAvatar: doc.userAvatar ?? null,
    verifiedPurchase: doc.verifiedPurchase === true,
    rating: doc.rating,
    title: doc.title ?? null,
    comment: doc.comment ?? null,
    images: Array.isArray(doc.images) ? doc.images : [],
    status: doc.status,
    helpfulCount: doc.helpfulCount ?? 0,
    unhelpfulCount: doc.unhelpfulCount ?? 0,
    sellerResponse: doc.sellerResponse
      ? { message: doc.sellerResponse.message, respondedAt: iso(doc.sellerResponse.respondedAt) ?? '' }
      : null,
    createdAt: iso(doc.createdAt) ?? '',
    updatedAt: iso(doc.updatedAt) ?? '',
  };
}

/** The author's and staff's view: moderation state, report count, version. */
export function fullReviewView(doc: ReviewDocument) {
  const base = publicReviewView(doc);
  return {
    ...base,
    sellerResponse:
      doc.sellerResponse && base.sellerResponse
        ? { ...base.sellerResponse, respondedBy: doc.sellerResponse.respondedBy ?? null }
        : null,
    reportedCount: doc.reportedCount ?? 0,
    moderatedBy: doc.moderatedBy ?? null,
    moderatedAt: iso(doc.moderatedAt),
    moderationNote: doc.moderationNote ?? null,
    hiddenByReportsAt: iso(doc.hiddenByReportsAt),
    version: doc.version ?? 0,
  };
}

export type PublicReviewView = ReturnType<typeof publicReviewView>;
export type FullReviewView = ReturnType<typeof fullReviewView>;
