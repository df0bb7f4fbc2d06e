import { createRoute, z } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { reviewPurge } from '../../middleware/catalog-purges.ts';
import { cacheRules, edgeCache, purgesCache } from '../../middleware/edge-cache.ts';
import { TenantHeader } from '../../middleware/tenant.ts';
import { MODERATOR_ROLES, RESPONDER_ROLES } from '../../services/reviews/index.ts';
import { jsonBody, jsonResponse, problemResponses } from '../schemas.ts';
import {
  FullReviewSchema,
  IfMatchHeader,
  ModerationBody,
  ModerationPage,
  ModerationQueueQuery,
  ObjectIdParam,
  ProductReviewsPage,
  ProductReviewsQuery,
  PublicReviewSchema,
  ReportBody,
  ReportResultSchema,
  ReviewCreateBody,
  ReviewPatchBody,
  SellerResponseBody,
  VoteResultSchema,
} from './reviews.schemas.ts';

const tags = ['Reviews'];
/** Review writes: signed in (401 before validation) with `write:reviews` (every role; keys by scope). */
const authed = { tags, ...access.permission('write:reviews') };
/** Review writes that change what the public sees purge the product's cached reviews. */
const authedPurging = { tags, ...access.permission('write:reviews', { also: [purgesCache(reviewPurge)] }) };
const etag = { etag: z.string().openapi({ description: 'The review version, for If-Match' }) };

export const listProductReviews = createRoute({
  method: 'get',
  path: '/products/{id}/reviews',
  tags,
  ...access.public({ tenant: true, also: [edgeCache(cacheRules.reviews)] }),
  summary: 'APPROVED reviews of a product, with its rating summary (public: tenant from the token or X-Tenant-ID)',
  request: { params: ObjectIdParam, query: ProductReviewsQuery, headers: TenantHeader },
  responses: { 200: jsonResponse(ProductReviewsPage, 'One page of reviews'), ...problemResponses(400, 401, 404) },
});

export const createReview = createRoute({
  method: 'post',
  path: '/products/{id}/reviews',
  ...authed,
  summary: 'Review a product (one review per user per product; starts PENDING until moderated)',
  request: { params: ObjectIdParam, body: jsonBody(ReviewCreateBody) },
  responses: {
    201: {
      ...jsonResponse(FullReviewSchema, 'Created; Location names it'),
      headers: z.object({ location: z.string(), ...etag }),
    },
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

export const listForModeration = createRoute({
  method: 'get',
  path: '/reviews',
  tags,
  ...access.userToken({ roles: [...MODERATOR_ROLES] }),
  summary: 'Moderation queue (SUPPORT or ADMIN): reviews by status, PENDING oldest first by default',
  request: { query: ModerationQueueQuery },
  responses: { 200: jsonResponse(ModerationPage, 'One page of reviews'), ...problemResponses(400, 401, 403) },
});

export const getReview = createRoute({
  method: 'get',
  path: '/reviews/{id}',
  tags,
  ...access.public({ tenant: true }),
  summary: 'One review: APPROVED ones are public; the author and staff also see the others, with moderation details',
  request: { params: ObjectIdParam, headers: TenantHeader },
  responses: {
    200: {
      description: 'The review',
      headers: z.object(etag),
      content: { 'application/json': { schema: z.union([FullReviewSchema, PublicReviewSchema]) } },
    },
    ...problemResponses(400, 401, 404),
  },
});

export const updateReview = createRoute({
  method: 'patch',
  path: '/reviews/{id}',
  ...authedPurging,
  summary: 'Edit your review (it goes back to PENDING); If-Match optional',
  request: { params: ObjectIdParam, headers: IfMatchHeader, body: jsonBody(ReviewPatchBody) },
  responses: {
    200: { ...jsonResponse(FullReviewSchema, 'The edited review'), headers: z.object(etag) },
    ...problemResponses(400, 401, 403, 404, 409, 412, 415),
  },
});

export const deleteReview = createRoute({
  method: 'delete',
  path: '/reviews/{id}',
  ...authedPurging,
  summary: 'Delete a review (its author, or SUPPORT/ADMIN)',
  request: { params: ObjectIdParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404) },
});

export const moderateReview = createRoute({
  method: 'post',
  path: '/reviews/{id}/moderate',
  tags,
  ...access.userToken({ roles: [...MODERATOR_ROLES], also: [purgesCache(reviewPurge)] }),
  summary: 'Approve or reject a review (SUPPORT or ADMIN); If-Match optional',
  request: { params: ObjectIdParam, headers: IfMatchHeader, body: jsonBody(ModerationBody) },
  responses: {
    200: { ...jsonResponse(FullReviewSchema, 'The moderated review'), headers: z.object(etag) },
    ...problemResponses(400, 401, 403, 404, 409, 412, 415),
  },
});

export const respondToReview = createRoute({
  method: 'post',
  path: '/reviews/{id}/response',
  tags,
  ...access.userToken({ roles: [...RESPONDER_ROLES], also: [purgesCache(reviewPurge)] }),
  summary: "The seller's answer to a review (MANAGER or ADMIN); replaces an earlier one",
  request: { params: ObjectIdParam, body: jsonBody(SellerResponseBody) },
  responses: {
    200: { ...jsonResponse(FullReviewSchema, 'The review with its answer'), headers: z.object(etag) },
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

const voteRoute = (path: '/reviews/{id}/helpful' | '/reviews/{id}/unhelpful', summary: string) =>
  createRoute({
    method: 'post',
    path,
    ...authedPurging,
    summary,
    request: { params: ObjectIdParam },
    responses: {
      200: jsonResponse(VoteResultSchema, 'Your vote and the counts'),
      ...problemResponses(400, 401, 403, 404),
    },
  });

export const voteHelpful = voteRoute(
  '/reviews/{id}/helpful',
  'Vote a review helpful (one vote per user; idempotent; moves an unhelpful vote)',
);
export const voteUnhelpful = voteRoute(
  '/reviews/{id}/unhelpful',
  'Vote a review unhelpful (one vote per user; idempotent; moves a helpful vote)',
);

export const reportReview = createRoute({
  method: 'post',
  path: '/reviews/{id}/report',
  ...authedPurging,
  summary: 'Report a review (once per user); enough distinct reporters send it back to moderation',
  request: { params: ObjectIdParam, body: jsonBody(ReportBody) },
  responses: {
    201: jsonResponse(ReportResultSchema, 'Reported'),
    200: jsonResponse(ReportResultSchema, 'Already reported by you: nothing changed'),
    ...problemResponses(400, 401, 403, 404, 415),
  },
});
