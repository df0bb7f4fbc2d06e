/**
 * The reads of POST /orders, each one request over the HTTP path (a read-only batch): the order
 * holding an Idempotency-Key, and, for a promotion code, the code with this customer's count
 * followed by the key's holder (read AFTER the code: a use taken by a twin that committed before
 * the code was read is seen with its order).
 */
import type { Promotion } from '../../db/pg/schema/promotions.ts';
import { inTenantBatch } from '../../db/pg/tenant-tx.ts';
import type { ServiceContext } from '../context.ts';
import { claimRead, promotionForClaim } from '../promotions/index.ts';
import { keyHolderOf, keyHolderStatements, type KeyHolder } from './order-insert.ts';

export interface KeyRef {
  userId: string;
  idempotencyKey: string;
}

/** The order of the user holding the key, with its items and promotion; null if none. */
export async function keyHolder(ctx: ServiceContext, ref: KeyRef): Promise<KeyHolder | null> {
  const rows = await inTenantBatch(
    ctx.stores.pg('orders'),
    ctx.tenantId,
    (db) => keyHolderStatements(db, ref.userId, ref.idempotencyKey),
    { readOnly: true },
  );
  return keyHolderOf(rows);
}

export interface ClaimAndHolder {
  /** The code's promotion and the customer's redemptions that count; null: no such code. */
  claimable: { promotion: Promotion; customerRedemptions: number } | null;
  holder: KeyHolder | null;
}

export async function claimAndHolder(ctx: ServiceContext, input: KeyRef & { code: string }): Promise<ClaimAndHolder> {
  const [promotion, count, order, items, applied] = await inTenantBatch(
    ctx.stores.pg('orders'),
    ctx.tenantId,
    (db) => [
      ...promotionForClaim(db, input.code, input.userId),
      ...keyHolderStatements(db, input.userId, input.idempotencyKey),
    ],
    { readOnly: true },
  );
  return { claimable: claimRead([promotion, count]), holder: keyHolderOf([order, items, applied]) };
}
