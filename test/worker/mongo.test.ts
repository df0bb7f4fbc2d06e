import { ObjectId } from 'bson';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';

import { createDataApiClient } from '../../src/db/mongo/client.ts';
import { DataApiAuthError, DataApiUnavailableError, DuplicateKeyError } from '../../src/db/mongo/errors.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

describe('MongoDB over HTTP: Data API client -> gateway -> FerretDB', () => {
  it('round-trips ObjectId and Date through EJSON', async () => {
    const tenantId = crypto.randomUUID();
    const createdAt = new Date('2024-01-15T10:00:00.123Z');
    const categoryId = new ObjectId();
    const { insertedId } = await mongo.collection('products').insertOne({
      tenantId,
      name: 'Wireless Headphones',
      slug: `wireless-${crypto.randomUUID()}`,
      category: { id: categoryId, name: 'Electronics' },
      createdAt,
    });
    expect(insertedId).toBeInstanceOf(ObjectId);

    const found = await mongo
      .collection<{ _id: ObjectId; createdAt: Date; category: { id: ObjectId } }>('products')
      .findOne({ _id: insertedId, tenantId });
    expect(found?._id.equals(insertedId)).toBe(true);
    expect(found?.createdAt).toBeInstanceOf(Date);
    expect(found?.createdAt.toISOString()).toBe(createdAt.toISOString());
    expect(found?.category.id.equals(categoryId)).toBe(true);

    const byDate = await mongo.collection('products').find({ tenantId, createdAt: { $gte: new Date('2024-01-01') } });
    expect(byDate).toHaveLength(1);
  });

  it('reports a duplicate slug within a tenant as DuplicateKeyError', async () => {
    const tenantId = crypto.randomUUID();
    const products = mongo.collection('products');
    await products.insertOne({ tenantId, slug: 'same-slug', name: 'one' });
    await expect(products.insertOne({ tenantId, slug: 'same-slug', name: 'two' })).rejects.toBeInstanceOf(
      DuplicateKeyError,
    );
    // The same slug in another tenant is fine.
    await expect(
      products.insertOne({ tenantId: crypto.randomUUID(), slug: 'same-slug', name: 'three' }),
    ).resolves.toBeTruthy();
  });

  it('enforces the unique {aggregateId, version} event-store guard', async () => {
    const aggregateId = new ObjectId().toHexString();
    const events = mongo.collection('product_events');
    await events.insertOne({ tenantId: 't', aggregateId, version: 1, eventType: 'ProductCreatedEvent' });
    await expect(
      events.insertOne({ tenantId: 't', aggregateId, version: 1, eventType: 'PriceChangedEvent' }),
    ).rejects.toBeInstanceOf(DuplicateKeyError);
  });

  it('updates with upsert, aggregates and deletes', async () => {
    const tenantId = crypto.randomUUID();
    const reviews = mongo.collection('reviews');
    const productId = new ObjectId().toHexString();
    await reviews.insertMany([
      { tenantId, productId, userId: 'u1', rating: 5, status: 'APPROVED' },
      { tenantId, productId, userId: 'u2', rating: 2, status: 'APPROVED' },
      { tenantId, productId, userId: 'u3', rating: 1, status: 'PENDING' },
    ]);
    const byStars = await reviews.aggregate<{ _id: number; n: number }>([
      { $match: { tenantId, productId, status: 'APPROVED' } },
      { $group: { _id: '$rating', n: { $sum: 1 } } },
      { $sort: { _id: 1 } },
    ]);
    expect(byStars).toEqual([
      { _id: 2, n: 1 },
      { _id: 5, n: 1 },
    ]);

    const upserted = await reviews.updateOne(
      { tenantId, productId, userId: 'u4' },
      { $set: { rating: 4 } },
      { upsert: true },
    );
    expect(upserted.upsertedId).toBeDefined();
    const { deletedCount } = await reviews.deleteMany({ tenantId });
    expect(deletedCount).toBe(4);
  });

  it('applies concurrent $inc updates of one document without losing any (FerretDB v1 lost them)', async () => {
    const tenantId = crypto.randomUUID();
    const counters = mongo.collection('products');
    const { insertedId } = await counters.insertOne({ tenantId, slug: 'counter', n: 0 });
    await Promise.all(
      Array.from({ length: 60 }, () => counters.updateOne({ _id: insertedId, tenantId }, { $inc: { n: 1 } })),
    );
    expect(await counters.findOne({ _id: insertedId, tenantId })).toMatchObject({ n: 60 });
  });

  it('findOneAndUpdate (gateway/ only): one atomic conditional update that returns the document', async () => {
    const tenantId = crypto.randomUUID();
    const stock = mongo.collection<{ _id: ObjectId; tenantId: string; slug: string; left: number }>('products');
    const { insertedId } = await stock.insertOne({ tenantId, slug: 'last-units', left: 5 });
    // 20 concurrent "take 1 if at least 1 is left": exactly 5 win, each sees its own after-image.
    const taken = await Promise.all(
      Array.from({ length: 20 }, () =>
        stock.findOneAndUpdate(
          { _id: insertedId, tenantId, left: { $gte: 1 } },
          { $inc: { left: -1 } },
          { projection: { left: 1, slug: 1 } },
        ),
      ),
    );
    const won = taken.filter((d) => d !== null);
    expect(won.map((d) => d.left).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(won.every((d) => d.slug === 'last-units')).toBe(true);
    const before = await stock.findOneAndUpdate(
      { _id: insertedId, tenantId },
      [{ $set: { left: { $add: ['$left', 10] } } }],
      { returnDocument: 'before' },
    );
    expect(before?.left).toBe(0);
    expect(await stock.findOneAndUpdate({ _id: insertedId, tenantId, left: 0 }, { $set: { left: 1 } })).toBeNull();
  });

  it('maps a wrong API key and an unreachable server to typed errors', async () => {
    const wrongKey = createDataApiClient({
      baseUrl: env.MONGO_DATA_API_URL,
      apiKey: 'wrong',
      dataSource: 'x',
      database: env.MONGO_DATABASE,
    });
    await expect(wrongKey.collection('products').findOne({})).rejects.toBeInstanceOf(DataApiAuthError);
    const nowhere = createDataApiClient({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
      dataSource: 'x',
      database: 'd',
      timeoutMs: 2000,
    });
    await expect(nowhere.collection('products').findOne({})).rejects.toBeInstanceOf(DataApiUnavailableError);
  });
});
