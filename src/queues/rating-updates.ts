import { createStores } from '../db/stores.ts';
import type { Env } from '../env.ts';
import { errorFields, type Logger } from '../lib/logger.ts';
import { purgeCatalogTags, ratingChangeTags } from '../services/catalog/index.ts';
import { systemContext } from '../services/context.ts';
import { recomputeProductRating } from '../services/reviews/index.ts';
import { RatingUpdateMessageSchema } from './rating-update-messages.ts';

/**
 * Recomputes product ratings. Several messages for one product in a batch collapse
 * into one recompute; all of them are acked or retried together.
 */
export async function consumeRatingUpdates(batch: MessageBatch<unknown>, env: Env, logger: Logger): Promise<void> {
  const byProduct = new Map<string, { tenantId: string; productId: string; messages: Message<unknown>[] }>();
  for (const msg of batch.messages) {
    const parsed = RatingUpdateMessageSchema.safeParse(msg.body);
    if (!parsed.success) {
      logger.error('malformed rating update dropped', { messageId: msg.id });
      msg.ack();
      continue;
    }
    const key = `${parsed.data.tenantId}/${parsed.data.productId}`;
    const group = byProduct.get(key) ?? { ...parsed.data, messages: [] };
    group.messages.push(msg);
    byProduct.set(key, group);
  }

  const stores = createStores(env);
  try {
    for (const { tenantId, productId, messages } of byProduct.values()) {
      try {
        await recomputeProductRating(systemContext(env, stores, logger, tenantId), productId);
        for (const m of messages) m.ack();
        // The product and every list show the rating: purge them (a failure here must not redo the recompute).
        await purgeCatalogTags(env, ratingChangeTags(tenantId, productId), { logger }).catch((err: unknown) =>
          logger.warn('edge cache purge after a rating update failed', { productId, ...errorFields(err) }),
        );
      } catch (err) {
        logger.warn('rating recompute failed; will retry', { productId, ...errorFields(err) });
        for (const m of messages) m.retry();
      }
    }
  } finally {
    await stores.close();
  }
}
