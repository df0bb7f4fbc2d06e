/**
 * What a review's author is told: approval or rejection, and a seller response. The event id
 * names the review and the version the change produced, so a message re-sent for the same
 * change is stored and delivered once, while a later change is a new event.
 */
import type { ServiceContext } from '../context.ts';
import { notify } from '../notifications/index.ts';
import { type ReviewDocument } from './model.ts';
import { findProduct } from './store.ts';

type ReviewEvent = 'REVIEW_APPROVED' | 'REVIEW_REJECTED' | 'REVIEW_RESPONSE';

export async function notifyAuthor(
  ctx: ServiceContext,
  { review, type }: { review: ReviewDocument; type: ReviewEvent },
): Promise<void> {
  if (!ctx.env.NOTIFICATIONS_QUEUE) return;
  const product = await findProduct(ctx.stores.mongo(), review.tenantId, review.productId).catch(() => null);
  const productName = product?.name ?? 'the product';
  const reviewId = review._id.toHexString();
  const data: Record<string, string> = { reviewId, productId: review.productId, productName };
  if (type === 'REVIEW_REJECTED' && review.moderationNote) data.note = review.moderationNote;
  if (type === 'REVIEW_RESPONSE' && review.sellerResponse) data.response = review.sellerResponse.message;
  await notify(ctx, {
    eventId: `review:${reviewId}:${type.toLowerCase()}:v${review.version}`,
    tenantId: review.tenantId,
    userId: review.userId,
    type,
    channels: ['EMAIL', 'PUSH', 'IN_APP'],
    data,
  });
}
