/**
 * The author's display data, copied into a review when it is written. Read from the users
 * service's profile in a tenant transaction (RLS); writes nothing. "Verified purchase" is asked of the orders
 * service (`hasDeliveredOrderOf`).
 */
import { inTenantRead } from '../../db/pg/tenant-tx.ts';
import type { ServiceContext } from '../context.ts';
import { findProfile } from '../users/index.ts';

/**
 * Display name ("First Last") and avatar from the user's profile; nulls when there is none.
 * A read of the context's tenant: one request over PostgreSQL's HTTP path where it answers.
 */
export async function authorSnapshot(
  ctx: ServiceContext,
  userId: string,
): Promise<{ userName: string | null; userAvatar: string | null }> {
  const profile = await inTenantRead(ctx.stores.pg('users'), ctx.tenantId, (tx) => findProfile(tx, userId));
  const name = [profile?.firstName, profile?.lastName]
    .filter((p): p is string => !!p && p.trim().length > 0)
    .join(' ')
    .trim();
  return { userName: name || null, userAvatar: profile?.avatarUrl ?? null };
}
