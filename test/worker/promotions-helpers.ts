import { eq } from 'drizzle-orm';

import { promotionRedemptions, promotions } from '../../src/db/pg/schema/promotions.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { send } from './catalog-helpers.ts';
import type { TestUser } from './identity-helpers.ts';
import { testStores } from './stores.ts';

export const PROMOTIONS = '/api/v1/promotions';

export interface PromotionBody {
  id: string;
  code: string;
  kind: string;
  value: number;
  timesUsed: number;
  version: number;
}

/** Creates a promotion as `staff` (a 10% USD code with a fresh name unless `over` says otherwise). */
export async function createPromotion(staff: TestUser, over: Record<string, unknown> = {}): Promise<PromotionBody> {
  const res = await send(staff, 'POST', PROMOTIONS, {
    body: { code: `C${crypto.randomUUID().slice(0, 8)}`, kind: 'PERCENT', value: 1000, currency: 'USD', ...over },
  });
  if (res.status !== 201) throw new Error(`promotion create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as PromotionBody;
}

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
