/** HTTP helpers shared by the products and categories routers. */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../lib/types.ts';
import { problems } from '../../lib/problem.ts';
import { tenantIdOfRequest } from '../../middleware/tenant.ts';
import { catalogErrors, type CatalogContext, type Reader } from '../../services/catalog/index.ts';

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

export const etagOf = (version: number) => `"${version}"`;

/**
 * The version an If-Match header asks for: `"3"` (also `W/"3"`); undefined when the
 * header is absent or `*`. 428 when `required` and absent; 400 when unreadable.
 */
export function expectedVersion(header: string | undefined, required: boolean): number | undefined {
  if (header === undefined || header.trim() === '') {
    if (required) throw catalogErrors.preconditionRequired();
    return undefined;
  }
  const value = header.trim();
  if (value === '*') return undefined;
  const m = /^(?:W\/)?"(\d{1,9})"$/.exec(value);
  if (!m) throw catalogErrors.invalidField('header.if-match', 'must be an ETag you read, like "3"');
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
