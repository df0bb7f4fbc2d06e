import { and, count, desc, eq, isNull, ne, sql, type SQL } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { adminAuditLog, refreshTokens, tenants, users } from '../../db/pg/schema/index.ts';
import { inTenantBatch } from '../../db/pg/tenant-tx.ts';
import { authConfig } from '../../lib/config.ts';
import { toPage, type Page, type TimeIdCursor } from '../../lib/pagination.ts';
import { problems } from '../../lib/problem.ts';
import { callerOf, inviteUser, type Invitation } from '../auth/index.ts';
import type { ServiceContext } from '../context.ts';
import {
  ADMIN_OK,
  adminRead,
  adminTx,
  isPlatformAdmin,
  noLongerAdmin,
  platformAdminTx,
  recheckAdmin,
  switchTenant,
  uniqueViolation,
  useTenant,
} from './access.ts';
import { adminErrors } from './errors.ts';
import { TENANT_ADMIN_FIELDS, type TenantCreate, type TenantPatch, type TenantStatus } from './model.ts';
import { tenantView, type TenantDetail, type TenantView } from './views.ts';

/**
 * Tenant administration.
 *
 * Platform admins (ADMIN of PLATFORM_TENANT_ID) list, read, create, update and
 * soft-delete any tenant. A tenant is created with its first ADMIN, invited (see
 * auth/invitations.ts): the tenant, the pending admin and the invitation are one
 * transaction, so no tenant is ever left without a way to get an administrator,
 * and nobody but the invitee ever knows the admin's password. A tenant admin may read their own tenant and change its
 * `name` and `domain` only; any other tenant is invisible to them (404), and
 * list/create/delete or a change of plan, maxUsers or status is 403.
 *
 * Suspending or deleting a tenant revokes every refresh token of its users in the
 * same transaction (login and registration already refuse inactive tenants). The
 * platform tenant itself can never be suspended or deleted (it would lock every
 * platform admin out).
 */

/** Users of a tenant that hold a seat; RLS is pointed at that tenant first. */
async function seatsUsed(tx: Transaction, tenantId: string): Promise<number> {
  await useTenant(tx, tenantId);
  const [row] = await tx.select({ n: count() }).from(users).where(isNull(users.deletedAt));
  return row?.n ?? 0;
}

async function revokeTenantSessions(tx: Transaction, tenantId: string): Promise<void> {
  await useTenant(tx, tenantId);
  await tx
    .update(refreshTokens)
    .set({ revoked: true, revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.revoked, false)));
}

/** 409 naming the field when another tenant has the name (any letter case) or domain. */
async function assertUnique(
  tx: Transaction,
  input: { name?: string | undefined; domain?: string | null | undefined },
  exceptId?: string,
) {
  const others = (cond: SQL) => (exceptId ? and(cond, ne(tenants.id, exceptId))! : cond);
  if (input.name !== undefined) {
    const [hit] = await tx
      .select({ id: tenants.id })
      .from(tenants)
      .where(others(sql`lower(${tenants.name}) = lower(${input.name})`))
      .limit(1);
    if (hit) throw problems.conflictField('body.name', 'A tenant with this name already exists.');
  }
  if (input.domain) {
    const [hit] = await tx
      .select({ id: tenants.id })
      .from(tenants)
      .where(others(sql`lower(${tenants.domain}) = lower(${input.domain})`))
      .limit(1);
    if (hit) throw problems.conflictField('body.domain', 'A tenant with this domain already exists.');
  }
}

/**
 * Maps a unique violation that slipped past the pre-check (a race) to the same 409;
 * one on auth.users is the first admin's email or username (unique across tenants).
 */
function mapUnique(err: unknown): never {
  const constraint = uniqueViolation(err);
  if (constraint !== undefined && constraint.includes('users')) {
    const field = constraint.includes('username') ? 'username' : 'email';
    throw problems.conflictField(`body.admin.${field}`, `This ${field} is already registered.`);
  }
  if (constraint !== undefined) {
    const field = constraint.includes('domain') ? 'domain' : 'name';
    throw problems.conflictField(`body.${field}`, `A tenant with this ${field} already exists.`);
  }
  throw err;
}

/** Every tenant (platform admins): one read. */
export async function listTenants(
  ctx: ServiceContext,
  q: { limit: number; cursor?: TimeIdCursor | undefined; status?: TenantStatus | undefined },
): Promise<Page<TenantView>> {
  if (!isPlatformAdmin(ctx.env, callerOf(ctx))) throw adminErrors.platformOnly();
  const conds: SQL[] = [q.status ? eq(tenants.status, q.status) : ne(tenants.status, 'DELETED')];
  if (q.cursor)
    conds.push(sql`(${tenants.createdAt}, ${tenants.id}) < (${q.cursor.at}::timestamp, ${q.cursor.id}::uuid)`);
  return adminRead(
    ctx,
    (db) => [
      db
        .select({ tenant: tenants, at: sql<string>`${tenants.createdAt}::text` })
        .from(tenants)
        .where(and(...conds))
        .orderBy(desc(tenants.createdAt), desc(tenants.id))
        .limit(q.limit + 1),
    ],
    ([rows]) =>
      toPage(
        rows,
        q.limit,
        (r) => [r.at, r.tenant.id],
        (r) => tenantView(r.tenant),
      ),
  );
}

/**
 * Platform admins see every tenant; a tenant admin only their own (others: 404). One read: the
 * row, then its seats counted under its own RLS.
 */
