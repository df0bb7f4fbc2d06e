/** Request contexts shared by the products and categories handlers (the reader of a read, the context of a command). */
import type { Context } from 'hono';

import { problems } from '../../lib/problem.ts';
import type { AppEnv } from '../../lib/types.ts';
import { tenantIdOfRequest } from '../../middleware/tenant.ts';
import type { CatalogContext, Reader } from '../../services/catalog/index.ts';

/**
 * The reader of a catalog read: the request's tenant (middleware/tenant.ts: credentials,
 * else X-Tenant-ID, else the tenant domain in Host); staff = holds write:products
 * (sees drafts, may filter by status).
 */
export async function readerOf(c: Context<AppEnv>): Promise<Reader> {
  const principal = c.get('principal');
  return { tenantId: await tenantIdOfRequest(c), staff: principal?.permissions.includes('write:products') ?? false };
}

/** Context of a command by the authenticated caller (routes put auth middleware first). */
export function commandContext(c: Context<AppEnv>): CatalogContext {
  const principal = c.get('principal');
  if (!principal) throw problems.unauthorized();
  return {
    mongo: c.get('stores').mongo(),
    tenantId: principal.tenantId,
    userId: principal.userId,
    correlationId: c.get('requestId') ?? null,
    causationId: c.get('requestId') ?? null,
  };
}
