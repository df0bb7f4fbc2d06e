import { eq, sql } from 'drizzle-orm';

import { tenants, type Tenant } from '../../db/pg/schema/index.ts';
import type { ServiceContext } from '../context.ts';
import { authErrors } from './errors.ts';

/** The tenant with this id, if any. */
export async function tenantById(ctx: ServiceContext, id: string): Promise<Tenant | undefined> {
  const [tenant] = await ctx.stores.pg('auth').db.select().from(tenants).where(eq(tenants.id, id)).limit(1);
  return tenant;
}

/** The tenant whose `domain` is this host name (compared case-insensitively), if any. */
export async function tenantByDomain(ctx: ServiceContext, hostname: string): Promise<Tenant | undefined> {
  const [tenant] = await ctx.stores
    .pg('auth')
    .db.select()
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
