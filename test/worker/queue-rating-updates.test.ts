/** The rating-updates queue's consumer: a product's rating recomputed from its APPROVED reviews, once per batch. */
import { ObjectId } from 'bson';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';

import worker from '../../src/index.ts';
import { eventually } from '../fixtures/index.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

describe('rating-updates queue', () => {
  it('recomputes the average and count from APPROVED reviews, once per product per batch', async () => {
    const tenantId = crypto.randomUUID();
    const { insertedId } = await mongo
      .collection('products')
      .insertOne({ tenantId, slug: `p-${crypto.randomUUID()}`, averageRating: 0, reviewCount: 0 });
    const productId = insertedId.toHexString();
    await mongo.collection('reviews').insertMany([
      { tenantId, productId, userId: 'a', rating: 5, status: 'APPROVED' },
      { tenantId, productId, userId: 'b', rating: 4, status: 'APPROVED' },
      { tenantId, productId, userId: 'c', rating: 4, status: 'APPROVED' },
      { tenantId, productId, userId: 'd', rating: 1, status: 'REJECTED' },
    ]);
    const body = { tenantId, productId, reason: 'approved' };
    const batch = createMessageBatch('rating-updates', [
      { id: 'r1', timestamp: new Date(), attempts: 1, body },
      { id: 'r2', timestamp: new Date(), attempts: 1, body },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(['r1', 'r2']);
    const product = await mongo.collection('products').findOne({ _id: new ObjectId(productId) });
    expect(product).toMatchObject({ averageRating: 4.33, reviewCount: 3 });
  });

  it('a message through the real binding reaches the consumer', async () => {
    const tenantId = crypto.randomUUID();
    const { insertedId } = await mongo
      .collection('products')
      .insertOne({ tenantId, slug: `p-${crypto.randomUUID()}`, averageRating: 0, reviewCount: 0 });
    await mongo
      .collection('reviews')
      .insertOne({ tenantId, productId: insertedId.toHexString(), userId: 'a', rating: 3, status: 'APPROVED' });
    await env.RATING_UPDATES_QUEUE.send({ tenantId, productId: insertedId.toHexString() });
    await eventually(async () => {
      const p = await mongo.collection<{ reviewCount: number }>('products').findOne({ _id: insertedId });
      return p?.reviewCount === 1;
    });
  });
});
