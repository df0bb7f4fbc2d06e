/**
 * Runs in Node (not workerd): checks with the official driver's listIndexes that the
 * Mongo changesets created the 5 collections and every seed index, that they are
 * recorded in _migrations, and that running them again changes nothing.
 */
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { migrateMongo } from '../../scripts/lib/mongo-migrate.ts';
import { mongoChangeSets } from '../../src/db/mongo/migrations.ts';

const database = inject('bindings').MONGO_DATABASE!;
let client: MongoClient;

beforeAll(async () => {
  client = await MongoClient.connect(inject('mongoUri'));
});
afterAll(() => client?.close());

async function indexKeys(collection: string) {
  const indexes = await client.db(database).collection(collection).listIndexes().toArray();
  return indexes.map((i) => ({ key: JSON.stringify(i.key), unique: Boolean(i.unique) }));
}

/** The seed's indexes (section 5-7), in their per-tenant form where they are unique. */
const SEED_INDEXES: Record<string, { key: Record<string, number>; unique?: boolean }[]> = {
  products: [
    { key: { tenantId: 1, slug: 1 }, unique: true },
    { key: { 'category.id': 1 } },
    { key: { status: 1, published: 1 } },
    { key: { price: 1 } },
    { key: { createdAt: -1 } },
    { key: { 'category.id': 1, price: 1, status: 1 } },
  ],
  product_events: [
    { key: { aggregateId: 1, version: 1 }, unique: true },
    { key: { eventType: 1 } },
    { key: { timestamp: -1 } },
  ],
  categories: [{ key: { tenantId: 1, slug: 1 }, unique: true }, { key: { parentId: 1 } }, { key: { path: 1 } }],
  reviews: [
    { key: { productId: 1 } },
    { key: { userId: 1 } },
    { key: { status: 1 } },
    { key: { rating: 1 } },
    { key: { createdAt: -1 } },
  ],
  notifications: [
    { key: { userId: 1, createdAt: -1 } },
    { key: { read: 1 } },
    { key: { type: 1 } },
    { key: { expiresAt: 1 } },
  ],
};

describe('Mongo migrations (listIndexes through the official driver)', () => {
  it('created the 5 collections of the seed', async () => {
    const names = (await client.db(database).listCollections().toArray()).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(Object.keys(SEED_INDEXES)));
  });

  it('created every seed index (unique where the seed says so)', async () => {
    for (const [collection, wanted] of Object.entries(SEED_INDEXES)) {
      const present = await indexKeys(collection);
      for (const index of wanted) {
        expect(present, `${collection} ${JSON.stringify(index.key)}`).toContainEqual({
          key: JSON.stringify(index.key),
          unique: Boolean(index.unique),
        });
      }
    }
  });

  it('created the text and TTL indexes (nothing skipped on FerretDB v2 / DocumentDB)', async () => {
    const products = await client.db(database).collection('products').listIndexes().toArray();
    const text = products.find((i) => i.name === 'name_text_description_text');
    expect(text?.weights).toEqual({ name: 10, description: 1 });
    const notifications = await client.db(database).collection('notifications').listIndexes().toArray();
    expect(notifications.find((i) => i.name === 'expiresAt_1')).toMatchObject({
      key: { expiresAt: 1 },
      expireAfterSeconds: 0,
    });
    const skipped = await client
      .db(database)
      .collection('_migrations')
      .find({ 'skipped.0': { $exists: true } })
      .toArray();
    expect(skipped.map((r) => r._id)).toEqual([]);
  });

  it('recorded every changeset once, and a second run applies nothing', async () => {
    const recorded = await client.db(database).collection('_migrations').find().toArray();
    expect(recorded).toHaveLength(mongoChangeSets.length);
    const again = await migrateMongo({ uri: inject('mongoUri'), database });
    expect(again.applied).toEqual([]);
  });
});
