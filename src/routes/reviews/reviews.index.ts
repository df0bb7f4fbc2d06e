import { createRouter } from '../../lib/create-router.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import * as reviews from '../../services/reviews/index.ts';
import * as routes from './reviews.routes.ts';

/** /products/{id}/reviews and /reviews: thin handlers over services/reviews. */
export const reviewsRoutes = createRouter()
  .openapi(routes.listProductReviews, async (c) => {
    const input = { productId: c.req.valid('param').id, ...c.req.valid('query') };
    return c.json(await reviews.listProductReviews(ctxOf(c), input), 200);
  })
  .openapi(routes.createReview, async (c) => {
    const input = { productId: c.req.valid('param').id, review: c.req.valid('json') };
    const created = await reviews.createReview(ctxOf(c), input);
    c.header(
      'location',
      `${new URL(c.req.url).pathname.replace(/\/products\/[^/]+\/reviews\/?$/, '')}/reviews/${created.id}`,
    );
    c.header('etag', etagOf(created.version));
    return c.json(created, 201);
  })
  .openapi(routes.listForModeration, async (c) => {
    return c.json(await reviews.listReviewsForModeration(ctxOf(c), c.req.valid('query')), 200);
  })
  .openapi(routes.getReview, async (c) => {
    const { review, version } = await reviews.getReview(ctxOf(c), c.req.valid('param').id);
    c.header('etag', etagOf(version));
    return c.json(review, 200);
  })
  .openapi(routes.updateReview, async (c) => {
    const updated = await reviews.updateReview(ctxOf(c), {
      reviewId: c.req.valid('param').id,
      patch: c.req.valid('json'),
      expectedVersion: expectedVersion(c.req.valid('header')['if-match']),
    });
    c.header('etag', etagOf(updated.version));
    return c.json(updated, 200);
  })
  .openapi(routes.deleteReview, async (c) => {
    await reviews.deleteReview(ctxOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(routes.moderateReview, async (c) => {
    const updated = await reviews.moderateReview(ctxOf(c), {
      reviewId: c.req.valid('param').id,
      moderation: c.req.valid('json'),
      expectedVersion: expectedVersion(c.req.valid('header')['if-match']),
    });
    c.header('etag', etagOf(updated.version));
    return c.json(updated, 200);
  })
  .openapi(routes.respondToReview, async (c) => {
    const input = { reviewId: c.req.valid('param').id, message: c.req.valid('json').message };
    const updated = await reviews.respondToReview(ctxOf(c), input);
    c.header('etag', etagOf(updated.version));
    return c.json(updated, 200);
  })
  .openapi(routes.voteHelpful, async (c) => {
    return c.json(await reviews.voteOnReview(ctxOf(c), { reviewId: c.req.valid('param').id, vote: 'HELPFUL' }), 200);
  })
  .openapi(routes.voteUnhelpful, async (c) => {
    return c.json(await reviews.voteOnReview(ctxOf(c), { reviewId: c.req.valid('param').id, vote: 'UNHELPFUL' }), 200);
  })
  .openapi(routes.reportReview, async (c) => {
    const input = { reviewId: c.req.valid('param').id, report: c.req.valid('json') };
    const result = await reviews.reportReview(ctxOf(c), input);
    return c.json({ reviewId: result.reviewId, reported: true as const }, result.created ? 201 : 200);
  });
