import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

import { tenants, users } from '../../src/db/pg/schema/index.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { testStores, uniqueTenantName } from './stores.ts';

const stores = testStores();
const { db } = stores.pg('auth');
afterAll(() => stores.close());

const SEED_INDEXES = [
  'idx_users_email',
  'idx_users_username',
  'idx_users_tenant_id',
  'idx_users_provider_id',
  'idx_user_roles_user_id',
  'idx_user_roles_role_id',
  'idx_api_keys_key_value',
  'idx_api_keys_user_id',
  'idx_refresh_tokens_token',
  'idx_refresh_tokens_user_id',
  'idx_user_profiles_user_id',
  'idx_user_profiles_email',
  'idx_addresses_user_profile_id',
  'idx_orders_user_id',
  'idx_orders_order_number',
  'idx_orders_status',
  'idx_orders_created_at',
  'idx_order_items_order_id',
  'idx_order_items_product_id',
  'idx_saga_executions_aggregate_id',
  'idx_saga_executions_status',
  'idx_payments_order_id',
  'idx_payments_user_id',
  'idx_payments_status',
  'idx_payments_idempotency_key',
];

const SEED_TABLES: Record<string, string[]> = {
  auth: ['api_keys', 'permissions', 'refresh_tokens', 'role_permissions', 'roles', 'tenants', 'user_roles', 'users'],
  users: ['addresses', 'user_preferences', 'user_profiles'],
  orders: ['order_items', 'orders', 'saga_executions'],
  payments: ['payments'],
};
/** Tables added beyond the seed (each commented in the schema), all tenant-owned under RLS. */
const ADDED_TABLES: Record<string, string[]> = {
  auth: ['admin_audit_log'],
  orders: ['promotion_redemptions', 'promotions'],
  payments: ['refunds', 'webhook_events'],
};
/**
 * Added, and deliberately without RLS: `orders.saga_starts` holds order and tenant ids only and is
 * read across tenants by the scheduled sweeper (drizzle/0010_saga_durability.sql).
 */
const ADDED_UNSCOPED_TABLES: Record<string, string[]> = { orders: ['saga_starts'] };

