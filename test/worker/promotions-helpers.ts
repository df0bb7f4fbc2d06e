import { eq } from 'drizzle-orm';

import { promotionRedemptions, promotions } from '../../src/db/pg/schema/promotions.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { testStores } from './stores.ts';

export const PROMOTIONS = '/api/v1/promotions';

export { createPromotion, type Promotion as PromotionBody } from '../fixtures/factories.ts';

/** The promotion row and its redemptions as PostgreSQL has them. */
export async function promotionRows(tenantId: string, promotionId: string) {
  const stores = testStores();
  try {
    return await inTenantTx(stores.pg('orders').db, tenantId, async (tx) => ({
      promotion: (await tx.select().from(promotions).where(eq(promotions.id, promotionId)))[0],
      redemptions: await tx
        .select()
        .from(promotionRedemptions)
        .where(eq(promotionRedemptions.promotionId, promotionId)),
    }));
  } finally {
    await stores.close();
  }
}
