/**
 * Bootstrap data: the platform tenant and its first ADMIN, so a new install can sign
 * in at once. Idempotent: an existing tenant or user is left as it is.
 *
 * Settings (environment, with development defaults):
 *   PLATFORM_TENANT_ID   00000000-0000-4000-8000-000000000001 (as in wrangler.toml)
 *   SEED_TENANT_NAME     Default            SEED_TENANT_DOMAIN  localhost
 *   SEED_ADMIN_EMAIL     admin@example.com  SEED_ADMIN_USERNAME admin
 *   SEED_ADMIN_PASSWORD  Change-Me-Dev-42    (change it, or set it, outside development)
 */
import postgres from 'postgres';

import { hashPassword } from '../../src/lib/passwords.ts';
import { DEVELOPMENT_ADMIN_PASSWORD } from '../../src/services/health/configuration.ts';

export interface SeedSettings {
  tenantId: string;
  tenantName: string;
  tenantDomain: string;
  adminEmail: string;
  adminUsername: string;
  adminPassword: string;
}

export function seedSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SeedSettings {
  return {
    tenantId: env.PLATFORM_TENANT_ID ?? '00000000-0000-4000-8000-000000000001',
    tenantName: env.SEED_TENANT_NAME ?? 'Default',
    tenantDomain: env.SEED_TENANT_DOMAIN ?? 'localhost',
    adminEmail: (env.SEED_ADMIN_EMAIL ?? 'admin@example.com').toLowerCase(),
    adminUsername: env.SEED_ADMIN_USERNAME ?? 'admin',
    // A staging or production Worker refuses to serve while a platform ADMIN still has this password.
    adminPassword: env.SEED_ADMIN_PASSWORD ?? DEVELOPMENT_ADMIN_PASSWORD,
  };
}

/** Runs as the owner; FORCE RLS applies to it too, so the tenant is set per transaction. */
export async function seedDatabase(ownerUrl: string, s: SeedSettings): Promise<{ createdAdmin: boolean }> {
  const sql = postgres(ownerUrl, { max: 1, onnotice: () => {} });
  try {
    const passwordHash = await hashPassword(s.adminPassword);
    return await sql.begin(async (tx) => {
      await tx`insert into auth.tenants (id, name, domain, plan, max_users)
               values (${s.tenantId}, ${s.tenantName}, ${s.tenantDomain}, 'ENTERPRISE', 100000)
               on conflict do nothing`;
      await tx`select set_config('app.current_tenant', ${s.tenantId}, true)`;
      const existing = await tx`select id from auth.users where lower(email) = ${s.adminEmail}`;
      if (existing.length > 0) return { createdAdmin: false };
      const [user] =
        await tx`insert into auth.users (tenant_id, email, username, password_hash, first_name, last_name, email_verified)
               values (${s.tenantId}, ${s.adminEmail}, ${s.adminUsername}, ${passwordHash}, 'Platform', 'Admin', true)
               returning id`;
      await tx`insert into auth.user_roles (user_id, role_id, tenant_id)
               select ${user!.id}, id, ${s.tenantId} from auth.roles where name in ('ADMIN', 'USER')`;
      const [profile] = await tx`insert into users.user_profiles (tenant_id, user_id, email, first_name, last_name)
               values (${s.tenantId}, ${user!.id}, ${s.adminEmail}, 'Platform', 'Admin') returning id`;
      await tx`insert into users.user_preferences (tenant_id, user_profile_id) values (${s.tenantId}, ${profile!.id})`;
      return { createdAdmin: true };
    });
  } finally {
    await sql.end();
  }
}
