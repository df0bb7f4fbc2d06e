/**
 * Staff commands on promotions (ADMIN, MANAGER; the route declares who). Each change
 * takes the version the client read (If-Match) and bumps it. Rules the table's CHECKs
 * hold are also checked here, so bad input is a 422 naming the field, never a 500.
 */
import { and, eq, sql } from 'drizzle-orm';

import { promotionRedemptions, promotions, type NewPromotion } from '../../db/pg/schema/promotions.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { staleVersion } from '../../lib/etag.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { promotionErrors } from './errors.ts';
import type { PromotionKind } from './model.ts';
import { promotionsDb } from './queries.ts';
import { promotionView, type PromotionView } from './views.ts';

export interface PromotionInput {
  code: string;
  description?: string | null | undefined;
  kind: PromotionKind;
  value: number;
  currency: string;
  startsAt?: Date | null | undefined;
  endsAt?: Date | null | undefined;
  minSubtotalMinor?: number | null | undefined;
  productIds?: string[] | null | undefined;
  categoryIds?: string[] | null | undefined;
  usageLimit?: number | null | undefined;
  perCustomerLimit?: number | null | undefined;
  active?: boolean | undefined;
}

/** The rules across fields (kind and value, the time window), as 422s naming the field. */
function checkRules(p: Pick<PromotionInput, 'kind' | 'value' | 'startsAt' | 'endsAt'>): void {
  const errors: Array<{ field: string; message: string }> = [];
  if (p.kind === 'PERCENT' && !(p.value >= 1 && p.value <= 10_000))
    errors.push({ field: 'body.value', message: 'basis points 1..10000 for PERCENT (1000 = 10%)' });
  if (p.kind === 'FIXED_AMOUNT' && !(p.value > 0))
    errors.push({ field: 'body.value', message: 'minor units above 0 for FIXED_AMOUNT' });
  if (p.kind === 'FREE_SHIPPING' && p.value !== 0)
    errors.push({ field: 'body.value', message: 'must be 0 for FREE_SHIPPING' });
  if (p.startsAt && p.endsAt && p.startsAt >= p.endsAt)
    errors.push({ field: 'body.endsAt', message: 'must be after startsAt' });
  if (errors.length) throw problems.validation(errors);
}

/** The code's unique index refused it (the driver's error, or drizzle's wrapping of it): 409 on `body.code`. */
function codeTakenOr(err: unknown, code: string): unknown {
  const e = err as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const pg = e?.code === '23505' ? e : e?.cause?.code === '23505' ? e.cause : undefined;
  return pg?.constraint === 'uq_promotions_tenant_code' ? promotionErrors.codeTaken(code) : err;
}

export async function createPromotion(svc: ServiceContext, input: PromotionInput): Promise<PromotionView> {
  checkRules(input);
  const values: NewPromotion = { ...input, tenantId: svc.tenantId };
  try {
    const [row] = await inTenantTx(promotionsDb(svc), svc.tenantId, (tx) =>
      tx.insert(promotions).values(values).returning(),
    );
    return promotionView(row!);
  } catch (err) {
    throw codeTakenOr(err, input.code);
  }
}

export async function updatePromotion(
  svc: ServiceContext,
  input: { id: string; patch: Partial<PromotionInput>; expectedVersion: number | undefined },
): Promise<PromotionView> {
  const { id, patch, expectedVersion } = input;
  try {
    return await inTenantTx(promotionsDb(svc), svc.tenantId, async (tx) => {
      const [current] = await tx.select().from(promotions).where(eq(promotions.id, id)).for('update').limit(1);
      if (!current) throw promotionErrors.notFound();
      if (expectedVersion !== undefined && current.version !== expectedVersion)
        throw staleVersion('promotion', current.version);
      checkRules({ ...current, ...patch });
      if (patch.usageLimit != null && patch.usageLimit < current.timesUsed)
        throw problems.validation([
          { field: 'body.usageLimit', message: `already used ${current.timesUsed} times; the limit cannot be lower` },
        ]);
      const [row] = await tx
        .update(promotions)
        .set({ ...patch, version: sql`${promotions.version} + 1`, updatedAt: sql`now()` })
        .where(and(eq(promotions.id, id), eq(promotions.version, current.version)))
        .returning();
      return promotionView(row!);
    });
  } catch (err) {
    throw codeTakenOr(err, patch.code ?? '');
  }
}

/** Deletes a promotion no order used; one with redemptions answers 409 (deactivate it instead). */
export async function deletePromotion(
  svc: ServiceContext,
  input: { id: string; expectedVersion: number | undefined },
): Promise<void> {
  const { id, expectedVersion } = input;
  await inTenantTx(promotionsDb(svc), svc.tenantId, async (tx) => {
    const [current] = await tx.select().from(promotions).where(eq(promotions.id, id)).for('update').limit(1);
    if (!current) throw promotionErrors.notFound();
    if (expectedVersion !== undefined && current.version !== expectedVersion)
      throw staleVersion('promotion', current.version);
    const [used] = await tx
      .select({ id: promotionRedemptions.id })
      .from(promotionRedemptions)
      .where(eq(promotionRedemptions.promotionId, id))
      .limit(1);
    if (used) throw promotionErrors.redeemed();
    await tx.delete(promotions).where(eq(promotions.id, id));
  });
}
