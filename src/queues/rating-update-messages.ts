import { z } from 'zod';

import { ObjectIdString } from '../lib/ids.ts';

/** "Recompute this product's rating": sent whenever a review's visibility or rating changes. */
export const RatingUpdateMessageSchema = z.object({
  tenantId: z.uuid(),
  productId: ObjectIdString,
  reason: z.string().max(50).optional(),
});
export type RatingUpdateMessage = z.infer<typeof RatingUpdateMessageSchema>;
