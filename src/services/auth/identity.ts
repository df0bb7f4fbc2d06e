import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import type { HttpDatabase } from '../../db/pg/http.ts';
import { users } from '../../db/pg/schema/index.ts';
import { inTenantRead } from '../../db/pg/tenant-tx.ts';
import type { ServiceContext } from '../context.ts';
import { callerOf } from './caller.ts';
import type { Identity } from './model.ts';
import { publicUser, type PublicUser } from './views.ts';

// Correlated subqueries on the outer auth.users row (drizzle leaves single-table
// columns unqualified, so the outer column is named explicitly).
const rolesOfUser = sql<string[]>`array(
  select r.name from auth.user_roles ur join auth.roles r on r.id = ur.role_id
  where ur.user_id = "users"."id" order by r.name)`;
const permissionsOfUser = sql<string[]>`array(
  select distinct p.name from auth.user_roles ur
  join auth.role_permissions rp on rp.role_id = ur.role_id
  join auth.permissions p on p.id = rp.permission_id
  where ur.user_id = "users"."id" order by p.name)`;
const tenantStatusOfUser = sql<string>`(select t.status from auth.tenants t where t.id = "users"."tenant_id")`;

/** What an identity is made of: the user row, role names, effective permissions, the tenant's status. */
const identityFields = {
  user: users,
  roles: rolesOfUser,
  permissions: permissionsOfUser,
  tenantStatus: tenantStatusOfUser,
};

/** A user with their role names and effective permissions, in one query. */
export async function loadIdentity(tx: Transaction, where: SQL): Promise<Identity | null> {
  const [row] = await tx
    .select(identityFields)
    .from(users)
    .where(and(where, isNull(users.deletedAt)))
    .limit(1);
  return row ?? null;
}

/** The same query, built but not run: a statement of a batch (`inTenantBatch`). */
export function identityStatement(db: HttpDatabase, where: SQL) {
  return db
    .select(identityFields)
    .from(users)
    .where(and(where, isNull(users.deletedAt)))
    .limit(1);
}

export function loadIdentityById(tx: Transaction, userId: string) {
  return loadIdentity(tx, eq(users.id, userId));
}

/** Login name: an email (case-insensitive) or a username (case-insensitive). */
export function byLogin(login: string): SQL {
  const lowered = login.toLowerCase();
  return login.includes('@') ? eq(sql`lower(${users.email})`, lowered) : eq(sql`lower(${users.username})`, lowered);
}

export function loadIdentityByLogin(tx: Transaction, login: string) {
  return loadIdentity(tx, byLogin(login));
}

/** The caller as `GET /auth/me` shows them: one read (one round trip on the HTTP path). */
export async function currentUser(ctx: ServiceContext): Promise<PublicUser | null> {
  const caller = callerOf(ctx);
  const identity = await inTenantRead(ctx.stores.pg('auth'), caller.tenantId, (tx) =>
    loadIdentityById(tx, caller.userId),
  );
  return identity && publicUser(identity);
}
