import { and, desc, eq, inArray, isNull, notInArray, sql, type SQL } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import type { HttpDatabase } from '../../db/pg/http.ts';
import { roles, userRoles, users } from '../../db/pg/schema/index.ts';
import { inTenantBatch } from '../../db/pg/tenant-tx.ts';
import { toPage, type Page } from '../../lib/pagination.ts';
import { problems } from '../../lib/problem.ts';
import {
  callerOf,
  inviteOrReinvite,
  publicUser,
  type Invitation,
  type Invitee,
  type PublicUser,
} from '../auth/index.ts';
import type { ServiceContext } from '../context.ts';
import {
  ADMIN,
  ADMIN_OK,
  adminRead,
  adminTx,
  admitted,
  noLongerAdmin,
  recheckAdmin,
  switchTenant,
  targetTenant,
  uniqueViolation,
  type AuditedAction,
} from './access.ts';
import { adminErrors } from './errors.ts';
import type { RoleName, UserAction, UserListQuery } from './model.ts';

/**
 * User administration inside the admin's own tenant: every statement runs in
 * `inTenantTx(caller's tenant)`, so a user of another tenant is invisible to RLS
 * and answers 404 exactly like an id that does not exist. A platform admin may name
 * another tenant (`on`, from `/admin/tenants/{tenantId}/users/...`): the same
 * functions then run under that tenant's RLS, and each call is recorded in its
 * `admin_audit_log` (see access.ts).
 *
 * Writes that can take away an administrator (lock, suspend, delete, role changes)
 * first lock the tenant row, so they run one at a time per tenant, and re-check
 * inside the transaction that at least one active ADMIN (ACTIVE, unlocked, not
 * deleted) remains; otherwise 409 and nothing is written. Locking, suspending and
 * deleting revoke all of the user's refresh tokens in the same transaction.
 */

// Correlated subqueries on the outer auth.users row. drizzle leaves the columns of a
// single-table query unqualified, and an unqualified "id" would bind to the
// subquery's own tables: the outer column is named explicitly.
const OUTER_USER_ID = sql.raw('"users"."id"');
const rolesOf = sql<string[]>`array(
  select r.name from auth.user_roles ur join auth.roles r on r.id = ur.role_id
  where ur.user_id = ${OUTER_USER_ID} order by r.name)`;
const permissionsOf = sql<string[]>`array(
  select distinct p.name from auth.user_roles ur
  join auth.role_permissions rp on rp.role_id = ur.role_id
  join auth.permissions p on p.id = rp.permission_id
  where ur.user_id = ${OUTER_USER_ID} order by p.name)`;

