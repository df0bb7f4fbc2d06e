/** Problem types of the review service, each with one status. */
import type { ObjectId } from 'bson';

import { problems } from '../../lib/problem.ts';

export const reviewErrors = {
  notFound: () => problems.notFound('Review'),
  productNotFound: () => problems.notFound('Product'),
  /** Voting on, reporting or moderating one's own review. */
  ownReview: (what: string) => problems.forbidden(`You cannot ${what} your own review.`),
  concurrentChange: () => problems.conflict('The review was changed concurrently; reload it and retry.'),
  alreadyReviewed: (id: ObjectId | undefined) =>
    problems.conflict(
      'You have already reviewed this product; edit that review instead.',
      id ? { reviewId: id.toHexString() } : undefined,
    ),
};
