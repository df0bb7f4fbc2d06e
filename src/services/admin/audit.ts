import { and, desc, sql, type SQL } from 'drizzle-orm';

import type { Database } from '../../db/pg/client.ts';
import { adminAuditLog } from '../../db/pg/schema/index.ts';
import type { Env } from '../../env.ts';
import { authConfig } from '../../lib/config.ts';
import { toPage, type Page, type TimeIdCursor } from '../../lib/pagination.ts';
import type { Principal } from '../auth/index.ts';
import { adminTx, isPlatformAdmin } from './access.ts';
import { adminErrors } from './errors.ts';
import { auditView, type AuditView } from './views.ts';

/**
 * The record of what platform admins did in a tenant (written by access.ts with each
 * action). A tenant's own ADMIN reads their tenant's (others are 404); a platform
 * admin reads any tenant's, which is itself recorded there.
 */

export async function listAudit(
  env: Env,
  db: Database,
  principal: Principal,
  tenantId: string,
  q: { limit: number; cursor?: TimeIdCursor | undefined },
  requestId: string,
): Promise<Page<AuditView>> {
  if (tenantId !== principal.tenantId && !isPlatformAdmin(env, principal)) throw adminErrors.tenantNotFound();
  const on = { tenantId, requestId, platformTenantId: authConfig(env).platformTenantId };
  return adminTx(
    db,
    principal,
    async (tx) => {
      const conds: SQL[] = [];
      if (q.cursor)
        conds.push(
          sql`(${adminAuditLog.createdAt}, ${adminAuditLog.id}) < (${q.cursor.at}::timestamp, ${q.cursor.id}::uuid)`,
        );
      const rows = await tx
        .select({ entry: adminAuditLog, at: sql<string>`${adminAuditLog.createdAt}::text` })
        .from(adminAuditLog)
        .where(and(...conds))
        .orderBy(desc(adminAuditLog.createdAt), desc(adminAuditLog.id))
        .limit(q.limit + 1);
      return toPage(
        rows,
        q.limit,
        (r) => [r.at, r.entry.id],
        (r) => auditView(r.entry),
      );
    },
    { on, audit: { action: 'list-audit' } },
  );
}