/** `%`, `_` and `\` match literally in the ILIKE pattern. */
const likeContains = (q: string) => `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/** A user with role names and effective permissions (live users only), as a statement. */
const userStatement = (db: HttpDatabase | Transaction, id: string) =>
  db
    .select({ user: users, roles: rolesOf, permissions: permissionsOf })
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deletedAt)))
    .limit(1);

/** The users of the caller's tenant, or of `tenantId` (platform admins, audited): one read. */
export async function listUsers(
  ctx: ServiceContext,
  input: { query: UserListQuery; tenantId?: string },
): Promise<Page<PublicUser>> {
  const { query } = input;
  const conds: SQL[] = [];
  // Deleted users leave the list; `status=DELETED` shows them.
  if (query.status === 'DELETED') conds.push(eq(users.status, 'DELETED'));
  else {
    conds.push(isNull(users.deletedAt));
    if (query.status) conds.push(eq(users.status, query.status));
  }
  if (query.q) {
    const pattern = likeContains(query.q);
    conds.push(sql`(${users.email} ilike ${pattern} or ${users.username} ilike ${pattern}
    or ${users.firstName} ilike ${pattern} or ${users.lastName} ilike ${pattern}
    or concat_ws(' ', ${users.firstName}, ${users.lastName}) ilike ${pattern})`);
  }
  if (query.role) {
    conds.push(sql`exists (select 1 from auth.user_roles ur join auth.roles r on r.id = ur.role_id
    where ur.user_id = ${OUTER_USER_ID} and r.name = ${query.role})`);
  }
  if (query.cursor)
    conds.push(sql`(${users.createdAt}, ${users.id}) < (${query.cursor.at}::timestamp, ${query.cursor.id}::uuid)`);
  return adminRead(
    ctx,
    (db) => [
      db
        .select({ user: users, roles: rolesOf, permissions: permissionsOf, at: sql<string>`${users.createdAt}::text` })
        .from(users)
        .where(and(...conds))
        .orderBy(desc(users.createdAt), desc(users.id))
        .limit(query.limit + 1),
    ],
    ([rows]) =>
      toPage(
        rows,
        query.limit,
        (r) => [r.at, r.user.id],
        (r) => publicUser(r),
      ),
    { on: input.tenantId, audit: { action: 'list-users' } },
  );
}

/** One user of the caller's tenant, or of `tenantId` (platform admins, audited): one read. */
export async function getUser(ctx: ServiceContext, input: { id: string; tenantId?: string }): Promise<PublicUser> {
  return adminRead(
    ctx,
    (db) => [userStatement(db, input.id)],
    ([[row]]) => {
      if (!row) throw adminErrors.userNotFound();
      return publicUser(row);
    },
    { on: input.tenantId, audit: { action: 'get-user', targetUserId: input.id } },
  );
}

async function activeAdminCount(tx: Transaction): Promise<number> {
  const { rows } = await tx.execute<{ n: number }>(sql`
    select count(distinct u.id)::int as n from auth.users u
    join auth.user_roles ur on ur.user_id = u.id
    join auth.roles r on r.id = ur.role_id
    where r.name = ${ADMIN} and u.status = 'ACTIVE' and not u.account_locked and u.deleted_at is null`);
  return Number(rows[0]?.n ?? 0);
}

async function assertAdminRemains(tx: Transaction): Promise<void> {
  if ((await activeAdminCount(tx)) < 1) {
    throw adminErrors.lastAdmin();
  }
}

/** A write on a user of the target tenant, serialised per tenant (see module comment). */
function writeTx<T>(
  ctx: ServiceContext,
  on: string | undefined,
  audit: AuditedAction<T>,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return adminTx(ctx, work, { serialize: true, on, audit });
}

async function userAfter(tx: Transaction, id: string): Promise<PublicUser> {
  const [row] = await userStatement(tx, id);
  return publicUser(row!);
}

const SELF_REFUSED: ReadonlySet<UserAction> = new Set(['lock', 'suspend', 'delete']);

/** What each action writes on the user row. */
const ACTION_SET: Record<UserAction, SQL> = {
  lock: sql`account_locked = true, updated_at = now()`,
  unlock: sql`account_locked = false, failed_login_attempts = 0, locked_until = null, updated_at = now()`,
  suspend: sql`status = 'SUSPENDED', updated_at = now()`,
  activate: sql`status = 'ACTIVE', updated_at = now()`,
  delete: sql`status = 'DELETED', deleted_at = now(), updated_at = now()`,
};

/** Another active ADMIN of the tenant (RLS) than `id`: what must remain when `id` is locked, suspended or deleted. */
const otherActiveAdmin = (id: string) => sql`exists (
  select 1 from auth.users u
  join auth.user_roles ur on ur.user_id = u.id
  join auth.roles r on r.id = ur.role_id
  where r.name = ${ADMIN} and u.status = 'ACTIVE' and not u.account_locked and u.deleted_at is null
    and u.id <> ${id})`;

/**
 * lock / unlock (also resets failed_login_attempts and ends a pause after failures) / suspend (SUSPENDED) /
 * activate (ACTIVE) / delete (soft: deleted_at + DELETED, API keys revoked).
 * Idempotent. Returns the user afterwards, or null after a delete.
 *
 * ONE non-interactive transaction (one round trip on the HTTP path): the target tenant's row
 * lock (serialising with every admin write of the tenant), the caller's re-check, the switch to
 * a named tenant, what the answer needs to explain a refusal, then one statement that writes the
 * user, revokes their sessions (and keys, on delete) and records the audit row, all guarded in
 * SQL: by the re-check and, for lock, suspend and delete, by another active ADMIN remaining
 * (the lock makes that count final). Nothing guarded passes: nothing is written.
 */
export async function applyUserAction(
  ctx: ServiceContext,
  input: { id: string; action: UserAction; tenantId?: string | undefined },
): Promise<PublicUser | null> {
  const { id, action } = input;
  if (SELF_REFUSED.has(action) && id === callerOf(ctx).userId) {
    throw adminErrors.selfAction(action);
  }
  const { principal, other } = admitted(ctx, input.tenantId);
  const target = other ?? principal.tenantId;
  const restrictive = SELF_REFUSED.has(action);
  const acted = sql`acted as (
    update auth.users set ${ACTION_SET[action]}
    where id = ${id} and deleted_at is null and ${ADMIN_OK}${restrictive ? sql` and ${otherActiveAdmin(id)}` : sql``}
    returning id)`;
  const effects: SQL[] = [acted];
  if (restrictive)
    effects.push(sql`sessions as (update auth.refresh_tokens set revoked = true, revoked_at = now()
      where user_id in (select id from acted) and not revoked returning 1)`);
  if (action === 'delete')
    effects.push(sql`api_keys as (update auth.api_keys set revoked = true, updated_at = now()
      where user_id in (select id from acted) and not revoked returning 1)`);
  if (other)
    effects.push(sql`audit as (insert into auth.admin_audit_log
      (tenant_id, actor_user_id, actor_tenant_id, action, target_user_id, request_id)
      select ${other}::uuid, ${principal.userId}::uuid, ${principal.tenantId}::uuid, ${`${action}-user`}, id,
        ${(ctx.requestId ?? '').slice(0, 64)} from acted returning 1)`);
  const [, { rows: admin }, { rows: tenant }, { rows: state }, { rows: done }, after] = await inTenantBatch(
    ctx.stores.pg('auth'),
    principal.tenantId,
    (db) => [
      db.execute(sql`select 1 from auth.tenants where id = ${target} for update`),
      db.execute<{ ok: boolean }>(recheckAdmin(principal)),
      db.execute<{ found: boolean }>(other ? switchTenant(other) : sql`select true as found`),
      db.execute<{ found: boolean; remains: boolean }>(
        sql`select exists (select 1 from auth.users where id = ${id} and deleted_at is null) as found,
          ${otherActiveAdmin(id)} as remains`,
      ),
      db.execute<{ n: number }>(sql`with ${sql.join(effects, sql`, `)} select count(*)::int as n from acted`),
      userStatement(db, id),
    ],
  );
  if (!admin[0]?.ok) throw noLongerAdmin();
  if (!tenant[0]?.found) throw adminErrors.tenantNotFound();
  if (!state[0]?.found) throw adminErrors.userNotFound();
  if (Number(done[0]?.n ?? 0) === 0)
    throw restrictive && !state[0].remains ? adminErrors.lastAdmin() : adminErrors.userNotFound();
  if (action === 'delete') return null;
  return publicUser(after[0]!);
}

/**
 * Replaces a user's roles with `names` (kept assignments keep their assigned_at).
 * 409 when it would leave the tenant without an active ADMIN. The new roles are in
 * the user's next access token (login or refresh).
 */
export async function setUserRoles(
  ctx: ServiceContext,
  input: { id: string; roles: RoleName[]; tenantId?: string | undefined },
): Promise<PublicUser> {
  const { id } = input;
  const wanted = [...new Set(input.roles)];
  const tenantId = targetTenant(ctx, input.tenantId);
  return writeTx(ctx, input.tenantId, { action: 'set-user-roles', targetUserId: id }, async (tx) => {
    const [target] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, id), isNull(users.deletedAt)))
      .for('update');
    if (!target) throw adminErrors.userNotFound();
    const roleRows = await tx.select({ id: roles.id, name: roles.name }).from(roles).where(inArray(roles.name, wanted));
    if (roleRows.length !== wanted.length) {
      const missing = wanted.filter((n) => !roleRows.some((r) => r.name === n));
      throw problems.conflict(`Role(s) missing from the catalogue: ${missing.join(', ')}.`);
    }
    const roleIds = roleRows.map((r) => r.id);
    await tx.delete(userRoles).where(and(eq(userRoles.userId, id), notInArray(userRoles.roleId, roleIds)));
    await tx
      .insert(userRoles)
      .values(roleIds.map((roleId) => ({ userId: id, roleId, tenantId })))
      .onConflictDoNothing();
    await assertAdminRemains(tx);
    return userAfter(tx, id);
  });
}

/**
 * Invites a user with `roles` into the tenant (a tenant ADMIN: their own; a platform
 * admin: any named tenant, audited), e.g. a new ADMIN for a tenant whose admins are
 * gone. A still-pending user of that email gets a fresh invitation instead.
 */
export async function inviteTenantUser(
  ctx: ServiceContext,
  input: { tenantId: string; invitee: Invitee & { roles: RoleName[] } },
): Promise<Invitation & { created: boolean }> {
  const { tenantId, invitee } = input;
  try {
    return await writeTx(
      ctx,
      tenantId,
      { action: 'invite-user', targetUserId: (r) => (r as Invitation).user.id },
      (tx) => inviteOrReinvite(ctx, { tx, tenantId, invitee, roles: [...new Set(invitee.roles)] }),
    );
  } catch (err) {
    const constraint = uniqueViolation(err);
    if (constraint === undefined) throw err;
    const field = constraint.includes('username') ? 'username' : 'email';
    throw problems.conflictField(`body.${field}`, `This ${field} is already registered.`);
  }
}
