import { and, desc, sql, type SQL } from 'drizzle-orm';

import { adminAuditLog } from '../../db/pg/schema/index.ts';
import { toPage, type Page, type TimeIdCursor } from '../../lib/pagination.ts';
import { callerOf } from '../auth/index.ts';
import type { ServiceContext } from '../context.ts';
import { adminRead, isPlatformAdmin } from './access.ts';
import { adminErrors } from './errors.ts';
import { auditView, type AuditView } from './views.ts';

/**
 * The record of what platform admins did in a tenant (written by access.ts with each
 * action). A tenant's own ADMIN reads their tenant's (others are 404); a platform
 * admin reads any tenant's, which is itself recorded there.
 */

export async function listAudit(
  ctx: ServiceContext,
  input: { tenantId: string; query: { limit: number; cursor?: TimeIdCursor | undefined } },
): Promise<Page<AuditView>> {
  const { tenantId, query: q } = input;
  const principal = callerOf(ctx);
  if (tenantId !== principal.tenantId && !isPlatformAdmin(ctx.env, principal)) throw adminErrors.tenantNotFound();
  const conds: SQL[] = [];
  if (q.cursor)
    conds.push(
      sql`(${adminAuditLog.createdAt}, ${adminAuditLog.id}) < (${q.cursor.at}::timestamp, ${q.cursor.id}::uuid)`,
    );
  return adminRead(
    ctx,
    (db) => [
      db
        .select({ entry: adminAuditLog, at: sql<string>`${adminAuditLog.createdAt}::text` })
        .from(adminAuditLog)
        .where(and(...conds))
        .orderBy(desc(adminAuditLog.createdAt), desc(adminAuditLog.id))
        .limit(q.limit + 1),
    ],
    ([rows]) =>
      toPage(
        rows,
        q.limit,
        (r) => [r.at, r.entry.id],
        (r) => auditView(r.entry),
      ),
    { on: tenantId, audit: { action: 'list-audit' } },
  );
}
