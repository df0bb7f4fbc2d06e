/**
 * Reading promotions. Tenant isolation is RLS (every statement runs in `inTenantTx`):
 * another tenant's code is simply not found, exactly like an unknown one.
 */
import { and, desc, eq, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { promotionRedemptions, promotions, type Promotion } from '../../db/pg/schema/promotions.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { toPage, type Page, type TimeIdCursor } from '../../lib/pagination.ts';
import type { ServiceContext } from '../context.ts';
import { promotionErrors } from './errors.ts';
import { normalizeCode } from './model.ts';
import { promotionView, redemptionView, type PromotionView, type RedemptionView } from './views.ts';

export const promotionsDb = (svc: ServiceContext) => svc.stores.pg('orders').db;

/** The promotion with this code (case-insensitive) in the transaction's tenant, or null. */
export async function promotionByCode(tx: Transaction, code: string): Promise<Promotion | null> {
  const [row] = await tx
    .select()
    .from(promotions)
    .where(sql`lower(${promotions.code}) = ${normalizeCode(code)}`)
    .limit(1);
  return row ?? null;
}

/** How many of this customer's redemptions of the promotion still count (not released). */
export async function customerRedemptions(tx: Transaction, promotionId: string, userId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(promotionRedemptions)
    .where(
      and(
        eq(promotionRedemptions.promotionId, promotionId),
        eq(promotionRedemptions.userId, userId),
        sql`${promotionRedemptions.releasedAt} IS NULL`,
      ),
    );
  return row?.n ?? 0;
}

/** The code an order used and what it took off (null: none), for the saga's PROMOTION_APPLIED. */
export async function promotionOfOrder(
  svc: ServiceContext,
  orderId: string,
): Promise<{ code: string; kind: string; amount: string } | null> {
  const [row] = await inTenantTx(promotionsDb(svc), svc.tenantId, (tx) =>
    tx
      .select({ code: promotions.code, kind: promotions.kind, amount: promotionRedemptions.amount })
      .from(promotionRedemptions)
      .innerJoin(promotions, eq(promotions.id, promotionRedemptions.promotionId))
      .where(eq(promotionRedemptions.orderId, orderId))
      .limit(1),
  );
  return row ?? null;
}

/** The promotion of `code` for the service's tenant and, when `userId` is given, that customer's count. */
export async function findPromotionByCode(
  svc: ServiceContext,
  code: string,
  userId?: string,
): Promise<{ promotion: Promotion; customerRedemptions: number } | null> {
  return inTenantTx(promotionsDb(svc), svc.tenantId, async (tx) => {
    const promotion = await promotionByCode(tx, code);
    if (!promotion) return null;
    return { promotion, customerRedemptions: userId ? await customerRedemptions(tx, promotion.id, userId) : 0 };
  });
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
