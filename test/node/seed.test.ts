/**
 * `npm run db:seed` (scripts/lib/seed.ts) against the test PostgreSQL: creates the
 * platform tenant and an ADMIN that can sign in, and running it again changes nothing.
 */
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { seedDatabase, seedSettingsFromEnv } from '../../scripts/lib/seed.ts';
import { verifyPassword } from '../../src/lib/passwords.ts';

const ownerUrl = inject('ownerDatabaseUrl');
const sql = postgres(ownerUrl, { max: 1, onnotice: () => {} });
afterAll(() => sql.end());

describe('bootstrap seed', () => {
  it('creates the tenant and its ADMIN once, with profile and preferences, and a password that verifies', async () => {
    const tenantId = crypto.randomUUID();
    const settings = {
      ...seedSettingsFromEnv({ PLATFORM_TENANT_ID: tenantId, SEED_ADMIN_EMAIL: `Root-${tenantId}@Example.com` }),
      tenantName: `seeded-${tenantId}`,
      tenantDomain: `${tenantId}.example.com`,
      adminUsername: `root-${tenantId}`,
    };
    expect(await seedDatabase(ownerUrl, settings)).toEqual({ createdAdmin: true });
    expect(await seedDatabase(ownerUrl, settings)).toEqual({ createdAdmin: false });

    // The owner connection is not subject to RLS: filter by tenant, as other files add users meanwhile.
    const rows = await sql.begin(async (tx) => {
      await tx`select set_config('app.current_tenant', ${tenantId}, true)`;
      return tx`
        select u.email, u.password_hash, u.email_verified,
               array(select r.name from auth.user_roles ur join auth.roles r on r.id = ur.role_id where ur.user_id = u.id order by 1) as roles,
               (select count(*)::int from users.user_profiles p where p.user_id = u.id) as profiles,
               (select count(*)::int from users.user_preferences pr join users.user_profiles p on p.id = pr.user_profile_id where p.user_id = u.id) as preferences
        from auth.users u where u.tenant_id = ${tenantId}`;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      email: `root-${tenantId}@example.com`,
      email_verified: true,
      roles: ['ADMIN', 'USER'],
      profiles: 1,
      preferences: 1,
    });
    expect((await verifyPassword(settings.adminPassword, rows[0]!.password_hash as string)).ok).toBe(true);
    const [tenant] = await sql`select status, plan, domain from auth.tenants where id = ${tenantId}`;
    expect(tenant).toMatchObject({ status: 'ACTIVE', plan: 'ENTERPRISE', domain: `${tenantId}.example.com` });
  });
});
