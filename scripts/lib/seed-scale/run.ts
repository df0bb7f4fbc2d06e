/**
 * Bulk load of generated data (see generate.ts) into the configured stores, in batches,
 * resumable: after every batch the number of rows done per kind is recorded in a checkpoint
 * file; a new run with the same tenant continues from there. Re-writing the batch a crash
 * interrupted is harmless (deterministic ids: Mongo duplicates are skipped, PostgreSQL rows
 * are `on conflict do nothing`).
 *
 * MongoDB: products + their ProductCreatedEvents + categories, through the official driver
 * (MONGODB_URI) or the Data API (MONGO_DATA_API_URL + MONGO_DATA_API_KEY).
 *
 * Unique indexes during a large load (driver only, DEFER_UNIQUE_FROM products or more): on
 * DocumentDB a unique index is an exclusion constraint whose check walks the documents sharing a
 * key value (tenantId within the tenant; version 1 in every created event), so it slows every
 * insert as the tenant grows (measured with all indexes: 510 products/s at 5,000, 45/s at
 * 20,000, ~25/s at 75,000; without the unique ones ~400/s throughout). So the loader drops the unique indexes
 * of products and product_events, loads, and creates them again with the same specification;
 * the checkpoint lists them until then, so a crashed load recreates them on its next run. While
 * they are away the deterministic _ids still refuse duplicates; do not point the API at the
 * tenant's database during such a load.
 * PostgreSQL (owner connection; each batch sets the RLS tenant): tenant, users with profiles
 * and the USER role, orders with their items, as multi-row inserts.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MongoBulkWriteError, MongoClient, type Db } from 'mongodb';
import postgres from 'postgres';

import { createDataApiClient, type DataApiClient } from '../../../src/db/mongo/client.ts';
import { DuplicateKeyError } from '../../../src/db/mongo/errors.ts';
import { hashPassword } from '../../../src/lib/passwords.ts';
import {
  categories,
  categoryIndexOf,
  eventObjectId,
  leafCategories,
  order,
  product,
  SEED_PASSWORD,
  user,
} from './generate.ts';
import { progressBar } from './progress.ts';

export interface SeedScaleOptions {
  tenantId: string;
  products: number;
  users: number;
  orders: number;
  batch: number;
  /** Owner connection string of PostgreSQL (needed for users/orders). */
  databaseUrl?: string | undefined;
  mongo?:
    | { uri: string; database: string }
    | { dataApiUrl: string; apiKey: string; dataSource: string; database: string }
    | undefined;
  checkpointFile: string;
  /** Forget the checkpoint and start from row 0 (rows already there are kept). */
  reset?: boolean;
  quiet?: boolean;
  /** Defer the unique indexes when this many products or more are to be loaded (default DEFER_UNIQUE_FROM). */
  deferUniqueFrom?: number;
  /**
   * Recreate deferred unique indexes as plain indexes of the same keys and names, for throwaway
   * data that is only read (the benchmark): building the unique ones is quadratic on DocumentDB
   * (10,000 products: 21 s; 20,000: 68 s; 100,000: about half an hour each).
   */
  plainUniqueIndexes?: boolean;
}

export interface Checkpoint {
  tenantId: string;
  done: { products: number; users: number; orders: number };
  /** Unique indexes dropped for a load and not yet recreated (see above). */
  deferredIndexes?: DeferredIndex[];
}

export interface DeferredIndex {
  collection: string;
  spec: Record<string, unknown>;
}

/** A load of this many products or more defers the unique indexes (driver only). */
export const DEFER_UNIQUE_FROM = 5000;
const DEFERRED_COLLECTIONS = ['products', 'product_events'];

interface MongoSink {
  /** Inserts, skipping documents whose _id (or unique key) is already there. */
  insert(collection: string, docs: Record<string, unknown>[]): Promise<void>;
  upsertCategory(doc: Record<string, unknown>): Promise<void>;
  /** Drops the unique indexes (but _id's) of `collections` and returns their specifications (driver only). */
  dropUniqueIndexes?(collections: string[]): Promise<DeferredIndex[]>;
  createIndexes?(indexes: DeferredIndex[], log: (line: string) => void, plain: boolean): Promise<void>;
  close(): Promise<void>;
}

