import { eq, sql } from 'drizzle-orm';

import type { Database, Transaction } from '../../db/pg/client.ts';
import { adminAuditLog, tenants } from '../../db/pg/schema/index.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { Env } from '../../env.ts';
import { authConfig } from '../../lib/config.ts';
import { problems } from '../../lib/problem.ts';
import type { Principal } from '../auth/index.ts';
import { adminErrors } from './errors.ts';

/**
 * Who may administer what.
 *
 * - An ADMIN is a principal whose access token carries the ADMIN role (API keys carry
 *   no roles, so they are never admins).
 * - A PLATFORM admin is an ADMIN whose token belongs to the platform tenant
 *   (`PLATFORM_TENANT_ID`): they manage every tenant and the global RBAC catalogue.
 * - A tenant admin manages the users of their own tenant, reads the RBAC catalogue,
 *   and may read their own tenant and rename it (name, domain).
 *
 * The token is only the first gate (no I/O). Every admin operation then re-checks
 * the caller in the database, inside the same transaction as the work: the caller
 * must still hold ADMIN and be ACTIVE, unlocked and not deleted. So demoting or
 * locking an admin takes effect at once, not when their access token expires.
 *
 * A platform admin acts on another tenant's users only explicitly, by naming it
 * (`/admin/tenants/{tenantId}/users/...` -> a `CrossTenant`): the transaction
 * re-checks the caller in their own tenant, then points RLS at the named tenant
 * and writes an `auth.admin_audit_log` row there (actor, action, target user,
 * request id) after the work, in the same transaction: an action that commits
 * always has its record, one that fails has none, and the tenant's own admins can
 * read it.
 */
export const ADMIN = 'ADMIN';

function isAdmin(principal: Principal): boolean {
  return principal.method === 'token' && principal.roles.includes(ADMIN);
}

export function isPlatformAdmin(env: Env, principal: Principal): boolean {
  const platform = authConfig(env).platformTenantId;
  return isAdmin(principal) && !!platform && principal.tenantId === platform;
}

/** Points RLS at another tenant for the rest of the transaction. */
export async function useTenant(tx: Transaction, tenantId: string): Promise<void> {
  await tx.execute(sql`select set_config('app.current_tenant', ${tenantId}, true)`);
}

/** 403 unless the caller is, right now in the database, an active ADMIN of their tenant. */
async function assertActiveAdmin(tx: Transaction, principal: Principal): Promise<void> {
  const { rows } = await tx.execute<{ ok: boolean }>(sql`
    select exists (
      select 1 from auth.users u
      join auth.user_roles ur on ur.user_id = u.id
      join auth.roles r on r.id = ur.role_id
      where u.id = ${principal.userId} and r.name = ${ADMIN}
        and u.status = 'ACTIVE' and not u.account_locked and u.deleted_at is null
    ) as ok`);
  if (!rows[0]?.ok) throw problems.forbidden('Your administrator rights are no longer valid; sign in again.');
}

/** A platform admin acting on a named tenant (see the module comment). */
export interface CrossTenant {
  tenantId: string;
  requestId: string;
  /** PLATFORM_TENANT_ID: only its admins may act on another tenant. */
  platformTenantId: string;
}

/** What is recorded when the work runs in another tenant (the target may come from the work's result). */
export interface AuditedAction<T = unknown> {
  action: string;
  targetUserId?: string | undefined | ((result: T) => string | undefined);
}

/** The tenant the work runs in: the caller's own, or the named one. */
export const targetTenant = (principal: Principal, on: CrossTenant | undefined) => on?.tenantId ?? principal.tenantId;

/**
 * Runs admin work in one transaction scoped (RLS) to the caller's tenant, or to the
 * tenant named by `on` (platform admins only; audited), after re-checking the caller
 * in the database. With `serialize`, the target tenant's row is locked first (before
 * the re-check), so writes that can take rights away from an admin run one at a time
 * per tenant and each sees the previous one's result.
 */
export function adminTx<T>(
  db: Database,
  principal: Principal,
  work: (tx: Transaction) => Promise<T>,
  opts: { serialize?: boolean; on?: CrossTenant | undefined; audit?: AuditedAction<T> } = {},
): Promise<T> {
  if (!isAdmin(principal)) return Promise.reject(problems.forbidden('Requires role: ADMIN.'));
  const on = opts.on && opts.on.tenantId !== principal.tenantId ? opts.on : undefined;
  if (on && principal.tenantId !== on.platformTenantId) return Promise.reject(adminErrors.platformOnly());
  const target = targetTenant(principal, on);
  return inTenantTx(db, principal.tenantId, async (tx) => {
    if (opts.serialize) await tx.execute(sql`select 1 from auth.tenants where id = ${target} for update`);
    await assertActiveAdmin(tx, principal);
    if (on) {
      const [tenant] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, on.tenantId)).limit(1);
      if (!tenant) throw adminErrors.tenantNotFound();
      await useTenant(tx, on.tenantId);
    }
    const result = await work(tx);
    if (on) {
      const target = opts.audit?.targetUserId;
      await tx.insert(adminAuditLog).values({
        tenantId: on.tenantId,
        actorUserId: principal.userId,
        actorTenantId: principal.tenantId,
        action: opts.audit?.action ?? 'unspecified',
        targetUserId: (typeof target === 'function' ? target(result) : target) ?? null,
        requestId: on.requestId.slice(0, 64),
      });
    }
    return result;
  });
}

/** Like `adminTx`, for platform-only work. */
export function platformAdminTx<T>(
  env: Env,
  db: Database,
  principal: Principal,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  if (!isPlatformAdmin(env, principal)) return Promise.reject(adminErrors.platformOnly());
  return adminTx(db, principal, work);
}

/** The unique constraint a PostgreSQL error is about, if it is a unique violation. */
export function uniqueViolation(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const pg = e?.code === '23505' ? e : e?.cause?.code === '23505' ? e.cause : undefined;
  return pg ? (pg.constraint ?? '') : undefined;
}
