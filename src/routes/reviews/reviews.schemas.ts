import { z } from '@hono/zod-openapi';

import { ifMatchHeaders } from '../../lib/etag.ts';
import { OBJECT_ID_PATTERN, ObjectIdString as ObjectIdAsGiven } from '../../lib/ids.ts';
import { pageOf, pageQuery } from '../../lib/pagination.ts';
import { REPORT_REASONS, REVIEW_STATUSES } from '../../services/reviews/index.ts';

/** Mongo ids in paths: 24 hex digits, lower-cased (the transform hides the type from OpenAPI: restated). */
const ObjectIdString = ObjectIdAsGiven.transform((v) => v.toLowerCase()).openapi({
  type: 'string',
  pattern: OBJECT_ID_PATTERN.source,
  example: '507f1f77bcf86cd799439011',
});

export const ObjectIdParam = z.object({ id: ObjectIdString.openapi({ param: { name: 'id', in: 'path' } }) });

/** Empty strings after trimming are refused rather than stored. */
const text = (max: number) => z.string().trim().min(1).max(max);

const Rating = z.number().int('must be a whole number of stars').min(1).max(5).openapi({ example: 5 });
const ReviewTitle = text(120);
const ReviewComment = text(5000);
const ReviewImages = z
  .array(z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048))
  .max(5, 'at most 5 images');

export const ReviewCreateBody = z
  .object({
    rating: Rating,
    title: ReviewTitle.optional(),
    comment: ReviewComment.optional(),
    images: ReviewImages.optional(),
  })
  .strict()
  .openapi('ReviewCreateRequest');

export const ReviewPatchBody = z
  .object({
    rating: Rating.optional(),
    title: ReviewTitle.nullable().optional(),
    comment: ReviewComment.nullable().optional(),
    images: ReviewImages.optional(),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'Provide at least one field to change.',
    when: (payload) => payload.issues.length === 0,
  })
  .openapi('ReviewPatchRequest', {
    description: 'Fields to change; `null` clears title or comment. The review goes back to PENDING.',
  });

export const ModerationBody = z
  .object({ decision: z.enum(['APPROVE', 'REJECT']), note: text(1000).optional() })
  .strict()
  .openapi('ReviewModerationRequest');

export const SellerResponseBody = z
  .object({ message: text(2000) })
  .strict()
  .openapi('ReviewResponseRequest');

export const ReportBody = z
  .object({ reason: z.enum(REPORT_REASONS), comment: text(500).optional() })
  .strict()
  .openapi('ReviewReportRequest');

const page = pageQuery({ maxLimit: 50 });

export const ProductReviewsQuery = z.object({
  rating: z.coerce
    .number()
    .int()
    .min(1)
    .max(5)
    .optional()
    .openapi({ description: 'Only reviews with this many stars' }),
  sort: z.enum(['newest', 'helpful']).default('newest'),
  ...page,
});

export const ModerationQueueQuery = z.object({
  status: z.enum(REVIEW_STATUSES).default('PENDING'),
  productId: ObjectIdString.optional(),
  sort: z.enum(['oldest', 'newest']).default('oldest'),
  ...page,
});

export const IfMatchHeader = ifMatchHeaders('review', { required: false });

const SellerResponseSchema = z.object({ message: z.string(), respondedAt: z.string() });

export const PublicReviewSchema = z
  .object({
    id: z.string(),
    productId: z.string(),
    userId: z.string(),
    userName: z.string().nullable(),
    userAvatar: z.string().nullable(),
    verifiedPurchase: z.boolean(),
    rating: z.number().int(),
    title: z.string().nullable(),
    comment: z.string().nullable(),
    images: z.array(z.string()),
    status: z.enum(REVIEW_STATUSES),
    helpfulCount: z.number().int(),
    unhelpfulCount: z.number().int(),
    sellerResponse: SellerResponseSchema.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Review');

export const FullReviewSchema = PublicReviewSchema.extend({
  sellerResponse: SellerResponseSchema.extend({ respondedBy: z.string().nullable() }).nullable(),
  reportedCount: z.number().int(),
  moderatedBy: z.string().nullable(),
  moderatedAt: z.string().nullable(),
  moderationNote: z.string().nullable(),
  hiddenByReportsAt: z.string().nullable(),
  version: z.number().int(),
}).openapi('ReviewDetail', { description: "A review with moderation details: the author's and staff's view" });

const RatingSummarySchema = z
  .object({
    averageRating: z.number(),
    reviewCount: z.number().int(),
    histogram: z.object({
      1: z.number().int(),
      2: z.number().int(),
      3: z.number().int(),
      4: z.number().int(),
      5: z.number().int(),
    }),
  })
  .openapi('RatingSummary');

export const ProductReviewsPage = pageOf(PublicReviewSchema, 'ProductReviewsPage', { summary: RatingSummarySchema });

export const ModerationPage = pageOf(FullReviewSchema, 'ReviewModerationPage');

export const VoteResultSchema = z
  .object({
    reviewId: z.string(),
    myVote: z.enum(['HELPFUL', 'UNHELPFUL']),
    helpfulCount: z.number().int(),
    unhelpfulCount: z.number().int(),
  })
  .openapi('ReviewVoteResult');

export const ReportResultSchema = z
  .object({ reviewId: z.string(), reported: z.literal(true) })
  .openapi('ReviewReportResult');
