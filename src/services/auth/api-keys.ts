import { and, desc, eq, sql } from 'drizzle-orm';

import { apiKeys } from '../../db/pg/schema/index.ts';
import { inTenantBatch, inTenantRead } from '../../db/pg/tenant-tx.ts';
import { randomToken, sha256Hex } from '../../lib/bytes.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { callerOf } from './caller.ts';
import { authErrors } from './errors.ts';
import type { Principal } from './model.ts';
import { notifySecurityEvent } from './security-events.ts';
import { apiKeyView, type ApiKeyView } from './views.ts';

/**
 * API keys for service-to-service calls. A key is `ek_<tenantId>_<43 random chars>`,
 * shown once at creation. Stored: its SHA-256 (`key_value`) and a short non-secret
 * prefix for display. Scopes are a subset of the owner's permissions at creation,
 * and at use the key gets scopes ∩ the owner's current permissions (and no roles).
 */
const API_KEY = /^ek_([0-9a-f-]{36})_([A-Za-z0-9_-]{43})$/;

/** A new key of the caller's, shown once: one INSERT (one round trip on the HTTP path), then the owner is told. */
export async function createApiKey(
  ctx: ServiceContext,
  input: { name: string; scopes: string[]; expiresInDays: number },
): Promise<{ key: string; apiKey: ApiKeyView }> {
  const owner = callerOf(ctx);
  const outside = input.scopes.filter((s) => !owner.permissions.includes(s));
  if (outside.length > 0) {
    throw authErrors.scopeExceedsPermissions(outside);
  }
  const secret = randomToken(32);
  const key = `ek_${owner.tenantId}_${secret}`;
  const keyValue = await sha256Hex(key);
  const [[row]] = await inTenantBatch(ctx.stores.pg('auth'), owner.tenantId, (db) => [
    db
      .insert(apiKeys)
      .values({
        tenantId: owner.tenantId,
        userId: owner.userId,
        name: input.name,
        keyValue,
        keyPrefix: `ek_${secret.slice(0, 8)}`,
        scopes: [...new Set(input.scopes)].sort(),
        expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
      })
      .returning(),
  ]);
  const apiKey = apiKeyView(row!);
  // Tell the owner: a key they did not create is a compromised account.
  await notifySecurityEvent(ctx, {
    tenantId: owner.tenantId,
    userId: owner.userId,
    type: 'API_KEY_CREATED',
    key: apiKey.id,
    data: { keyName: apiKey.name, keyPrefix: apiKey.prefix ?? '' },
  });
  return { key, apiKey };
}

/** The caller's keys, newest first: one read. */
export async function listApiKeys(ctx: ServiceContext): Promise<ApiKeyView[]> {
  const owner = callerOf(ctx);
  const rows = await inTenantRead(ctx.stores.pg('auth'), owner.tenantId, (tx) =>
    tx.select().from(apiKeys).where(eq(apiKeys.userId, owner.userId)).orderBy(desc(apiKeys.createdAt)),
  );
  return rows.map(apiKeyView);
}

/** Revokes one of the caller's keys in one UPDATE; another user's key is "not found". */
export async function revokeApiKey(ctx: ServiceContext, input: { id: string }): Promise<void> {
  const owner = callerOf(ctx);
  const [rows] = await inTenantBatch(ctx.stores.pg('auth'), owner.tenantId, (db) => [
    db
      .update(apiKeys)
      .set({ revoked: true, updatedAt: sql`now()` })
      .where(and(eq(apiKeys.id, input.id), eq(apiKeys.userId, owner.userId)))
      .returning({ id: apiKeys.id }),
  ]);
  if (rows.length === 0) throw authErrors.apiKeyNotFound();
}

/** One statement (auth.use_api_key): tenant, validity, last_used_at, owner's rights. */
interface ApiKeyUse extends Record<string, unknown> {
  key_id: string;
  user_id: string;
  scopes: string[];
  permissions: string[];
  roles: string[];
}

/**
 * The principal of an `X-API-Key`. Runs in the authentication middleware, before the request's
 * context exists (the principal is what it is missing), so it takes only the stores.
 */
export async function authenticateApiKey(ctx: Pick<ServiceContext, 'stores'>, key: string): Promise<Principal> {
  const pg = ctx.stores.pg('auth');
  const match = API_KEY.exec(key);
  if (!match) throw problems.unauthorized('The API key is invalid.');
  const tenantId = match[1]!;
  const hash = await sha256Hex(key);
  // One statement in its own transaction, as the app role in the key's tenant (the function is
  // granted to that role): one request on the HTTP path, where the pool paid a connection too.
  const [{ rows }] = await inTenantBatch(pg, tenantId, (db) => [
    db.execute<ApiKeyUse>(sql`select * from auth.use_api_key(${tenantId}::uuid, ${hash})`),
  ]);
  const row = rows[0];
  if (!row) throw problems.unauthorized('The API key is invalid, revoked or expired.');
  return {
    userId: row.user_id,
    tenantId,
    // A key carries permissions (its scopes), never roles: role-gated routes need a user token.
    roles: [],
    permissions: row.scopes.filter((s) => row.permissions.includes(s)),
    method: 'api-key',
    apiKeyId: row.key_id,
  };
}
