/**
 * Makes FerretDB v1.24 on PostgreSQL use indexes for the app's hot equality filters.
 *
 * Measured (issue 10): FerretDB pushes an equality filter down as `_jsonb->$1 @> $2` in a
 * prepared statement. The btree indexes it creates for MongoDB indexes never match that
 * expression, so every lookup scans the collection's table. Two changes let PostgreSQL use an
 * index:
 *  - a GIN index on `(_jsonb->'<field>') jsonb_path_ops` per hot field (containment `@>`);
 *  - `plan_cache_mode=force_custom_plan` on FerretDB's connections, so each statement is
 *    planned with the field name bound (a generic plan sees `_jsonb->$1` and cannot match
 *    the expression index). Passed as a runtime parameter in FerretDB's connection URL
 *    (pgx sends unknown URL parameters to the server), and set on the database as well.
 * A slug lookup at 100,000 products went from ~111 ms to ~7 ms. Sorts and ranges stay in
 * FerretDB (it sorts in memory after reading every matching document): lists still grow
 * with the number of matching documents.
 *
 * Only top-level fields: FerretDB v1 pushes down equality on top-level fields only.
 */
import postgres from 'postgres';

/** Collection -> top-level fields filtered by equality on hot paths (src/services/...). */
export const FERRETDB_GIN_FIELDS: Record<string, string[]> = {
  // `_id` too: a filter of _id plus another field is pushed down as containment, not as an _id lookup.
  products: ['_id', 'tenantId', 'slug', 'sku'],
  product_events: ['aggregateId'],
  categories: ['_id', 'tenantId', 'slug', 'parentId'],
  reviews: ['_id', 'tenantId', 'productId', 'userId'],
  review_votes: ['reviewId'],
  review_reports: ['reviewId'],
  notifications: ['tenantId', 'userId'],
};

/** FerretDB's PostgreSQL URL with the custom-plan runtime parameter. */
export function withCustomPlans(postgresqlUrl: string): string {
  const u = new URL(postgresqlUrl);
  u.searchParams.set('plan_cache_mode', 'force_custom_plan');
  return u.toString();
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

export interface TuningResult {
  indexes: string[];
  missingCollections: string[];
}

/** The URL of FerretDB's own database (`ferretdb`) on the stack's PostgreSQL server. */
export function ferretDbDatabaseUrl(ownerDatabaseUrl: string): string {
  const u = new URL(ownerDatabaseUrl);
  u.pathname = '/ferretdb';
  return u.toString();
}

/**
 * Creates the GIN indexes for the collections of `database` (a FerretDB database is a
 * PostgreSQL schema; its `_ferretdb_database_metadata` table maps collections to tables) and
 * sets plan_cache_mode on FerretDB's PostgreSQL database. Idempotent; run after the Mongo
 * migrations created the collections.
 */
export async function tuneFerretDbOnPostgres(
  postgresqlUrl: string,
  database: string,
  log: (line: string) => void = () => {},
): Promise<TuningResult> {
  const sql = postgres(postgresqlUrl.replace(/\?.*$/, ''), { max: 1, onnotice: () => {} });
  const result: TuningResult = { indexes: [], missingCollections: [] };
  try {
    const [{ db }] = (await sql`select current_database() as db`) as unknown as [{ db: string }];
    await sql.unsafe(`alter database ${quoteIdent(db)} set plan_cache_mode = 'force_custom_plan'`);
    const rows = (await sql.unsafe(
      `select _jsonb->>'_id' as collection, _jsonb->>'table' as "table" from ${quoteIdent(database)}._ferretdb_database_metadata`,
    )) as unknown as { collection: string; table: string }[];
    const tables = new Map(rows.map((r) => [r.collection, r.table]));
    for (const [collection, fields] of Object.entries(FERRETDB_GIN_FIELDS)) {
      const table = tables.get(collection);
      if (!table) {
        result.missingCollections.push(collection);
        continue;
      }
      for (const field of fields) {
        const name = `${table}_${field}_gin`.slice(0, 63);
        await sql.unsafe(
          `create index if not exists ${quoteIdent(name)} on ${quoteIdent(database)}.${quoteIdent(table)} using gin ((_jsonb->${quoteLiteral(field)}) jsonb_path_ops)`,
        );
        result.indexes.push(`${collection}.${field}`);
      }
      await sql.unsafe(`analyze ${quoteIdent(database)}.${quoteIdent(table)}`);
    }
    log(`ferretdb tuning: GIN on ${result.indexes.length} fields, plan_cache_mode=force_custom_plan on ${db}`);
    return result;
  } finally {
    await sql.end();
  }
}
