/** Users and API keys as the API shows them: never hashes or secrets, ISO timestamps. */
import type { apiKeys } from '../../db/pg/schema/index.ts';
import type { Identity } from './model.ts';

/** The public view of a user, never hashes or secrets. */
export function publicUser(identity: Pick<Identity, 'user' | 'roles' | 'permissions'>) {
  const u = identity.user;
  return {
    id: u.id,
    tenantId: u.tenantId,
    email: u.email,
    username: u.username,
    firstName: u.firstName,
    lastName: u.lastName,
    authProvider: u.authProvider,
    status: u.status,
    emailVerified: u.emailVerified,
    accountLocked: u.accountLocked,
    tfaEnabled: u.tfaEnabled,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    roles: identity.roles,
    permissions: identity.permissions,
  };
}

export type PublicUser = ReturnType<typeof publicUser>;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string | null;
  scopes: string[];
  revoked: boolean;
  expiresAt: string;
  lastUsedAt: string | null;
  createdAt: string;
}

export function apiKeyView(row: typeof apiKeys.$inferSelect): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.keyPrefix,
    scopes: row.scopes,
    revoked: row.revoked,
    expiresAt: row.expiresAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
