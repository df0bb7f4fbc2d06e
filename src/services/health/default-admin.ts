/**
 * A deployment whose platform ADMIN still signs in with the development seed's password is
 * open to anyone who has read the README. Health (staging, production) asks PostgreSQL for the
 * platform tenant's active ADMINs and verifies each hash against that password: one statement
 * and one PBKDF2 verification per admin, remembered per isolate for a minute so a health probe
 * every few seconds costs nothing. `npm run admin:password` sets a new password.
 */
import { and, eq } from 'drizzle-orm';

import { roles, userRoles, users } from '../../db/pg/schema/auth.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { DEVELOPMENT_ADMIN_PASSWORD, verifyPassword } from '../../lib/passwords.ts';
import type { ServiceContext } from '../context.ts';

const REMEMBER_MS = 60_000;
let remembered: { tenantId: string; at: number; usernames: string[] } | undefined;

/** What the last check found (no query): the configuration guard refuses requests while it is non-empty. */
export function knownDefaultPasswordAdmins(platformTenantId: string): string[] {
  return remembered && remembered.tenantId === platformTenantId ? remembered.usernames : [];
}

/**
 * Usernames of the platform tenant's (env.PLATFORM_TENANT_ID, not the context's tenant: health
 * names none) active ADMINs whose password is the development one.
 */
export async function platformAdminsOnDefaultPassword(ctx: Pick<ServiceContext, 'env' | 'stores'>): Promise<string[]> {
  const { stores } = ctx;
  const platformTenantId = ctx.env.PLATFORM_TENANT_ID;
  if (remembered && remembered.tenantId === platformTenantId && Date.now() - remembered.at < REMEMBER_MS)
    return remembered.usernames;
  const admins = await inTenantTx(stores.pg('auth').db, platformTenantId, (tx) =>
    tx
      .select({ username: users.username, passwordHash: users.passwordHash })
      .from(users)
      .innerJoin(userRoles, eq(userRoles.userId, users.id))
      .innerJoin(roles, eq(roles.id, userRoles.roleId))
      .where(and(eq(roles.name, 'ADMIN'), eq(users.status, 'ACTIVE'))),
  );
  const usernames: string[] = [];
  for (const admin of admins) {
    if ((await verifyPassword(DEVELOPMENT_ADMIN_PASSWORD, admin.passwordHash)).ok) usernames.push(admin.username);
  }
  remembered = { tenantId: platformTenantId, at: Date.now(), usernames };
  return usernames;
}
