/**
 * Apply the drizzle migrations in <repo>/drizzle (schema + hand-written roles, RLS,
 * RBAC seed) to a database, then optionally create the app's LOGIN role.
 *
 *   await migratePostgres({ url });                                        // owner/superuser url
 *   await migratePostgres({ url, appUser: { name: 'ecommerce_api', password } });
 *
 * The app then connects as `appUser`: a member of ecommerce_app, NOBYPASSRLS, so
 * every query is subject to the tenant_isolation_policy. The password comes from the
 * caller (env/secret), never from the repo.
 *
 * Idempotent: drizzle records applied migrations in drizzle.__drizzle_migrations;
 * the role step creates-or-updates. A session advisory lock serialises concurrent
 * runs against the same database; role creation tolerates concurrent runs against
 * other databases of the same cluster (roles are cluster-wide).
 */
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** <repo>/drizzle, independent of the current working directory. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle/', import.meta.url));
export const MIGRATIONS_SCHEMA = 'drizzle';
/** Group role granted to the app's login role (created by drizzle/0001_roles.sql). */
export const APP_GROUP_ROLE = 'ecommerce_app';

const LOCK_KEY = 'ecommerce-edge:drizzle-migrations';

export async function migratePostgres(opts: {
  url: string;
  appUser?: { name: string; password: string };
}): Promise<void> {
  // One connection: the advisory lock, the migrator's transaction and the role
  // statements share the same session.
  const sql = postgres(opts.url, { max: 1, onnotice: () => {}, connect_timeout: 30 });
  try {
    await sql`select pg_advisory_lock(hashtext(${LOCK_KEY}))`;
    try {
      const db = drizzle({ client: sql });
      await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER, migrationsSchema: MIGRATIONS_SCHEMA });
      if (opts.appUser) await ensureAppLoginRole(sql, opts.appUser.name, opts.appUser.password);
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${LOCK_KEY}))`.catch(() => {});
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const DUPLICATE_OBJECT = '42710';
const UNIQUE_VIOLATION = '23505';

async function ensureAppLoginRole(sql: postgres.Sql, name: string, password: string): Promise<void> {
  if (!name) throw new Error('appUser.name is empty');
  if (!password) throw new Error('appUser.password is empty');
  // Utility statements take no bind parameters: let the server quote (%I / %L).
  const stmt = async (template: string): Promise<string> => {
    const [row] = await sql<{ s: string }[]>`select format(${template}, ${name}::text, ${password}::text) as s`;
    return row!.s;
  };

  const [existing] = await sql<{ rolsuper: boolean; rolbypassrls: boolean }[]>`
    select rolsuper, rolbypassrls from pg_catalog.pg_roles where rolname = ${name}`;
  if (!existing) {
    try {
      await sql.unsafe(
        await stmt(
          'CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L',
        ),
      );
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Created meanwhile by a migration of another database in the same cluster.
      if (code !== DUPLICATE_OBJECT && code !== UNIQUE_VIOLATION) throw err;
      await sql.unsafe(await stmt('ALTER ROLE %I WITH LOGIN PASSWORD %L'));
    }
  } else {
    if (existing.rolsuper || existing.rolbypassrls) {
      throw new Error(`role ${name} is SUPERUSER or BYPASSRLS: row-level security would not apply to it`);
    }
    await sql.unsafe(await stmt('ALTER ROLE %I WITH LOGIN PASSWORD %L'));
  }

  const [member] = await sql<{ ok: boolean }[]>`
    select pg_has_role(${name}::name, ${APP_GROUP_ROLE}::name, 'MEMBER') as ok`;
  if (!member?.ok) {
    const [row] = await sql<
      { s: string }[]
    >`select format('GRANT %I TO %I', ${APP_GROUP_ROLE}::text, ${name}::text) as s`;
    await sql.unsafe(row!.s);
  }
}
