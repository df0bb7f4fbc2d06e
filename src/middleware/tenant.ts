/**
 * The tenant of a request, resolved the same way on every route, at most once per request:
 *  1. the verified credentials (token or API key): a X-Tenant-ID header is then ignored;
 *  2. else `X-Tenant-ID` (a UUID; 400 on `header.x-tenant-id` otherwise);
 *  3. else the tenant whose `domain` is the request's Host: one PostgreSQL query, made by
 *     `resolveTenant` (the route's access declaration, middleware/access.ts) before the edge
 *     cache and the handler read it, and remembered per isolate for DOMAIN_MEMO_MS.
 * Nothing matches: reading `ctx.tenantId` answers 400 on `header.x-tenant-id`.
 *
 * Services read the tenant from their context (`ctx.tenantId`, services/context.ts), which
 * `bindContext` builds once per request. Sign-in and registration need the row (status,
 * seats): `tenantOfRequest` loads it.
 */
import { z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';

import type { Tenant } from '../db/pg/schema/index.ts';
import { setBounded } from '../lib/bounded-map.ts';
import { isUuid } from '../lib/ids.ts';
import { problems } from '../lib/problem.ts';
import type { AppEnv } from '../lib/types.ts';
import { tenantByDomain, tenantById } from '../services/auth/index.ts';
import type { ServiceContext } from '../services/context.ts';

/**
 * The `X-Tenant-ID` header of every route that resolves the tenant of an unauthenticated
 * call. Checked by the resolution below, not here: with credentials it is ignored, so a
 * stale or malformed one cannot refuse an authenticated call.
 */
export const TenantHeader = z.object({
  'x-tenant-id': z
    .string()
    .max(100)
    .optional()
    .openapi({
      param: { name: 'x-tenant-id', in: 'header' },
      format: 'uuid',
      description:
        'Tenant (UUID) of an unauthenticated call, else the Host must be a tenant domain; ignored with credentials',
    }),
});

/** The host name the client addressed (Host header, else the URL's), lower case, no port. */
export function requestHostname(c: Context<AppEnv>): string | undefined {
  const host = c.req.header('host') ?? new URL(c.req.url).host;
  return host.replace(/:\d+$/, '').toLowerCase() || undefined;
}

/** How long this isolate trusts a tenant domain it resolved (a domain moved to another tenant shows within this). */
const DOMAIN_MEMO_MS = 60_000;
const domainTenants = new Map<string, { tenantId: string; at: number }>();

const headerOf = (c: Context<AppEnv>): string | undefined => {
  const header = c.req.header('x-tenant-id');
  return header === undefined || header === '' ? undefined : header;
};

/**
 * The tenant id known without a query: the credentials', else a well-formed X-Tenant-ID, else a
 * Host already resolved (by `resolveTenant`, or remembered from an earlier request); null if none.
 */
export function knownTenantId(c: Context<AppEnv>): string | null {
  const principal = c.get('principal');
  if (principal) return principal.tenantId;
  const header = headerOf(c);
  if (header !== undefined) return isUuid(header) ? header.toLowerCase() : null;
  const resolved = c.get('tenantByHost');
  if (resolved) return resolved.id;
  const host = requestHostname(c);
  const known = host ? domainTenants.get(host) : undefined;
  return known && Date.now() - known.at < DOMAIN_MEMO_MS ? known.tenantId : null;
}

/** The request's tenant id, or the 400 that says why there is none. */
function tenantIdOrProblem(c: Context<AppEnv>): string {
  const known = knownTenantId(c);
  if (known) return known;
  if (headerOf(c) !== undefined)
    throw problems.validation([{ field: 'header.x-tenant-id', message: 'must be a UUID' }]);
  throw problems.validation([
    { field: 'header.x-tenant-id', message: 'required without credentials (or call through the tenant domain)' },
  ]);
}

/**
 * Route middleware (from the access declaration): when the tenant can only come from the Host,
 * looks it up once (one PostgreSQL query, counted in `tenant-lookups`) and keeps the row for the
 * request. Never refuses: a request that names no tenant is answered 400 where the tenant is read.
 */
export const resolveTenant: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (knownTenantId(c) === null && headerOf(c) === undefined && !c.get('principal')) {
    const host = requestHostname(c);
    if (host) {
      c.set('tenantLookups', (c.get('tenantLookups') ?? 0) + 1);
      const tenant = await tenantByDomain(ctxOf(c), host);
      if (tenant) {
        c.set('tenantByHost', tenant);
        setBounded(domainTenants, host, { tenantId: tenant.id, at: Date.now() }, 1000);
      }
    }
  }
  await next();
};

/**
 * Global middleware, after `authenticate`: the request's one service context (`c.var.ctx`).
 * Its `tenantId` is read on use, so routes that need no tenant (health, token refresh) are
 * not refused for naming none.
 */
export const bindContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const ctx: ServiceContext = {
    env: c.env,
    stores: c.get('stores'),
    logger: c.get('logger'),
    requestId: c.get('requestId') ?? null,
    principal: c.get('principal') ?? null,
    get tenantId() {
      return tenantIdOrProblem(c);
    },
  };
  c.set('ctx', ctx);
  await next();
};

/** The request's service context (built once by `bindContext`). */
export const ctxOf = (c: Context<AppEnv>): ServiceContext => c.get('ctx');

/** The tenant id of the request (no query unless it comes from the Host). */
export async function tenantIdOfRequest(c: Context<AppEnv>): Promise<string> {
  return (await tenantOfRequestOrId(c)).id;
}

async function tenantOfRequestOrId(c: Context<AppEnv>): Promise<{ id: string; row?: Tenant }> {
  const byHost = c.get('tenantByHost');
  if (byHost && !c.get('principal') && headerOf(c) === undefined) return { id: byHost.id, row: byHost };
  return { id: tenantIdOrProblem(c) };
}

/** The tenant row of the request; 404 when a named tenant does not exist. */
export async function tenantOfRequest(c: Context<AppEnv>): Promise<Tenant> {
  const { id, row } = await tenantOfRequestOrId(c);
  if (row) return row;
  const tenant = await tenantById(ctxOf(c), id);
  if (!tenant) throw problems.notFound('Tenant');
  return tenant;
}
