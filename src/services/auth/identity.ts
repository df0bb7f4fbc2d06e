import { and, eq, isNull, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { users } from '../../db/pg/schema/index.ts';
import type { Identity } from './model.ts';

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

/** A user with their role names and effective permissions, in one query. */
export async function loadIdentity(tx: Transaction, where: ReturnType<typeof eq>): Promise<Identity | null> {
  const [row] = await tx
    .select({ user: users, roles: rolesOfUser, permissions: permissionsOfUser, tenantStatus: tenantStatusOfUser })
    .from(users)
    .where(and(where, isNull(users.deletedAt)))
    .limit(1);
  return row ?? null;
}

export function loadIdentityById(tx: Transaction, userId: string) {
  return loadIdentity(tx, eq(users.id, userId));
}

/** Login name: an email (case-insensitive) or a username (case-insensitive). */
export function loadIdentityByLogin(tx: Transaction, login: string) {
  const lowered = login.toLowerCase();
  const where = login.includes('@')
    ? eq(sql`lower(${users.email})`, lowered)
    : eq(sql`lower(${users.username})`, lowered);
  return loadIdentity(tx, where);
}
