/**
 * The tenant of a request, resolved the same way on every route:
 *  1. the verified credentials (token or API key): a X-Tenant-ID header is then ignored;
 *  2. else `X-Tenant-ID` (a UUID; 400 on `header.x-tenant-id` otherwise);
 *  3. else the tenant whose `domain` is the request's Host (one PostgreSQL query).
 * Nothing matches: 400 on `header.x-tenant-id`.
 *
 * Reads (catalog, reviews) need only the id; sign-in and registration need the row
 * (status, seats), loaded by the same resolution.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';

import type { Tenant } from '../db/pg/schema/index.ts';
import { isUuid } from '../lib/ids.ts';
import { problems } from '../lib/problem.ts';
import type { AppEnv } from '../lib/types.ts';
import { tenantByDomain, tenantById } from '../services/auth/index.ts';

type Resolved = { source: 'credentials' | 'header'; id: string } | { source: 'host'; tenant: Tenant };

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

async function resolve(c: Context<AppEnv>): Promise<Resolved> {
  const principal = c.get('principal');
  if (principal) return { source: 'credentials', id: principal.tenantId };
  const header = c.req.header('x-tenant-id');
  if (header !== undefined && header !== '') {
    if (!isUuid(header)) throw problems.validation([{ field: 'header.x-tenant-id', message: 'must be a UUID' }]);
    return { source: 'header', id: header.toLowerCase() };
  }
  const hostname = requestHostname(c);
  const tenant = hostname ? await tenantByDomain(c.get('stores').pg('auth').db, hostname) : undefined;
  if (!tenant) {
    throw problems.validation([
      { field: 'header.x-tenant-id', message: 'required without credentials (or call through the tenant domain)' },
    ]);
  }
  return { source: 'host', tenant };
}

/** The tenant id of the request (no query unless it comes from the Host). */
export async function tenantIdOfRequest(c: Context<AppEnv>): Promise<string> {
  const resolved = await resolve(c);
  return resolved.source === 'host' ? resolved.tenant.id : resolved.id;
}

/** The tenant row of the request; 404 when a named tenant does not exist. */
export async function tenantOfRequest(c: Context<AppEnv>): Promise<Tenant> {
  const resolved = await resolve(c);
  if (resolved.source === 'host') return resolved.tenant;
  const tenant = await tenantById(c.get('stores').pg('auth').db, resolved.id);
  if (!tenant) throw problems.notFound('Tenant');
  return tenant;
}
