import { sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import type { HttpDatabase } from '../../db/pg/http.ts';
import { adminAuditLog } from '../../db/pg/schema/index.ts';
import { inTenantBatch, inTenantTx, type BatchStatements } from '../../db/pg/tenant-tx.ts';
import type { Env } from '../../env.ts';
import { authConfig } from '../../lib/config.ts';
import { problems } from '../../lib/problem.ts';
import { callerOf, type Principal } from '../auth/index.ts';
import type { ServiceContext } from '../context.ts';
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
 * (`/admin/tenants/{tenantId}/users/...` -> `on`): the transaction
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

/** Whether the caller is, right now in the database, an active ADMIN of their tenant (one row: `ok`). */
export const activeAdmin = (principal: Principal) => sql`
  select exists (
    select 1 from auth.users u
    join auth.user_roles ur on ur.user_id = u.id
    join auth.roles r on r.id = ur.role_id
    where u.id = ${principal.userId} and r.name = ${ADMIN}
      and u.status = 'ACTIVE' and not u.account_locked and u.deleted_at is null
  ) as ok`;

/** Points RLS at the named tenant if it exists; one row (`found`) either way. */
export const switchTenant = (tenantId: string) => sql`
  select exists (select 1 from auth.tenants where id = ${tenantId}) as found,
    set_config('app.current_tenant', coalesce((select id::text from auth.tenants where id = ${tenantId}), ''), true)`;

export const noLongerAdmin = () => problems.forbidden('Your administrator rights are no longer valid; sign in again.');

/** What is recorded when the work runs in another tenant (the target may come from the work's result). */
export interface AuditedAction<T = unknown> {
  action: string;
  targetUserId?: string | undefined | ((result: T) => string | undefined);
}

/** Options of admin work: the tenant it runs in (another one only for platform admins, audited). */
export interface AdminScope<T = unknown> {
  /** The tenant named in the path; absent or the caller's own: the caller's tenant. */
  on?: string | undefined;
  audit?: AuditedAction<T>;
}

/**
 * The caller, if they may act in `scope.on` at all: an ADMIN by their token, and, for another
 * tenant, of the platform tenant (403 otherwise). Returns the other tenant, or undefined for
 * their own. Acting on another tenant is logged here, whatever the outcome.
 */
export function admitted(ctx: ServiceContext, on: string | undefined): { principal: Principal; other?: string } {
  const principal = callerOf(ctx);
  if (!isAdmin(principal)) throw problems.forbidden('Requires role: ADMIN.');
  if (on === undefined || on === principal.tenantId) return { principal };
  if (principal.tenantId !== authConfig(ctx.env).platformTenantId) throw adminErrors.platformOnly();
  ctx.logger.info('audit: platform admin acts on a named tenant', {
    audit: true,
    actorUserId: principal.userId,
    actorTenantId: principal.tenantId,
    tenantId: on,
  });
  return { principal, other: on };
}

function auditRow<T>(
  ctx: ServiceContext,
  principal: Principal,
  tenantId: string,
  audit: AuditedAction<T> | undefined,
  result: T,
) {
  const target = audit?.targetUserId;
  return {
    tenantId,
    actorUserId: principal.userId,
    actorTenantId: principal.tenantId,
    action: audit?.action ?? 'unspecified',
    targetUserId: (typeof target === 'function' ? target(result) : target) ?? null,
    requestId: (ctx.requestId ?? '').slice(0, 64),
  };
}

/**
 * Admin READS: one non-interactive transaction (`inTenantBatch`, one round trip on the HTTP
 * path): the re-check of the caller, the switch to the named tenant, then `statements`. In
 * another tenant the read is then recorded in its audit log (a second round trip), so a read
 * whose answer the caller gets always has its record, and one that fails has none.
 */
export async function adminRead<const S extends BatchStatements, T>(
  ctx: ServiceContext,
  statements: (db: HttpDatabase) => S,
  answer: (results: AdminResults<S>) => T,
  scope: AdminScope<T> = {},
): Promise<T> {
  const { principal, other } = admitted(ctx, scope.on);
  const pg = ctx.stores.pg('auth');
  const [admin, switched, ...results] = (await inTenantBatch(
    pg,
    principal.tenantId,
    (db) =>
      [
        db.execute<{ ok: boolean }>(activeAdmin(principal)),
        db.execute<{ found: boolean }>(other ? switchTenant(other) : sql`select true as found`),
        ...statements(db),
      ] as unknown as S,
    { readOnly: true },
  )) as unknown as [{ rows: Array<{ ok: boolean }> }, { rows: Array<{ found: boolean }> }, ...AdminResults<S>];
  if (!admin.rows[0]?.ok) throw noLongerAdmin();
  if (!switched.rows[0]?.found) throw adminErrors.tenantNotFound();
  const result = answer(results as unknown as AdminResults<S>);
  if (other) {
    await inTenantBatch(pg, other, (db) => [
      db.insert(adminAuditLog).values(auditRow(ctx, principal, other, scope.audit, result)),
    ]);
  }
  return result;
}

/** The answers of a batch's statements, in order. */
export type AdminResults<S extends BatchStatements> = { [K in keyof S]: Awaited<S[K]> };

/** The tenant the work runs in: the caller's own, or the named one. */
export const targetTenant = (ctx: ServiceContext, on: string | undefined) => on ?? callerOf(ctx).tenantId;

/**
 * Admin WRITES: one interactive transaction scoped (RLS) to the caller's tenant, or to the
 * tenant named by `scope.on` (platform admins only; audited), after re-checking the caller in the
 * database. With `serialize`, the target tenant's row is locked first (in the same message as
 * the re-check), so writes that can take rights away from an admin run one at a time per tenant
 * and each sees the previous one's result. In another tenant the audit row is written after the
 * work, in the same transaction.
 */
export function adminTx<T>(
  ctx: ServiceContext,
  work: (tx: Transaction) => Promise<T>,
  scope: AdminScope<T> & { serialize?: boolean } = {},
): Promise<T> {
  let admission: ReturnType<typeof admitted>;
  try {
    admission = admitted(ctx, scope.on);
  } catch (err) {
    return Promise.reject(err);
  }
  const { principal, other } = admission;
  const target = other ?? principal.tenantId;
  return inTenantTx(ctx.stores.pg('auth').db, principal.tenantId, async (tx) => {
    // The re-check after the lock, in a statement of its own: it sees what the previous holder committed.
    if (scope.serialize) await tx.execute(sql`select 1 from auth.tenants where id = ${target} for update`);
    const { rows } = await tx.execute<{ ok: boolean }>(activeAdmin(principal));
    if (!rows[0]?.ok) throw noLongerAdmin();
    if (other) {
      const { rows: found } = await tx.execute<{ found: boolean }>(switchTenant(other));
      if (!found[0]?.found) throw adminErrors.tenantNotFound();
    }
    const result = await work(tx);
    if (other) await tx.insert(adminAuditLog).values(auditRow(ctx, principal, other, scope.audit, result));
    return result;
  });
}

/** Like `adminTx`, for platform-only work. */
export function platformAdminTx<T>(ctx: ServiceContext, work: (tx: Transaction) => Promise<T>): Promise<T> {
  if (!ctx.principal || !isPlatformAdmin(ctx.env, ctx.principal)) return Promise.reject(adminErrors.platformOnly());
  return adminTx(ctx, work);
}

/**
 * The caller's re-check of a one-batch admin WRITE: it sets `app.admin_ok` for the rest of the
 * transaction, which the writes after it require in their `WHERE` (`ADMIN_OK`), so a caller who
 * is no longer an active ADMIN writes nothing though the batch runs to its end.
 */
export const recheckAdmin = (principal: Principal) =>
  sql`select set_config('app.admin_ok', (${activeAdmin(principal)})::text, true) = 'true' as ok`;

/** The guard of every write of a one-batch admin write (see `recheckAdmin`). */
export const ADMIN_OK = sql`current_setting('app.admin_ok', true) = 'true'`;

/** The unique constraint a PostgreSQL error is about, if it is a unique violation. */
export function uniqueViolation(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const pg = e?.code === '23505' ? e : e?.cause?.code === '23505' ? e.cause : undefined;
  return pg ? (pg.constraint ?? '') : undefined;
}
