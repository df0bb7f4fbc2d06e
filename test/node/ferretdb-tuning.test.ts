/**
 * scripts/lib/ferretdb-tuning.ts on a real FerretDB v1.24 on the test stack's PostgreSQL:
 * the GIN indexes exist for the migrated collections, and the statement FerretDB sends for
 * an equality filter (`_jsonb->$1 @> $2`, prepared) uses them only with custom plans.
 */
import { MongoClient, ObjectId } from 'mongodb';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { FERRETDB_GIN_FIELDS, tuneFerretDbOnPostgres, withCustomPlans } from '../../scripts/lib/ferretdb-tuning.ts';
import { startFerretDb, type RunningFerretDb } from '../../scripts/lib/ferretdb.ts';
import { migrateMongo } from '../../scripts/lib/mongo-migrate.ts';

const DB = `ferret_tuning_${Date.now()}`;
let ferret: RunningFerretDb;
let ferretUrl: string;
let sql: postgres.Sql;

beforeAll(async () => {
  const owner = postgres(inject('ownerDatabaseUrl'), { max: 1, onnotice: () => {} });
  await owner.unsafe(`create database ${DB}`);
  await owner.end();
  const u = new URL(inject('ownerDatabaseUrl'));
  u.pathname = `/${DB}`;
  ferretUrl = u.toString();
  ferret = await startFerretDb({ postgresqlUrl: ferretUrl });
  await migrateMongo({ uri: ferret.uri, database: 'shop' });
  const client = await MongoClient.connect(ferret.uri);
  const docs = Array.from({ length: 2000 }, (_, i) => ({
    _id: new ObjectId(),
    tenantId: 't1',
    slug: `p-${i}`,
    name: `P ${i}`,
  }));
  await client.db('shop').collection('products').insertMany(docs);
  await client.close();
  sql = postgres(ferretUrl, { max: 1, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await ferret?.stop();
  const owner = postgres(inject('ownerDatabaseUrl'), { max: 1, onnotice: () => {} });
  await owner.unsafe(`drop database if exists ${DB} with (force)`).catch(() => undefined);
  await owner.end();
});

describe('FerretDB on PostgreSQL tuning', () => {
  it('creates a GIN index per hot field, sets custom plans on the database, and is idempotent', async () => {
    const first = await tuneFerretDbOnPostgres(ferretUrl, 'shop');
    expect(first.indexes).toContain('products.slug');
    expect(first.indexes.length).toBe(
      Object.values(FERRETDB_GIN_FIELDS).flat().length -
        first.missingCollections.flatMap((c) => FERRETDB_GIN_FIELDS[c]!).length,
    );
    const again = await tuneFerretDbOnPostgres(ferretUrl, 'shop');
    expect(again.indexes).toEqual(first.indexes);
    const gin =
      await sql`select indexname, indexdef from pg_indexes where schemaname = 'shop' and indexdef like '%USING gin%'`;
    expect(gin.length).toBe(first.indexes.length);
    expect(gin.map((r) => String(r.indexdef)).join('\n')).toMatch(/_jsonb -> 'slug'::text\)+ jsonb_path_ops/);
    const [setting] =
      await sql`select array_to_string(setconfig, ',') as config from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase where d.datname = ${DB}`;
    expect(setting?.config).toContain('plan_cache_mode=force_custom_plan');
    expect(withCustomPlans('postgres://u@h:1/db?sslmode=disable')).toBe(
      'postgres://u@h:1/db?sslmode=disable&plan_cache_mode=force_custom_plan',
    );
  });

  it("FerretDB's prepared equality filter uses the GIN index with custom plans, and scans without them", async () => {
    const [{ table }] = (await sql.unsafe(
      `select _jsonb->>'table' as "table" from shop._ferretdb_database_metadata where _jsonb->>'_id' = 'products'`,
    )) as unknown as [{ table: string }];
    const plan = async (mode: string) =>
      sql.begin(async (tx) => {
        await tx.unsafe(`set local plan_cache_mode = ${mode}`);
        await tx.unsafe(`prepare probe(text, jsonb) as select _jsonb from shop."${table}" where _jsonb->$1 @> $2`);
        const rows = await tx.unsafe(`explain execute probe('slug', '"p-42"')`);
        await tx.unsafe('deallocate probe');
        return rows.map((r) => String(r['QUERY PLAN'])).join('\n');
      });
    expect(await plan('force_custom_plan')).toMatch(/_slug_gin/);
    expect(await plan('force_generic_plan')).toMatch(/Seq Scan/);
  });
});