async function driverSink(uri: string, database: string): Promise<MongoSink> {
  const client = await MongoClient.connect(uri);
  const db: Db = client.db(database);
  return {
    async insert(collection, docs) {
      try {
        await db.collection(collection).insertMany(docs, { ordered: false });
      } catch (err) {
        // A resumed batch: the documents already there are duplicates; everything else was inserted.
        const errors =
          err instanceof MongoBulkWriteError
            ? Array.isArray(err.writeErrors)
              ? err.writeErrors
              : [err.writeErrors]
            : null;
        if (!errors || errors.some((e) => e.code !== 11000)) throw err;
      }
    },
    async upsertCategory(doc) {
      const { _id, productCount, ...rest } = doc;
      await db
        .collection('categories')
        .updateOne({ _id: _id as never }, { $set: { ...rest, productCount } }, { upsert: true });
    },
    async dropUniqueIndexes(collections) {
      const dropped: DeferredIndex[] = [];
      for (const collection of collections) {
        for (const { v: _v, ...spec } of await db.collection(collection).indexes()) {
          if (!spec.unique || spec.name === '_id_') continue;
          await db.collection(collection).dropIndex(spec.name!);
          dropped.push({ collection, spec });
        }
      }
      return dropped;
    },
    async createIndexes(indexes, log, plain) {
      for (const { collection, spec } of indexes) {
        const started = Date.now();
        // The listed specification as it was (key, name, unique, partialFilterExpression, ...).
        const { unique, ...rest } = spec;
        await db.command({ createIndexes: collection, indexes: [plain ? rest : { ...rest, unique }] });
        const kind = plain ? 'as a plain index' : 'unique';
        log(`${collection}.${String(spec.name)} created (${kind}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    },
    close: () => client.close(),
  };
}

function dataApiSink(cfg: { dataApiUrl: string; apiKey: string; dataSource: string; database: string }): MongoSink {
  const api: DataApiClient = createDataApiClient({
    baseUrl: cfg.dataApiUrl,
    apiKey: cfg.apiKey,
    dataSource: cfg.dataSource,
    database: cfg.database,
    timeoutMs: 120_000,
  });
  return {
    async insert(collection, docs) {
      try {
        await api.collection(collection).insertMany(docs);
      } catch (err) {
        // A resumed batch: insert only the documents that are not there yet.
        if (!(err instanceof DuplicateKeyError)) throw err;
        const there = await api
          .collection(collection)
          .find({ _id: { $in: docs.map((d) => d._id) } }, { projection: { _id: 1 }, limit: docs.length });
        const have = new Set(there.map((d) => String(d._id)));
        const missing = docs.filter((d) => !have.has(String(d._id)));
        if (missing.length > 0) await api.collection(collection).insertMany(missing);
      }
    },
    async upsertCategory(doc) {
      const { _id, productCount, ...rest } = doc;
      await api.collection('categories').updateOne({ _id }, { $set: { ...rest, productCount } }, { upsert: true });
    },
    close: async () => {},
  };
}

function readCheckpoint(file: string, tenantId: string, reset: boolean): Checkpoint {
  const fresh = { tenantId, done: { products: 0, users: 0, orders: 0 } };
  if (reset || !existsSync(file)) return fresh;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
  return saved.tenantId === tenantId ? saved : fresh;
}

function writeCheckpoint(file: string, cp: Checkpoint): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(cp, null, 2));
  renameSync(`${file}.tmp`, file); // atomic: a crash leaves the old or the new checkpoint, never half of one
}

async function loadKind(
  label: string,
  target: number,
  cp: Checkpoint,
  kind: keyof Checkpoint['done'],
  opts: SeedScaleOptions,
  writeBatch: (from: number, to: number) => Promise<void>,
): Promise<void> {
  if (cp.done[kind] >= target) return;
  const bar = opts.quiet ? null : progressBar(label, target, cp.done[kind]);
  for (let from = cp.done[kind]; from < target; from += opts.batch) {
    const to = Math.min(target, from + opts.batch);
    await writeBatch(from, to);
    cp.done[kind] = to;
    writeCheckpoint(opts.checkpointFile, cp);
    bar?.tick(to);
  }
  bar?.finish();
}

export async function seedScale(opts: SeedScaleOptions): Promise<Checkpoint> {
  const tenantId = opts.tenantId.toLowerCase();
  const cp = readCheckpoint(opts.checkpointFile, tenantId, opts.reset ?? false);
  const allCategories = categories(tenantId);
  const leaves = leafCategories(allCategories);

  if (opts.products > 0) {
    if (!opts.mongo) throw new Error('products need MONGODB_URI or MONGO_DATA_API_URL + MONGO_DATA_API_KEY');
    const sink = 'uri' in opts.mongo ? await driverSink(opts.mongo.uri, opts.mongo.database) : dataApiSink(opts.mongo);
    const log = (line: string) => {
      if (!opts.quiet) console.error(`seed:scale: ${line}`);
    };
    try {
      if (sink.dropUniqueIndexes && opts.products - cp.done.products >= (opts.deferUniqueFrom ?? DEFER_UNIQUE_FROM)) {
        const dropped = await sink.dropUniqueIndexes(DEFERRED_COLLECTIONS);
        cp.deferredIndexes = [...(cp.deferredIndexes ?? []), ...dropped];
        writeCheckpoint(opts.checkpointFile, cp);
        if (dropped.length)
          log(`unique indexes deferred until the load ends: ${dropped.map((d) => d.spec.name).join(', ')}`);
      }
      await loadKind('products', opts.products, cp, 'products', opts, async (from, to) => {
        const docs: Record<string, unknown>[] = [];
        const events: Record<string, unknown>[] = [];
        for (let i = from; i < to; i++) {
          const p = product(tenantId, i, leaves);
          docs.push(p.doc);
          events.push({ _id: eventObjectId(tenantId, i), ...p.event });
        }
        // Events first: a product document never exists without the event it projects.
        await sink.insert('product_events', events);
        await sink.insert('products', docs);
      });
      // productCount = products (not deleted) per category, recomputed from the formula, not $inc.
      const counts = new Array<number>(leaves.length).fill(0);
      for (let i = 0; i < Math.max(opts.products, cp.done.products); i++)
        counts[categoryIndexOf(tenantId, i, leaves.length)]!++;
      for (const c of allCategories) {
        const leaf = leaves.indexOf(c);
        await sink.upsertCategory({ ...c, productCount: leaf >= 0 ? counts[leaf]! : 0 });
      }
      if (cp.deferredIndexes?.length && sink.createIndexes) {
        await sink.createIndexes(cp.deferredIndexes, log, opts.plainUniqueIndexes ?? false);
        delete cp.deferredIndexes;
        writeCheckpoint(opts.checkpointFile, cp);
      }
    } finally {
      await sink.close();
    }
  }

  if (opts.users > 0 || opts.orders > 0) {
    if (!opts.databaseUrl) throw new Error('users and orders need DATABASE_URL (an owner connection)');
    const sql = postgres(opts.databaseUrl, { max: 2, onnotice: () => {} });
    try {
      await sql`insert into auth.tenants (id, name, status, plan, max_users) values (${tenantId}, ${`Seed ${tenantId.slice(0, 8)}`}, 'ACTIVE', 'ENTERPRISE', 100000000) on conflict do nothing`;
      const inTenant = <T>(work: (tx: postgres.TransactionSql) => Promise<T>) =>
        sql.begin(async (tx) => {
          await tx`select set_config('app.current_tenant', ${tenantId}, true)`;
          return work(tx);
        }) as Promise<T>;
      const [role] = await sql`select id from auth.roles where name = 'USER'`;
      if (!role) throw new Error('auth.roles has no USER role: run the PostgreSQL migrations first');
      const passwordHash = await hashPassword(SEED_PASSWORD);
      await loadKind('users', opts.users, cp, 'users', opts, async (from, to) => {
        const rows = Array.from({ length: to - from }, (_, k) =>
          user(tenantId, from + k, passwordHash, role.id as string),
        );
        await inTenant(async (tx) => {
          await tx`insert into auth.users ${tx(rows.map((r) => r.user))} on conflict do nothing`;
          await tx`insert into users.user_profiles ${tx(rows.map((r) => r.profile))} on conflict do nothing`;
          await tx`insert into auth.user_roles ${tx(rows.map((r) => r.role))} on conflict do nothing`;
        });
      });
      const users = Math.max(opts.users, cp.done.users);
      const products = Math.max(opts.products, cp.done.products);
      await loadKind('orders', opts.orders, cp, 'orders', opts, async (from, to) => {
        const rows = Array.from({ length: to - from }, (_, k) => order(tenantId, from + k, users, products, leaves));
        await inTenant(async (tx) => {
          await tx`insert into orders.orders ${tx(rows.map((r) => r.order))} on conflict do nothing`;
          await tx`insert into orders.order_items ${tx(rows.flatMap((r) => r.items))} on conflict do nothing`;
        });
      });
    } finally {
      await sql.end();
    }
  }
  return cp;
}
