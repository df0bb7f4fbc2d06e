import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';

import { tenants } from '../../src/db/pg/schema/index.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { call, postJson } from './helpers.ts';
import { testStores } from './stores.ts';

/** Test fixtures for identity: every test gets its own tenant, so tests never collide. */
export const PASSWORD = 'Correct-Horse-42';

export interface TestUser {
  id: string;
  tenantId: string;
  email: string;
  username: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export async function createTenant(values: Partial<typeof tenants.$inferInsert> = {}): Promise<string> {
  const stores = testStores();
  try {
    const [row] = await stores
      .pg('auth')
      .db.insert(tenants)
      .values({ name: `t-${crypto.randomUUID()}`, ...values })
      .returning({ id: tenants.id });
    return row!.id;
  } finally {
    await stores.close();
  }
}

export async function registerUser(tenantId: string, overrides: Record<string, unknown> = {}): Promise<TestUser> {
  const handle = `u${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const body = {
    email: `${handle}@example.com`,
    username: handle,
    password: PASSWORD,
    firstName: 'Test',
    lastName: 'User',
    ...overrides,
  };
  const res = await postJson('/api/v1/auth/register', body, { 'x-tenant-id': tenantId });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  const session = (await res.json()) as { user: { id: string }; tokens: { accessToken: string; refreshToken: string } };
  return {
    id: session.user.id,
    tenantId,
    email: String(body.email).toLowerCase(),
    username: String(body.username),
    password: String(body.password),
    accessToken: session.tokens.accessToken,
    refreshToken: session.tokens.refreshToken,
  };
}

/**
 * An ADMIN of the platform tenant (PLATFORM_TENANT_ID). The tenants table is global
 * (no RLS): the platform tenant is created once, with room for every test's admin.
 */
export async function platformAdmin(): Promise<TestUser> {
  const id = env.PLATFORM_TENANT_ID;
  const stores = testStores();
  try {
    await stores
      .pg('auth')
      .db.insert(tenants)
      .values({ id, name: `platform-${id}`, maxUsers: 100_000 })
      .onConflictDoUpdate({ target: tenants.id, set: { maxUsers: sql`greatest(${tenants.maxUsers}, 100000)` } });
  } finally {
    await stores.close();
  }
  return grantRole(await registerUser(id), 'ADMIN');
}

/** An ADMIN of a fresh tenant. */
export async function tenantAdmin(): Promise<TestUser> {
  return grantRole(await registerUser(await createTenant()), 'ADMIN');
}

/** Gives a user a role directly in the database, then signs in again for a token carrying it. */
export async function grantRole(user: TestUser, role: 'ADMIN' | 'MANAGER' | 'SUPPORT' | 'USER'): Promise<TestUser> {
  const stores = testStores();
  try {
    await inTenantTx(stores.pg('auth').db, user.tenantId, (tx) =>
      tx.execute(sql`insert into auth.user_roles (user_id, role_id, tenant_id)
        select ${user.id}, id, ${user.tenantId} from auth.roles where name = ${role} on conflict do nothing`),
    );
  } finally {
    await stores.close();
  }
  return login(user);
}

export async function login(user: TestUser): Promise<TestUser> {
  const res = await postJson(
    '/api/v1/auth/login',
    { login: user.email, password: user.password },
    { 'x-tenant-id': user.tenantId },
  );
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const { tokens } = (await res.json()) as { tokens: { accessToken: string; refreshToken: string } };
  return { ...user, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
}

export function bearer(user: Pick<TestUser, 'accessToken'>): Record<string, string> {
  return { authorization: `Bearer ${user.accessToken}` };
}

/** Authenticated JSON request as `user`. */
export function as(
  user: Pick<TestUser, 'accessToken'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return call(path, {
    method,
    headers: { ...bearer(user), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
