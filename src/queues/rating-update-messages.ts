import { z } from 'zod';

/** "Recompute this product's rating": sent whenever a review's visibility or rating changes. */
export const RatingUpdateMessageSchema = z.object({
  tenantId: z.uuid(),
  productId: z.string().regex(/^[0-9a-f]{24}$/i, 'must be an ObjectId hex string'),
  reason: z.string().max(50).optional(),
});
export type RatingUpdateMessage = z.infer<typeof RatingUpdateMessageSchema>;
