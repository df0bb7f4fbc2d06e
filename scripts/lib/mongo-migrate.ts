/**
 * Applies the MongoDB changesets of src/db/mongo/migrations.ts with the official driver.
 *
 * - in `order`; each applied changeset is recorded in `_migrations`
 *   ({ _id: id, id, order, description, checksum, appliedAt, skipped });
 * - already recorded changesets are skipped, so running it again is a no-op; a recorded
 *   changeset whose checksum changed is an error (append a new changeset instead);
 * - every step is idempotent (existing collections/indexes are accepted), so two
 *   runners racing on the same database end in the same state;
 * - an `optional` index the server rejects (FerretDB v1: TTL, text) is recorded as
 *   skipped with the server's error, and its `fallback` index is created instead.
 */
import { createHash } from 'node:crypto';
import { MongoClient, MongoServerError } from 'mongodb';
import type { CreateIndexesOptions, Db, IndexSpecification } from 'mongodb';

import { mongoChangeSets } from '../../src/db/mongo/migrations.ts';
import type { ChangeSet, IndexDefinition, IndexDirection, IndexOptions } from '../../src/db/mongo/migrations.ts';

export interface MigrateMongoOptions {
  uri: string;
  database: string;
  /** Default: mongoChangeSets from src/db/mongo/migrations.ts. */
  changeSets?: readonly ChangeSet[];
  /** Reuse a connected client instead of connecting to `uri` (it is not closed). */
  client?: MongoClient;
  log?: (line: string) => void;
}

export interface MigrateMongoResult {
  /** Changeset ids applied by this run, in order. */
  applied: string[];
  /** Optional indexes the server rejected in this run: id = `<changeset>:<collection>.<index>`. */
  skipped: { id: string; reason: string }[];
}

export const MIGRATIONS_COLLECTION = '_migrations';

interface MigrationRecord {
  _id: string;
  id: string;
  order: number;
  description: string;
  checksum: string;
  appliedAt: Date;
  skipped: { index: string; reason: string }[];
}

export async function migrateMongo(opts: MigrateMongoOptions): Promise<MigrateMongoResult> {
  const changeSets = [...(opts.changeSets ?? mongoChangeSets)].sort((a, b) => a.order - b.order);
  validateChangeSets(changeSets);
  const log = opts.log ?? (() => {});
  const client = opts.client ?? new MongoClient(opts.uri, { serverSelectionTimeoutMS: 10_000 });
  if (!opts.client) await client.connect();
  try {
    const db = client.db(opts.database);
    const records = db.collection<MigrationRecord>(MIGRATIONS_COLLECTION);
    const done = new Map((await records.find({}).toArray()).map((r) => [r._id, r]));
    const result: MigrateMongoResult = { applied: [], skipped: [] };

    for (const cs of changeSets) {
      const checksum = changeSetChecksum(cs);
      const record = done.get(cs.id);
      if (record) {
        if (record.checksum !== checksum) {
          throw new Error(
            `mongo migration ${cs.id} was changed after it was applied (checksum ${record.checksum} -> ${checksum}); ` +
              'changesets are immutable: add a new changeset instead',
          );
        }
        continue;
      }

      const skipped: { index: string; reason: string }[] = [];
      await createCollections(db, cs.collections ?? []);
      for (const index of cs.indexes ?? []) {
        const label = `${index.collection}.${index.options.name}`;
        try {
          await createIndex(db, index.collection, index.key, index.options);
        } catch (err) {
          if (!index.optional)
            throw new Error(`mongo migration ${cs.id}: index ${label}: ${describe(err)}`, { cause: err });
          const reason = describe(err);
          skipped.push({ index: label, reason });
          result.skipped.push({ id: `${cs.id}:${label}`, reason });
          log(`mongo migration ${cs.id}: optional index ${label} skipped: ${reason}`);
          if (index.fallback) {
            try {
              await createIndex(db, index.collection, index.fallback.key, index.fallback.options);
            } catch (fallbackErr) {
              throw new Error(
                `mongo migration ${cs.id}: fallback index ${index.collection}.${index.fallback.options.name}: ${describe(fallbackErr)}`,
                { cause: fallbackErr },
              );
            }
          }
        }
      }

      try {
        // insertOne, not an upsert with $setOnInsert: FerretDB v1 drops empty arrays there.
        await records.insertOne({
          _id: cs.id,
          id: cs.id,
          order: cs.order,
          description: cs.description,
          checksum,
          appliedAt: new Date(),
          skipped,
        });
      } catch (err) {
        // Another runner recorded it between our read and this write: same end state.
        if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
      }
      result.applied.push(cs.id);
      log(`mongo migration ${cs.id} applied`);
    }
    return result;
  } finally {
    if (!opts.client) await client.close();
  }
}

/** sha256 of the changeset's effective content (description excluded, key order of index keys kept). */
export function changeSetChecksum(cs: ChangeSet): string {
  const content = {
    id: cs.id,
    order: cs.order,
    collections: cs.collections ?? [],
    indexes: (cs.indexes ?? []).map((ix: IndexDefinition) => ({
      collection: ix.collection,
      key: Object.entries(ix.key),
      options: sortKeys(ix.options),
      optional: ix.optional === true,
      fallback: ix.fallback ? { key: Object.entries(ix.fallback.key), options: sortKeys(ix.fallback.options) } : null,
    })),
  };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

function validateChangeSets(changeSets: readonly ChangeSet[]): void {
  const ids = new Set<string>();
  const orders = new Set<number>();
  for (const cs of changeSets) {
    if (!cs.id) throw new Error('mongo changeset without id');
    if (ids.has(cs.id)) throw new Error(`duplicate mongo changeset id ${cs.id}`);
    if (orders.has(cs.order)) throw new Error(`duplicate mongo changeset order ${cs.order} (${cs.id})`);
    ids.add(cs.id);
    orders.add(cs.order);
    for (const ix of cs.indexes ?? []) {
      if (!ix.options.name) throw new Error(`mongo changeset ${cs.id}: index on ${ix.collection} needs options.name`);
    }
  }
}

async function createCollections(db: Db, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c: { name: string }) => c.name),
  );
  for (const name of names) {
    if (existing.has(name)) continue;
    try {
      await db.createCollection(name);
    } catch (err) {
      // 48 NamespaceExists: created concurrently
      if (!(err instanceof MongoServerError && err.code === 48)) throw err;
    }
  }
}

async function createIndex(
  db: Db,
  collection: string,
  key: Record<string, IndexDirection>,
  options: IndexOptions,
): Promise<void> {
  // Same name + same spec is a no-op on the server; a different spec under the same
  // name fails (85 IndexOptionsConflict / 86 IndexKeySpecsConflict) and stops the run.
  await db.collection(collection).createIndex(key as IndexSpecification, { ...options } as CreateIndexesOptions);
}

function describe(err: unknown): string {
  if (err instanceof MongoServerError) {
    return `${err.codeName ?? 'MongoServerError'} (${String(err.code)}): ${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}
