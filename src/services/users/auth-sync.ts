/**
 * The only place where the user service touches the auth service's data
 * (`auth.users`), always through the auth database handle and inside a tenant
 * transaction. Kept in one file so the boundary crossing is easy to find and to
 * replace with a call into the auth service later.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { users } from '../../db/pg/schema/index.ts';
import { inTenantRead, inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { ServiceContext } from '../context.ts';
import type { Owner, ProfileSeed } from './model.ts';

export interface NameChange {
  firstName?: string | null;
  lastName?: string | null;
}

/**
 * Copies changed names onto `auth.users` so `GET /auth/me` (and the next token)
 * shows what the profile shows, on the caller's transaction: when the auth and users
 * services share a database, the profile change and this copy are one unit of work on
 * one connection. Returns false when the auth user does not exist (deleted meanwhile).
 */
export async function syncAuthUserNamesTx(tx: Transaction, userId: string, names: NameChange): Promise<boolean> {
  const set: { firstName?: string | null; lastName?: string | null } = {};
  if (names.firstName !== undefined) set.firstName = names.firstName;
  if (names.lastName !== undefined) set.lastName = names.lastName;
  if (Object.keys(set).length === 0) return true;
  const rows = await tx
    .update(users)
    .set({ ...set, updatedAt: sql`now()` })
    .where(and(eq(users.id, userId), isNull(users.deletedAt)))
    .returning({ id: users.id });
  return rows.length > 0;
}

/** The same copy in its own tenant transaction on the auth database (when it is another database). */
export function syncAuthUserNames(ctx: ServiceContext, input: Owner & { names: NameChange }): Promise<boolean> {
  return inTenantTx(ctx.stores.pg('auth').db, input.tenantId, (tx) =>
    syncAuthUserNamesTx(tx, input.userId, input.names),
  );
}

/** What a missing profile is rebuilt from: the live auth user, or null if there is none. */
export async function readProfileSeed(ctx: ServiceContext, owner: Owner): Promise<ProfileSeed | null> {
  const { tenantId, userId } = owner;
  const [row] = await inTenantRead(ctx.stores.pg('auth'), tenantId, (tx) =>
    tx
      .select({ email: users.email, firstName: users.firstName, lastName: users.lastName })
      .from(users)
      .where(and(eq(users.id, userId), isNull(users.deletedAt)))
      .limit(1),
  );
  return row ? { tenantId, userId, ...row } : null;
}
