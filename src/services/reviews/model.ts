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
import type { ObjectId } from 'bson';

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

export function hasAnyRole(principal: Pick<Principal, 'roles'> | null | undefined, roles: readonly string[]): boolean {
  return !!principal && principal.roles.some((r) => roles.includes(r));
}

export interface ProductRef {
  id: string;
  sku: string | null;
  name: string | null;
}
