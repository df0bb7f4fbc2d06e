import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/pg/client.ts';
import { tenants, type Tenant } from '../../db/pg/schema/index.ts';
import { Problem, problems } from '../../lib/problem.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tenant of an unauthenticated call (register, login, refresh by header):
 * the `X-Tenant-ID` header, else the tenant whose `domain` is the request's Host.
 * One query either way.
 */
export async function resolveTenant(db: Database, headerTenantId: string | undefined, host: string | undefined): Promise<Tenant> {
  if (headerTenantId) {
    if (!UUID.test(headerTenantId)) throw problems.validation([{ field: 'header.x-tenant-id', message: 'must be a UUID' }]);
    const [tenant] = await db.select().from(tenants).where(eq(tenants.id, headerTenantId)).limit(1);
    if (!tenant) throw problems.notFound('Tenant');
    return tenant;
  }
  const hostname = host?.split(':')[0]?.toLowerCase();
  const [tenant] = hostname ? await db.select().from(tenants).where(eq(sql`lower(${tenants.domain})`, hostname)).limit(1) : [];
  if (!tenant) throw problems.validation([{ field: 'header.x-tenant-id', message: 'required (or call through the tenant domain)' }]);
  return tenant;
}

/** A SUSPENDED or DELETED tenant admits no logins, registrations or refreshes. */
export function assertTenantActive(tenant: Pick<Tenant, 'status'>): void {
  if (tenant.status !== 'ACTIVE') {
    throw new Problem(403, 'tenant-inactive', 'Tenant inactive', 'This tenant is not active.');
  }
}