export async function getTenant(ctx: ServiceContext, input: { id: string }): Promise<TenantDetail> {
  const { id } = input;
  const principal = callerOf(ctx);
  if (!isPlatformAdmin(ctx.env, principal) && id !== principal.tenantId) throw adminErrors.tenantNotFound();
  return adminRead(
    ctx,
    (db) => [
      db.select().from(tenants).where(eq(tenants.id, id)).limit(1),
      db.execute(sql`select set_config('app.current_tenant', ${id}, true)`),
      db.select({ n: count() }).from(users).where(isNull(users.deletedAt)),
    ],
    ([[tenant], , [seats]]) => {
      if (!tenant) throw adminErrors.tenantNotFound();
      return { ...tenantView(tenant), seatsUsed: seats?.n ?? 0 };
    },
  );
}

/** The roles of a tenant's first administrator (as the bootstrap seed gives its ADMIN). */
const FIRST_ADMIN_ROLES = ['ADMIN', 'USER'] as const;

export async function createTenant(
  ctx: ServiceContext,
  input: TenantCreate,
): Promise<TenantDetail & { firstAdmin: Invitation }> {
  const principal = callerOf(ctx);
  try {
    return await platformAdminTx(ctx, async (tx) => {
      await assertUnique(tx, input);
      // ACTIVE while the first admin takes their seat; the requested status after.
      const [created] = await tx
        .insert(tenants)
        .values({
          name: input.name,
          domain: input.domain ?? null,
          status: 'ACTIVE',
          plan: input.plan ?? 'FREE',
          maxUsers: input.maxUsers ?? 10,
        })
        .returning();
      const tenantId = created!.id;
      await useTenant(tx, tenantId);
      const firstAdmin = await inviteUser(ctx, { tx, tenantId, invitee: input.admin, roles: FIRST_ADMIN_ROLES });
      await tx.insert(adminAuditLog).values({
        tenantId,
        actorUserId: principal.userId,
        actorTenantId: principal.tenantId,
        action: 'invite-first-admin',
        targetUserId: firstAdmin.user.id,
        requestId: (ctx.requestId ?? '').slice(0, 64),
      });
      const [tenant] =
        input.status && input.status !== 'ACTIVE'
          ? await tx.update(tenants).set({ status: input.status }).where(eq(tenants.id, tenantId)).returning()
          : [created];
      return { ...tenantView(tenant!), seatsUsed: 1, firstAdmin };
    });
  } catch (err) {
    return mapUnique(err);
  }
}

export async function updateTenant(
  ctx: ServiceContext,
  input: { id: string; patch: TenantPatch },
): Promise<TenantDetail> {
  const { id, patch } = input;
  const principal = callerOf(ctx);
  const platform = isPlatformAdmin(ctx.env, principal);
  if (!platform) {
    if (id !== principal.tenantId) throw adminErrors.tenantNotFound();
    const refused = Object.keys(patch).filter((k) => !(TENANT_ADMIN_FIELDS as readonly string[]).includes(k));
    if (refused.length > 0) {
      throw adminErrors.platformFieldsOnly(refused);
    }
  }
  if (id === authConfig(ctx.env).platformTenantId && patch.status !== undefined && patch.status !== 'ACTIVE') {
    throw adminErrors.platformTenantProtected();
  }
  try {
    return await adminTx(ctx, async (tx) => {
      // The row lock serialises with registrations (which lock it to count seats).
      const [current] = await tx.select().from(tenants).where(eq(tenants.id, id)).for('update');
      if (!current) throw adminErrors.tenantNotFound();
      await assertUnique(tx, patch, id);
      const used = await seatsUsed(tx, id);
      if (patch.maxUsers !== undefined && patch.maxUsers < used) {
        throw adminErrors.seatsInUse(used);
      }
      if (patch.status && patch.status !== 'ACTIVE') await revokeTenantSessions(tx, id);
      const [tenant] = await tx
        .update(tenants)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(tenants.id, id))
        .returning();
      return { ...tenantView(tenant!), seatsUsed: used };
    });
  } catch (err) {
    return mapUnique(err);
  }
}

/** Soft delete: status DELETED (idempotent). Logins, registrations and refreshes stop. */
export async function deleteTenant(ctx: ServiceContext, input: { id: string }): Promise<void> {
  const { id } = input;
  const principal = callerOf(ctx);
  if (!isPlatformAdmin(ctx.env, principal)) throw adminErrors.platformOnly();
  if (id === authConfig(ctx.env).platformTenantId) throw adminErrors.platformTenantProtected();
  // One batch (one round trip on the HTTP path): the caller's re-check, the tenant row lock (it
  // serialises with registrations and other admin writes of the tenant), then, in its RLS, the
  // sessions revoked and the status set, both guarded by the re-check and by "not yet DELETED".
  const live = sql`exists (select 1 from auth.tenants where id = ${id} and status <> 'DELETED')`;
  const [{ rows: admin }, found] = await inTenantBatch(ctx.stores.pg('auth'), principal.tenantId, (db) => [
    db.execute<{ ok: boolean }>(recheckAdmin(principal)),
    db.select({ status: tenants.status }).from(tenants).where(eq(tenants.id, id)).for('update'),
    db.execute(switchTenant(id)),
    db
      .update(refreshTokens)
      .set({ revoked: true, revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.tenantId, id), eq(refreshTokens.revoked, false), ADMIN_OK, live)),
    db
      .update(tenants)
      .set({ status: 'DELETED', updatedAt: sql`now()` })
      .where(and(eq(tenants.id, id), ne(tenants.status, 'DELETED'), ADMIN_OK)),
  ]);
  if (!admin[0]?.ok) throw noLongerAdmin();
  if (found.length === 0) throw adminErrors.tenantNotFound();
}
