import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Transaction } from '../../db/pg/client.ts';
import { users, type User } from '../../db/pg/schema/index.ts';

export interface Identity {
  user: User;
  roles: string[];
  permissions: string[];
  /** Status of the user's tenant: sessions of a SUSPENDED or DELETED tenant end. */
  tenantStatus: string;
}

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
  const where = login.includes('@') ? eq(sql`lower(${users.email})`, lowered) : eq(sql`lower(${users.username})`, lowered);
  return loadIdentity(tx, where);
}

/** The public view of a user, never hashes or secrets. */
export function publicUser(identity: Pick<Identity, 'user' | 'roles' | 'permissions'>) {
  const u = identity.user;
  return {
    id: u.id,
    tenantId: u.tenantId,
    email: u.email,
    username: u.username,
    firstName: u.firstName,
    lastName: u.lastName,
    authProvider: u.authProvider,
    status: u.status,
    emailVerified: u.emailVerified,
    accountLocked: u.accountLocked,
    tfaEnabled: u.tfaEnabled,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    roles: identity.roles,
    permissions: identity.permissions,
  };
}
export type PublicUser = ReturnType<typeof publicUser>;
