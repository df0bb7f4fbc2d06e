/**
 * Reading promotions. Tenant isolation is RLS (every statement runs in `inTenantTx`):
 * another tenant's code is simply not found, exactly like an unknown one.
 */
import { and, desc, eq, sql } from 'drizzle-orm';

import { promotionRedemptions, promotions, type Promotion } from '../../db/pg/schema/promotions.ts';
import { inTenantBatch, inTenantTx } from '../../db/pg/tenant-tx.ts';
import { toPage, type Page, type TimeIdCursor } from '../../lib/pagination.ts';
import type { ServiceContext } from '../context.ts';
import { promotionErrors } from './errors.ts';
import { claimRead, promotionForClaim } from './redeem.ts';
import { promotionView, redemptionView, type PromotionView, type RedemptionView } from './views.ts';

export const promotionsDb = (svc: ServiceContext) => svc.stores.pg('orders').db;

/**
 * The promotion of `code` for the service's tenant and, when `userId` is given, that customer's
 * count: one read-only request (both statements in one batch).
 */
export async function findPromotionByCode(
  svc: ServiceContext,
  input: { code: string; userId: string | null },
): Promise<{ promotion: Promotion; customerRedemptions: number } | null> {
  // No customer: a user id no redemption carries counts none.
  const userId = input.userId ?? '00000000-0000-0000-0000-000000000000';
  const rows = await inTenantBatch(
    svc.stores.pg('orders'),
    svc.tenantId,
    (db) => promotionForClaim(db, input.code, userId),
    { readOnly: true },
  );
  return claimRead(rows);
}

export async function getPromotion(svc: ServiceContext, id: string): Promise<PromotionView> {
  const [row] = await inTenantTx(promotionsDb(svc), svc.tenantId, (tx) =>
    tx.select().from(promotions).where(eq(promotions.id, id)).limit(1),
  );
  if (!row) throw promotionErrors.notFound();
  return promotionView(row);
}

/** Newest first, keyset by (created_at, id). */
export async function listPromotions(
  svc: ServiceContext,
  q: { limit: number; cursor?: TimeIdCursor | undefined },
): Promise<Page<PromotionView>> {
  const rows = await inTenantTx(promotionsDb(svc), svc.tenantId, (tx) =>
    tx
      .select({ row: promotions, at: sql<string>`${promotions.createdAt}::text` })
      .from(promotions)
      .where(
        q.cursor
          ? sql`(${promotions.createdAt}, ${promotions.id}) < (${q.cursor.at}::timestamp, ${q.cursor.id}::uuid)`
          : undefined,
      )
      .orderBy(desc(promotions.createdAt), desc(promotions.id))
      .limit(q.limit + 1),
  );
  return toPage(
    rows,
    q.limit,
    (r) => [r.at, r.row.id],
    (r) => promotionView(r.row),
  );
}

/** The redemptions of one promotion, newest first (staff); released ones included, marked. */
export async function listRedemptions(
  svc: ServiceContext,
  promotionId: string,
  q: { limit: number; cursor?: TimeIdCursor | undefined },
): Promise<Page<RedemptionView>> {
  return inTenantTx(promotionsDb(svc), svc.tenantId, async (tx) => {
    const [promotion] = await tx.select({ id: promotions.id }).from(promotions).where(eq(promotions.id, promotionId));
    if (!promotion) throw promotionErrors.notFound();
    const r = promotionRedemptions;
    const rows = await tx
      .select({ row: r, at: sql<string>`${r.createdAt}::text` })
      .from(r)
      .where(
        and(
          eq(r.promotionId, promotionId),
          q.cursor ? sql`(${r.createdAt}, ${r.id}) < (${q.cursor.at}::timestamp, ${q.cursor.id}::uuid)` : undefined,
        ),
      )
      .orderBy(desc(r.createdAt), desc(r.id))
      .limit(q.limit + 1);
    return toPage(
      rows,
      q.limit,
      (x) => [x.at, x.row.id],
      (x) => redemptionView(x.row),
    );
  });
}
