import type { Context } from 'hono';

import { createRouter } from '../../lib/create-router.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import type { AppEnv } from '../../lib/types.ts';
import { principalOf } from '../../middleware/auth.ts';
import { tenantIdOfRequest } from '../../middleware/tenant.ts';
import * as reviews from '../../services/reviews/index.ts';
import * as routes from './reviews.routes.ts';

function deps(c: Context<AppEnv>): reviews.ReviewDeps {
  return {
    stores: c.get('stores'),
    ratingUpdates: c.env.RATING_UPDATES_QUEUE,
    notifications: c.env.NOTIFICATIONS_QUEUE,
    logger: c.get('logger'),
  };
}

export const reviewsRoutes = createRouter()
  .openapi(routes.listProductReviews, async (c) => {
    const tenantId = await tenantIdOfRequest(c);
    const page = await reviews.listProductReviews(deps(c), tenantId, c.req.valid('param').id, c.req.valid('query'));
    return c.json(page, 200);
  })
  .openapi(routes.createReview, async (c) => {
    const created = await reviews.createReview(deps(c), principalOf(c), c.req.valid('param').id, c.req.valid('json'));
    c.header(
      'location',
      `${new URL(c.req.url).pathname.replace(/\/products\/[^/]+\/reviews\/?$/, '')}/reviews/${created.id}`,
    );
    c.header('etag', etagOf(created.version));
    return c.json(created, 201);
  })
  .openapi(routes.listForModeration, async (c) => {
    return c.json(await reviews.listReviewsForModeration(deps(c), principalOf(c).tenantId, c.req.valid('query')), 200);
  })
  .openapi(routes.getReview, async (c) => {
    const tenantId = await tenantIdOfRequest(c);
    const { review, version } = await reviews.getReview(deps(c), tenantId, c.get('principal'), c.req.valid('param').id);
    c.header('etag', etagOf(version));
    return c.json(review, 200);
  })
  .openapi(routes.updateReview, async (c) => {
    const expected = expectedVersion(c.req.valid('header')['if-match']);
    const updated = await reviews.updateReview(
      deps(c),
      principalOf(c),
      c.req.valid('param').id,
      c.req.valid('json'),
      expected,
    );
    c.header('etag', etagOf(updated.version));
    return c.json(updated, 200);
  })
  .openapi(routes.deleteReview, async (c) => {
    await reviews.deleteReview(deps(c), principalOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(routes.moderateReview, async (c) => {
    const expected = expectedVersion(c.req.valid('header')['if-match']);
    const updated = await reviews.moderateReview(
      deps(c),
      principalOf(c),
      c.req.valid('param').id,
      c.req.valid('json'),
      expected,
    );
    c.header('etag', etagOf(updated.version));
    return c.json(updated, 200);
  })
  .openapi(routes.respondToReview, async (c) => {
    const updated = await reviews.respondToReview(
      deps(c),
      principalOf(c),
      c.req.valid('param').id,
      c.req.valid('json').message,
    );
    c.header('etag', etagOf(updated.version));
    return c.json(updated, 200);
  })
  .openapi(routes.voteHelpful, async (c) => {
    return c.json(await reviews.voteOnReview(deps(c), principalOf(c), c.req.valid('param').id, 'HELPFUL'), 200);
  })
  .openapi(routes.voteUnhelpful, async (c) => {
    return c.json(await reviews.voteOnReview(deps(c), principalOf(c), c.req.valid('param').id, 'UNHELPFUL'), 200);
  })
  .openapi(routes.reportReview, async (c) => {
    const result = await reviews.reportReview(deps(c), principalOf(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json({ reviewId: result.reviewId, reported: true as const }, result.created ? 201 : 200);
  });