describe('PostgreSQL through the Neon driver inside workerd', () => {
  it('answers a query over the WebSocket driver', async () => {
    const { rows } = await db.execute<{ answer: number; who: string }>(
      sql`select 41 + 1 as answer, current_user as who`,
    );
    expect(rows[0]).toEqual({ answer: 42, who: 'ecommerce_app_login' });
  });

  it('the application role is subject to RLS: no superuser, no BYPASSRLS', async () => {
    const { rows } = await db.execute<{ rolsuper: boolean; rolbypassrls: boolean }>(
      sql`select rolsuper, rolbypassrls from pg_roles where rolname = current_user`,
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
  });

  it('the read-only role may read every table and write none', async () => {
    const { rows } = await db.execute<{ can_select: boolean; can_write: boolean }>(sql`
      select bool_and(has_table_privilege('ecommerce_readonly', format('%I.%I', table_schema, table_name), 'SELECT')) as can_select,
             bool_or(has_table_privilege('ecommerce_readonly', format('%I.%I', table_schema, table_name), 'INSERT,UPDATE,DELETE')) as can_write
      from information_schema.tables where table_schema in ('auth', 'users', 'orders', 'payments')`);
    expect(rows[0]).toEqual({ can_select: true, can_write: false });
  });

  it('migrations created the 15 seed tables (and the added ones) in one schema per service', async () => {
    const { rows } = await db.execute<{ table_schema: string; table_name: string }>(sql`
      select table_schema, table_name from information_schema.tables
      where table_schema in ('auth', 'users', 'orders', 'payments') and table_type = 'BASE TABLE'
      order by 1, 2`);
    const found: Record<string, string[]> = {};
    for (const r of rows) (found[r.table_schema] ??= []).push(r.table_name);
    const expected = Object.fromEntries(
      Object.entries(SEED_TABLES).map(([schema, names]) => [
        schema,
        [...names, ...(ADDED_TABLES[schema] ?? []), ...(ADDED_UNSCOPED_TABLES[schema] ?? [])].sort(),
      ]),
    );
    expect(found).toEqual(expected);
    expect(rows).toHaveLength(
      15 + Object.values(ADDED_TABLES).flat().length + Object.values(ADDED_UNSCOPED_TABLES).flat().length,
    );
    const { rows: forced } = await db.execute<{ name: string }>(sql`
      select n.nspname || '.' || relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where relrowsecurity and relforcerowsecurity`);
    const added = Object.entries(ADDED_TABLES).flatMap(([schema, names]) => names.map((n) => `${schema}.${n}`));
    expect(forced.map((r) => r.name)).toEqual(expect.arrayContaining([...added, 'payments.payments']));
  });

  it('migrations created every seed index, the DESC one included', async () => {
    const { rows } = await db.execute<{ indexname: string; indexdef: string }>(sql`
      select indexname, indexdef from pg_indexes where schemaname in ('auth', 'users', 'orders', 'payments')`);
    const names = rows.map((r) => r.indexname);
    for (const name of SEED_INDEXES) expect(names).toContain(name);
    expect(rows.find((r) => r.indexname === 'idx_orders_created_at')?.indexdef).toContain('(created_at DESC)');
  });

  it('migrations created every seed CHECK, UNIQUE and FK constraint', async () => {
    const { rows } = await db.execute<{ table: string; name: string; type: string; def: string }>(sql`
      select c.conrelid::regclass::text as table, c.conname as name, c.contype as type, pg_get_constraintdef(c.oid) as def
      from pg_constraint c join pg_namespace n on n.oid = c.connamespace
      where n.nspname in ('auth', 'users', 'orders', 'payments')`);
    const checks = rows.filter((r) => r.type === 'c').map((r) => `${r.table}.${r.name}`);
    expect(checks).toEqual(
      expect.arrayContaining([
        'auth.users.chk_auth_provider',
        'auth.users.chk_status',
        'auth.roles.chk_role_name',
        'auth.permissions.chk_action',
        'auth.tenants.chk_status',
        'auth.tenants.chk_plan',
        'auth.refresh_tokens.chk_expiry',
        'users.user_profiles.chk_gender',
        'users.addresses.chk_type',
        'orders.orders.chk_status',
        'orders.orders.chk_payment_status',
        'orders.order_items.chk_quantity',
        'orders.order_items.chk_unit_price',
        'orders.saga_executions.chk_status',
        'payments.payments.chk_transaction_type',
        'payments.payments.chk_status',
        'payments.payments.chk_amount',
      ]),
    );
    const uniques = rows.filter((r) => r.type === 'u').map((r) => `${r.table} ${r.def}`);
    expect(uniques).toEqual(
      expect.arrayContaining([
        'auth.users UNIQUE (email)',
        'auth.users UNIQUE (username)',
        'auth.roles UNIQUE (name)',
        'auth.permissions UNIQUE (name)',
        'auth.api_keys UNIQUE (key_value)',
        'auth.tenants UNIQUE (name)',
        'auth.tenants UNIQUE (domain)',
        'auth.refresh_tokens UNIQUE (token)',
        'users.user_profiles UNIQUE (user_id)',
        'users.user_preferences UNIQUE (user_profile_id)',
        'orders.orders UNIQUE (order_number)',
        'payments.payments UNIQUE (order_id)',
        'payments.payments UNIQUE (idempotency_key)',
      ]),
    );
    const fks = rows.filter((r) => r.type === 'f').map((r) => `${r.table} ${r.def}`);
    expect(fks).toEqual(
      expect.arrayContaining([
        'auth.users FOREIGN KEY (tenant_id) REFERENCES auth.tenants(id)',
        'auth.user_roles FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE',
        'auth.user_roles FOREIGN KEY (role_id) REFERENCES auth.roles(id) ON DELETE CASCADE',
        'auth.role_permissions FOREIGN KEY (role_id) REFERENCES auth.roles(id) ON DELETE CASCADE',
        'auth.role_permissions FOREIGN KEY (permission_id) REFERENCES auth.permissions(id) ON DELETE CASCADE',
        'auth.api_keys FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE',
        'auth.refresh_tokens FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE',
        'users.addresses FOREIGN KEY (user_profile_id) REFERENCES users.user_profiles(id) ON DELETE CASCADE',
        'users.user_preferences FOREIGN KEY (user_profile_id) REFERENCES users.user_profiles(id) ON DELETE CASCADE',
        'orders.order_items FOREIGN KEY (order_id) REFERENCES orders.orders(id) ON DELETE CASCADE',
      ]),
    );
    // Service boundaries: no FK crosses from one service schema into another.
    expect(fks.filter((f) => !f.startsWith('auth.') && f.includes('REFERENCES auth.'))).toEqual([]);
  });

  it('seeds the roles and permissions of the seed, plus the account scopes every role holds', async () => {
    const { rows } = await db.execute<{ role: string; permissions: string[] }>(sql`
      select r.name as role, array_agg(p.name order by p.name) as permissions
      from auth.roles r join auth.role_permissions rp on rp.role_id = r.id join auth.permissions p on p.id = rp.permission_id
      group by r.name order by r.name`);
    expect(rows.map((r) => r.role)).toEqual(['ADMIN', 'MANAGER', 'SUPPORT', 'USER']);
    expect(rows.find((r) => r.role === 'ADMIN')?.permissions).toEqual([
      'delete:products',
      'read:orders',
      'read:products',
      'read:profile',
      'write:orders',
      'write:products',
      'write:profile',
      'write:reviews',
    ]);
    for (const row of rows)
      expect(row.permissions).toEqual(expect.arrayContaining(['read:profile', 'write:profile', 'write:reviews']));
  });
});

describe('row-level security isolates tenants (application role)', () => {
  async function tenantWithUser(label: string) {
    const [tenant] = await db
      .insert(tenants)
      .values({ name: uniqueTenantName(label) })
      .returning();
    const id = tenant!.id;
    const email = `${label}-${crypto.randomUUID()}@example.com`;
    const [user] = await inTenantTx(db, id, (tx) =>
      tx
        .insert(users)
        .values({ tenantId: id, email, username: email.split('@')[0]!, passwordHash: 'x' })
        .returning(),
    );
    return { tenantId: id, userId: user!.id };
  }

  it("tenant A cannot see or update tenant B's users", async () => {
    const a = await tenantWithUser('a');
    const b = await tenantWithUser('b');

    const visible = await inTenantTx(db, a.tenantId, (tx) =>
      tx.select({ id: users.id, tenantId: users.tenantId }).from(users),
    );
    expect(visible.map((u) => u.id)).toContain(a.userId);
    expect(visible.every((u) => u.tenantId === a.tenantId)).toBe(true);

    const updated = await inTenantTx(db, a.tenantId, (tx) =>
      tx.update(users).set({ firstName: 'pwned' }).where(eq(users.id, b.userId)).returning(),
    );
    expect(updated).toEqual([]);
    const deleted = await inTenantTx(db, a.tenantId, (tx) =>
      tx.delete(users).where(eq(users.id, b.userId)).returning(),
    );
    expect(deleted).toEqual([]);

    const [stillB] = await inTenantTx(db, b.tenantId, (tx) => tx.select().from(users).where(eq(users.id, b.userId)));
    expect(stillB?.firstName).toBeNull();
  });

  it('a row cannot be written into another tenant', async () => {
    const a = await tenantWithUser('a');
    const b = await tenantWithUser('b');
    await expect(
      inTenantTx(db, a.tenantId, (tx) =>
        tx.insert(users).values({
          tenantId: b.tenantId,
          email: `x-${crypto.randomUUID()}@e.com`,
          username: crypto.randomUUID(),
          passwordHash: 'x',
        }),
      ),
    ).rejects.toThrow();
  });

  it('without a tenant set, no user is visible', async () => {
    await tenantWithUser('c');
    const rows = await db.select({ id: users.id }).from(users);
    expect(rows).toEqual([]);
  });
});
