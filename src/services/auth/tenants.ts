import { eq, sql } from 'drizzle-orm';

import type { Database } from '../../db/pg/client.ts';
import { tenants, type Tenant } from '../../db/pg/schema/index.ts';
import { authErrors } from './errors.ts';

/** The tenant with this id, if any. */
export async function tenantById(db: Database, id: string): Promise<Tenant | undefined> {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, id)).limit(1);
  return tenant;
}

/** The tenant whose `domain` is this host name (compared case-insensitively), if any. */
export async function tenantByDomain(db: Database, hostname: string): Promise<Tenant | undefined> {
  const [tenant] = await db
    .select()
    .from(tenants)
    .where(eq(sql`lower(${tenants.domain})`, hostname.toLowerCase()))
    .limit(1);
  return tenant;
}

/** A SUSPENDED or DELETED tenant admits no logins, registrations or refreshes. */
export function assertTenantActive(tenant: Pick<Tenant, 'status'>): void {
  if (tenant.status !== 'ACTIVE') {
    throw authErrors.tenantInactive();
  }
}
