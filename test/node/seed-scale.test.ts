/**
 * `npm run db:seed:scale` (scripts/lib/seed-scale/) against the test stack's PostgreSQL and
 * FerretDB: counts, consistency with the event-sourced catalog and the order totals, and a
 * resume after an interruption (checkpoint behind what was written) through the Data API, and a
 * large load's deferred unique indexes (in a database of its own: they are dropped meanwhile).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { migrateMongo } from '../../scripts/lib/mongo-migrate.ts';
import { migratePostgres } from '../../scripts/lib/pg-migrate.ts';
import { seedScale, type Checkpoint } from '../../scripts/lib/seed-scale/run.ts';
import { stateFromDoc, type ProductDoc } from '../../src/services/catalog/event-store.ts';
import { applyEvent, type ProductEvent } from '../../src/services/catalog/product-reducer.ts';

const tenantId = crypto.randomUUID();
const database = inject('bindings').MONGO_DATABASE!;
const checkpointFile = join(mkdtempSync(join(tmpdir(), 'seed-scale-')), 'checkpoint.json');
// PostgreSQL rows go to a database of their own: other node tests read the shared one as its owner.
const PG_DB = `seed_scale_${Date.now()}`;
let pgUrl = '';
let client: MongoClient;
let sql: postgres.Sql;

beforeAll(async () => {
  client = await MongoClient.connect(inject('mongoUri'));
  const owner = postgres(inject('ownerDatabaseUrl'), { max: 1, onnotice: () => {} });
  await owner.unsafe(`create database ${PG_DB}`);
  await owner.end();
  const u = new URL(inject('ownerDatabaseUrl'));
  u.pathname = `/${PG_DB}`;
  pgUrl = u.toString();
  await migratePostgres({ url: pgUrl });
  sql = postgres(pgUrl, { max: 1, onnotice: () => {} });
}, 120_000);
afterAll(async () => {
  await client?.close();
  await sql?.end();
  const owner = postgres(inject('ownerDatabaseUrl'), { max: 1, onnotice: () => {} });
  await owner.unsafe(`drop database if exists ${PG_DB} with (force)`).catch(() => undefined);
  await owner.end();
});

const cents = (text: string) => Math.round(Number(text) * 100);

describe('seed at scale', () => {
  it('loads products with their events and categories, users with profiles, orders with consistent totals', async () => {
    const cp = await seedScale({
      tenantId,
      products: 250,
      users: 60,
      orders: 90,
      batch: 100,
      databaseUrl: pgUrl,
      mongo: { uri: inject('mongoUri'), database },
      checkpointFile,
      quiet: true,
    });
    expect(cp.done).toEqual({ products: 250, users: 60, orders: 90 });
    const db = client.db(database);
    expect(await db.collection('products').countDocuments({ tenantId })).toBe(250);
    expect(await db.collection('product_events').countDocuments({ tenantId })).toBe(250);
    const cats = await db.collection('categories').find({ tenantId }).toArray();
    expect(cats).toHaveLength(40);
    expect(cats.reduce((s, c) => s + (c.productCount as number), 0)).toBe(250);
    for (const c of cats.filter((x) => x.level === 1).slice(0, 5)) {
      expect(await db.collection('products').countDocuments({ tenantId, 'category.id': c._id.toHexString() })).toBe(
        c.productCount,
      );
    }
    // Each document is the projection of its event (the catalog's own reducer).
    const docs = (await db.collection('products').find({ tenantId }).limit(25).toArray()) as unknown as ProductDoc[];
    for (const doc of docs) {
      const [event] = (await db
        .collection('product_events')
        .find({ aggregateId: doc._id.toHexString() })
        .project({ _id: 0 })
        .toArray()) as unknown as ProductEvent[];
      expect(stateFromDoc(doc)).toEqual(applyEvent(null, event!));
    }

    const [users] = await sql`select count(*)::int as n from auth.users where tenant_id = ${tenantId}`;
    const [profiles] = await sql`select count(*)::int as n from users.user_profiles where tenant_id = ${tenantId}`;
    const [roles] = await sql`select count(*)::int as n from auth.user_roles where tenant_id = ${tenantId}`;
    expect([users!.n, profiles!.n, roles!.n]).toEqual([60, 60, 60]);
    const orders = await sql`select o.id, o.subtotal, o.tax, o.shipping, o.discount, o.total, o.user_id,
      (select sum(total_price) from orders.order_items i where i.order_id = o.id) as items
      from orders.orders o where o.tenant_id = ${tenantId}`;
    expect(orders).toHaveLength(90);
    for (const o of orders) {
      expect(cents(o.items as string)).toBe(cents(o.subtotal as string));
      expect(cents(o.total as string)).toBe(
        cents(o.subtotal as string) +
          cents(o.tax as string) +
          cents(o.shipping as string) -
          cents(o.discount as string),
      );
    }
    const [orphans] = await sql`select count(*)::int as n from orders.orders o where o.tenant_id = ${tenantId}
      and not exists (select 1 from auth.users u where u.id = o.user_id)`;
    expect(orphans!.n).toBe(0);
  });

  it('resumes from the checkpoint, rewriting an interrupted batch without duplicates (through the Data API)', async () => {
    // As if the process died after writing 250 products but before recording the last batches.
    const cp = JSON.parse(readFileSync(checkpointFile, 'utf8')) as Checkpoint;
    cp.done.products = 120;
    writeFileSync(checkpointFile, JSON.stringify(cp));
    const bindings = inject('bindings');
    const after = await seedScale({
      tenantId,
      products: 400,
      users: 0,
      orders: 0,
      batch: 100,
      mongo: {
        dataApiUrl: bindings.MONGO_DATA_API_URL!,
        apiKey: bindings.MONGO_DATA_API_KEY!,
        dataSource: 'mongodb',
        database,
      },
      checkpointFile,
      quiet: true,
    });
    expect(after.done.products).toBe(400);
    const db = client.db(database);
    expect(await db.collection('products').countDocuments({ tenantId })).toBe(400);
    expect(await db.collection('product_events').countDocuments({ tenantId })).toBe(400);
    const cats = await db.collection('categories').find({ tenantId }).toArray();
    expect(cats.reduce((s, c) => s + (c.productCount as number), 0)).toBe(400);
  });

  it('defers the unique indexes of a large load and creates them again as they were, also after a crash', async () => {
    const own = `seed_defer_${Date.now()}`;
    const uri = inject('mongoUri');
    await migrateMongo({ uri, database: own });
    const db = client.db(own);
    const uniques = async () =>
      (await Promise.all(['products', 'product_events'].map((c) => db.collection(c).indexes())))
        .flat()
        .filter((ix) => ix.unique)
        .map(({ v: _v, ...ix }) => ix);
    const before = await uniques();
    expect(before.map((ix) => ix.name).sort()).toEqual(['aggregateId_1_version_1', 'tenantId_1_slug_1']);
    const file = join(mkdtempSync(join(tmpdir(), 'seed-defer-')), 'checkpoint.json');
    try {
      const load = (products: number) =>
        seedScale({
          tenantId,
          products,
          users: 0,
          orders: 0,
          batch: 50,
          mongo: { uri, database: own },
          checkpointFile: file,
          quiet: true,
          deferUniqueFrom: 100,
        });
      const cp = await load(150);
      expect(cp.deferredIndexes).toBeUndefined();
      expect(await uniques()).toEqual(before);
      await expect(
        db.collection('products').insertOne({ tenantId, slug: (await db.collection('products').findOne())!.slug }),
      ).rejects.toMatchObject({ code: 11000 });

      // A load that died after dropping them: the checkpoint still lists them, the next run recreates them.
      await db.collection('products').dropIndex('tenantId_1_slug_1');
      const crashed = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
      crashed.deferredIndexes = [
        { collection: 'products', spec: before.find((ix) => ix.name === 'tenantId_1_slug_1')! },
      ];
      writeFileSync(file, JSON.stringify(crashed));
      expect((await load(150)).deferredIndexes).toBeUndefined();
      expect(await uniques()).toEqual(before);
      expect(await db.collection('products').countDocuments({ tenantId })).toBe(150);

      // Throwaway data for the benchmark: the same keys and names, without the unique build.
      await db.collection('products').dropIndex('tenantId_1_slug_1');
      writeFileSync(file, JSON.stringify(crashed)); // lists tenantId_1_slug_1 as deferred
      await seedScale({
        tenantId,
        products: 150,
        users: 0,
        orders: 0,
        batch: 50,
        mongo: { uri, database: own },
        checkpointFile: file,
        quiet: true,
        plainUniqueIndexes: true,
      });
      const plain = (await db.collection('products').indexes()).find((ix) => ix.name === 'tenantId_1_slug_1');
      expect(plain).toMatchObject({ key: { tenantId: 1, slug: 1 } });
      expect(plain!.unique).toBeUndefined();
    } finally {
      await db.dropDatabase();
    }
  });
});
