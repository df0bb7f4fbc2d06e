/** HTTP helpers shared by the products and categories routers. */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../lib/types.ts';
import { problems } from '../../lib/problem.ts';
import { catalogProblems, type CatalogContext } from '../../services/catalog/common.ts';
import type { Reader } from '../../services/catalog/products.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tenant of a read: the token's tenant when authenticated (a X-Tenant-ID header
 * is then ignored), else X-Tenant-ID, which anonymous reads must send (a UUID).
 * Staff = holds write:products (sees drafts, may filter by status).
 */
export function readerOf(c: Context<AppEnv>): Reader {
  const principal = c.get('principal');
  if (principal) return { tenantId: principal.tenantId, staff: principal.permissions.includes('write:products') };
  const header = c.req.header('x-tenant-id');
  if (!header || !UUID.test(header)) {
    throw catalogProblems.field(400, 'header.x-tenant-id', header ? 'must be a UUID' : 'anonymous requests must name the tenant');
  }
  return { tenantId: header.toLowerCase(), staff: false };
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

export const etagOf = (version: number) => `"${version}"`;

/**
 * The version an If-Match header asks for: `"3"` (also `W/"3"`); undefined when the
 * header is absent or `*`. 428 when `required` and absent; 400 when unreadable.
 */
export function expectedVersion(header: string | undefined, required: boolean): number | undefined {
  if (header === undefined || header.trim() === '') {
    if (required) throw catalogProblems.preconditionRequired();
    return undefined;
  }
  const value = header.trim();
  if (value === '*') return undefined;
  const m = /^(?:W\/)?"(\d{1,9})"$/.exec(value);
  if (!m) throw catalogProblems.field(400, 'header.if-match', 'must be an ETag you read, like "3"');
  return Number(m[1]);
}

/**
 * Sets `x-data-api-calls` (Data API calls made by this request) on responses of
 * requests that used MongoDB. The client is per request, so its counter is the request's.
 */
export const dataApiCallsHeader: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  let calls = 0;
  try {
    calls = c.get('stores')?.mongo().stats.calls ?? 0;
  } catch {
    return; // Mongo not configured: nothing was called
  }
  if (calls > 0) c.header('x-data-api-calls', String(calls));
};
