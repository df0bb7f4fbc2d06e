/** The review service's public surface: reviews, votes and reports, moderation, and product ratings. */
export {
  createReview,
  deleteReview,
  getReview,
  listProductReviews,
  listReviewsForModeration,
  moderateReview,
  respondToReview,
  updateReview,
  type ListQuery,
  type ModerationInput,
  type ModerationQuery,
  type Page,
  type ReviewInput,
  type ReviewPatch,
} from './reviews.ts';
export { reportReview, voteOnReview, type ReportInput, type ReportResult, type VoteResult } from './engagement.ts';
export { recomputeProductRating, type RatingSummary } from './ratings.ts';
export { productIdOfReview } from './store.ts';
export * from './model.ts';
export * from './views.ts';
